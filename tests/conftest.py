"""Shared pytest fixtures."""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:  # so `tests.llm_server` imports under plain `pytest` too
    sys.path.insert(0, _ROOT)

from tests.llm_server import llm_server  # noqa: E402,F401  (session fixture: real chat server)
