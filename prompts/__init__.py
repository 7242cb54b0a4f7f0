"""Prompt and genre templates, kept as files beside this module."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``prompts/<name>`` (e.g. ``answer.txt``)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def load_json(name: str) -> dict:
    return json.loads(load(name))
