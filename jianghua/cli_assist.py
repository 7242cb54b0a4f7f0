"""Subcommands: cli_assist."""
from __future__ import annotations


def register(sub, kb_flag) -> None:
    """Add this family's subcommands to the parser."""
