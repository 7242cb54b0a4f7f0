#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything the tests need is installed below, so a part that cannot load fails its tests instead of skipping them
# (tests/needs.py, tests/llm_server.py, tests/ui/browser.py read CI).
export CI="${CI:-true}"
python -m pip install -q torch==2.13.0
python -m pip install -q -e '.[test]'
bash .ci/llm.sh
bash .ci/install-browser.sh
bash .ci/install-office.sh
python .ci/architecture.py          # one top-level module, the layers contract, no import cycle, no private import
python -m pytest -q "$@"
