"""What a test needs that the test command installs (torch, OCR, LibreOffice, the OFD writer, the MiniLM model …).

Missing, it skips the test on a developer's machine, and fails it in CI (``CI`` set, as ``.ci/test.sh`` does): there
everything is installed, so a part that cannot load is a broken product, not a reason to skip. Data that lives
outside the repository (``../shared``) is not a need: tests on it skip wherever it is absent.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str):
    """Skip (locally) or fail (in CI) with ``reason``."""
    if in_ci():
        pytest.fail(f"{reason} (the test command installs it: bash .ci/test.sh)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need(ok, reason: str):
    """``ok`` if it is truthy, else ``missing(reason)``."""
    if not ok:
        missing(reason)
    return ok


def need_module(name: str):
    """The imported module ``name`` (like ``pytest.importorskip``, failing in CI)."""
    if importlib.util.find_spec(name) is None:
        missing(f"the {name} package is not installed")
    return importlib.import_module(name)


def need_program(name: str) -> str:
    """The path of the program ``name`` on PATH."""
    return need(shutil.which(name), f"{name} is not on PATH")
