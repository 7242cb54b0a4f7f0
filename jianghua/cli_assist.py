"""Subcommands: ask and draft."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from jianghua.cli_common import app_of


def _sources(result: dict) -> None:
    for c in result["citations"]:
        sec = " › ".join(c["section"]) or "—"
        print(f"  [{c['n']}] {c['title']}（{sec}）{c['start']}–{c['end']}")


def cmd_ask(args) -> int:
    app = app_of(args)
    history = json.loads(Path(args.history).read_text(encoding="utf-8")) if args.history else []
    result = app.ask(args.question, history)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(result["answer"])
    print()
    _sources(result)
    if not result["grounded"]:
        bad = [s["text"] for s in result["sentences"] if not s["supported"]]
        print(f"\n未通过核验的句子 {len(bad)} 句：" + "；".join(bad), file=sys.stderr)
    return 0


def cmd_draft(args) -> int:
    app = app_of(args)
    result = app.draft(args.topic, args.occasion, args.length)
    if args.docx:
        Path(args.docx).write_bytes(app.export_draft(result, args.topic, "docx"))
    if args.markdown:
        Path(args.markdown).write_text(app.export_draft(result, args.topic, "markdown"), encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(result["draft"])
    print(f"\n（{result['length']} 字，目标 {result['target_length']} 字；核验：{'通过' if result['grounded'] else '未通过'}）")
    _sources(result)
    return 0


def register(sub, kb_flag) -> None:
    sp = sub.add_parser("ask", help="ask a question; the answer cites its sources")
    sp.add_argument("question", help="the question, in Chinese")
    sp.add_argument("--history", help="a JSON file with earlier turns [{role, content}, …]")
    sp.add_argument("--generator", choices=("extractive", "openai"),
                    help="who writes the answer: extractive (sentences from the sources, no model) or openai (the "
                         "configured OpenAI-compatible model); default: $JIANGHUA_GENERATOR or extractive")
    kb_flag(sp)
    sp.add_argument("--json", action="store_true", help="print answer, citations, sentences and trace as JSON")
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("draft", help="draft a 表态发言 on a topic, with sources")
    sp.add_argument("topic", help="what the speech is about, e.g. 落实全面从严治党主体责任")
    sp.add_argument("--occasion", help="the meeting it is given at, e.g. 机关党建工作推进会 (framed in the opening)")
    sp.add_argument("--length", type=int, default=600, help="target length in characters, 100–5000 (default: 600)")
    sp.add_argument("--generator", choices=("extractive", "openai"),
                    help="extractive (the corpus's own sentences) or openai (the configured model); "
                         "default: $JIANGHUA_GENERATOR or extractive")
    sp.add_argument("--docx", metavar="FILE", help="also write a .docx (GB/T 9704 layout, sources as footnotes)")
    sp.add_argument("--markdown", metavar="FILE", help="also write Markdown")
    kb_flag(sp)
    sp.add_argument("--json", action="store_true", help="print draft, citations, coverage and trace as JSON")
    sp.set_defaults(func=cmd_draft)
