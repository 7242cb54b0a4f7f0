"""Subcommands beyond the knowledge base, each family in its own module."""
from __future__ import annotations


def register(sub, kb_flag) -> None:
    from jianghua import cli_assist, cli_eval, cli_serve
    for mod in (cli_assist, cli_serve, cli_eval):
        mod.register(sub, kb_flag)
