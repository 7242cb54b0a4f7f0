#!/usr/bin/env bash
# Debian's headless LibreOffice Writer (soffice --convert-to pdf), poppler-utils (pdftoppm) and CJK fonts for the
# Word export's rendering test. Idempotent: does nothing when all are present.
set -euo pipefail
fonts=$(fc-list 2>/dev/null || true)
if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && grep -qi "Noto Serif CJK" <<<"$fonts"; then
    echo "[install-office] soffice, pdftoppm and fonts-noto-cjk present" >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-noto-cjk >&2
soffice --version >&2
