"""What every `jianghua` subcommand shares: its settings from the flags, the application object, JSON output."""
from __future__ import annotations

import json

from jianghua.settings import Settings


def settings_of(args) -> Settings:
    """Defaults < JIANGHUA_* environment < the flags this subcommand has."""
    return Settings.from_env(kb=getattr(args, "kb", None), embedder=getattr(args, "embedder", None),
                             generator=getattr(args, "generator", None), eval_set=getattr(args, "set", None))


def app_of(args, create: bool = False):
    """The application object: the one door to the knowledge base, search, answers, drafts and evaluation."""
    from jianghua.app import Jianghua
    return Jianghua(settings_of(args), create=create)


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))
