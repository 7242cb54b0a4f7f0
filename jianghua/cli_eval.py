"""Subcommands: `jianghua eval` and `jianghua index versions|promote|rollback|prune`. They call the core and print."""
from __future__ import annotations

import sys
from pathlib import Path

from jianghua.cli_common import app_of, print_json
from jianghua.errors import GateError


# -- eval -------------------------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    answers = False if args.retrieval_only else None
    out = app_of(args).evaluate(args.version, args.against, progress=not args.quiet, mode=args.mode,
                                answers=answers, rows=True)
    if args.json:
        print_json(out["result"] if out["comparison"] is None else out["comparison"])
    else:
        print(out["markdown"])
    return 0


# -- index ------------------------------------------------------------------------------------------------------
def cmd_versions(args) -> int:
    rows = app_of(args).versions(settings=True)      # as `index versions --json` always printed them
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no versions: ingest documents first")
        return 0
    print(f"  {'ver':>4}  {'parent':>6}  {'created':<25}  {'docs':>5}  {'chunks':>6}  note   (* serving)")
    for v in rows:
        ev = v.get("eval") or {}
        gate = ev.get("gate") or {}
        state = "forced" if ev.get("forced") else ("gate passed" if gate.get("ok") else "")
        print(f"{'*' if v['serving'] else ' '} {v['version']:>4}  {v['parent'] or '-':>6}  {v['created']:<25}  "
              f"{v['documents']:>5}  {v['chunks']:>6}  {v['note']}{'  [' + state + ']' if state else ''}")
    return 0


def cmd_promote(args) -> int:
    try:
        result = app_of(args).promote(args.version, force=args.force, progress=not args.quiet)
    except GateError as e:
        if args.json:
            print_json({"promoted": False, "message": str(e), "gate": e.report or None})
        else:
            print(f"refused: {e}", file=sys.stderr)
            if e.report:
                print(_gate_table(e.report))
        return 1
    if args.json:
        print_json(result)
    else:
        if result.get("gate"):
            print(_gate_table(result["gate"]))
        forced = " (forced past the gate)" if result["forced"] else ""
        print(f"version {result['serving']} is serving{forced}; was {result['serving_before']}")
    return 0


def _gate_table(report: dict) -> str:
    return report["markdown"] + "\n\n" + report["message"]


def cmd_rollback(args) -> int:
    result = app_of(args).rollback()
    if args.json:
        print_json(result)
    else:
        print(f"version {result['serving']} is serving again; was {result['serving_before']}")
    return 0


def cmd_prune(args) -> int:
    result = app_of(args).prune(args.keep)
    if args.json:
        print_json(result)
    else:
        removed = ", ".join(map(str, result["removed_versions"])) or "none"
        print(f"removed versions: {removed}; kept {', '.join(map(str, result['kept']))}; deleted "
              f"{result['chunks_deleted']} chunks, {result['documents_deleted']} documents, "
              f"{result['vectors_deleted']} vectors")
    return 0


def register(sub, kb_flag) -> None:
    """Add this family's subcommands to the parser."""
    sp = sub.add_parser("eval", help="evaluate a version on an evaluation set (Markdown table; --json)")
    sp.add_argument("--set", type=Path, help="a bundled set's name (seed, seed:dev, seed:test, genre, indomain, "
                                             "negatives, followups, cmrc, cross), a set directory or its queries.jsonl "
                                             "(default: $JIANGHUA_EVAL_SET or seed:test); cmrc and cross are "
                                             "evaluated on a knowledge base of their own corpus")
    kb_flag(sp)
    sp.add_argument("--version", help="version to evaluate (default: the serving one)")
    sp.add_argument("--against", help="also evaluate this version and show both with deltas")
    sp.add_argument("--mode", choices=("hybrid", "keyword", "dense"), default="hybrid",
                    help="search mode for the retrieval metrics (answers use the configured search)")
    sp.add_argument("--retrieval-only", action="store_true", help="skip answers and drafts")
    sp.add_argument("--json", action="store_true", help="print the result (with per-question rows) as JSON")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.set_defaults(func=cmd_eval)

    ip = sub.add_parser("index", help="knowledge-base versions: list, promote, roll back, prune")
    isub = ip.add_subparsers(dest="index_cmd", required=True)

    def common(p):
        kb_flag(p)
        p.add_argument("--json", action="store_true", help="print the result as JSON")

    p = isub.add_parser("versions", help="list versions (* marks the serving one)")
    common(p)
    p.set_defaults(func=cmd_versions)
    p = isub.add_parser("promote", help="serve a version (default: the newest) if it passes the evaluation gate")
    p.add_argument("version", nargs="?", help="the version to serve (default: the newest)")
    p.add_argument("--force", action="store_true", help="promote even if headline metrics drop")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    common(p)
    p.set_defaults(func=cmd_promote)
    p = isub.add_parser("rollback", help="serve the version that served before the last promotion")
    common(p)
    p.set_defaults(func=cmd_rollback)
    p = isub.add_parser("prune", help="delete all but the newest N versions (never the serving one)")
    p.add_argument("--keep", type=int, required=True, metavar="N", help="how many of the newest versions to keep")
    common(p)
    p.set_defaults(func=cmd_prune)
