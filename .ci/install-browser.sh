#!/usr/bin/env bash
# Debian's Chromium and CJK fonts for the page's end-to-end test (Playwright drives /usr/bin/chromium;
# Playwright's own browser download is not available here). Idempotent: does nothing when both are present.
set -euo pipefail
fonts=$(fc-list 2>/dev/null || true)
if [ -x /usr/bin/chromium ] && grep -qi "Noto Sans CJK" <<<"$fonts"; then
    echo "[install-browser] chromium and fonts-noto-cjk present" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q chromium fonts-noto-cjk >&2
/usr/bin/chromium --version >&2
