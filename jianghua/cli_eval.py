"""Subcommands: `jianghua eval` and `jianghua index versions|promote|rollback|prune`. They call the core and print."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from jianghua.errors import GateError
from jianghua.settings import Settings


def _settings(args) -> Settings:
    return Settings.from_env(kb=getattr(args, "kb", None), embedder=getattr(args, "embedder", None),
                             eval_set=getattr(args, "set", None))


def _open(args):
    from jianghua.index.kb import KnowledgeBase
    return KnowledgeBase.open(_settings(args))


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


# -- eval -------------------------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    from jianghua.evals.data import configured_set, load_set
    from jianghua.evals.runner import as_app, compare, own_corpus_app, run_eval, to_json, to_markdown
    settings = _settings(args)
    from jianghua.app import Jianghua
    es = load_set(configured_set(settings))
    if es.own_corpus:        # cmrc, cross: evaluated on a knowledge base of the set's own corpus
        app = own_corpus_app(es, settings, progress=not args.quiet)
    else:
        app = as_app(Jianghua(settings, create=False))
    answers = False if args.retrieval_only else None
    kw = dict(progress=not args.quiet, mode=args.mode, answers=answers, drafts=answers)
    result = run_eval(app, es, version=args.version, **kw)
    out = result
    if args.against is not None:
        base = run_eval(app, es, version=args.against, **kw)
        out = compare(base, result)
    if args.json:
        _print_json(to_json(out))
    else:
        print(to_markdown(out))
    return 0


# -- index ------------------------------------------------------------------------------------------------------
def cmd_versions(args) -> int:
    from jianghua.index.versions import list_versions
    rows = list_versions(_open(args))
    if args.json:
        _print_json(rows)
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
    from jianghua.evals.gate import run_gate
    from jianghua.index.versions import promote
    kb = _open(args)
    seen: dict = {}

    def gate(kb_, candidate, serving, progress):
        ok, report = run_gate(kb_, candidate, serving, progress)
        seen.update(report)
        return ok, report

    try:
        result = promote(kb, args.version, force=args.force, progress=not args.quiet, gate=gate)
    except GateError as e:
        if args.json:
            _print_json({"promoted": False, "message": str(e), "gate": seen or None})
        else:
            print(f"refused: {e}", file=sys.stderr)
            if seen:
                print(_gate_table(seen))
        return 1
    if args.json:
        _print_json(result)
    else:
        if seen:
            print(_gate_table(seen))
        forced = " (forced past the gate)" if result["forced"] else ""
        print(f"version {result['serving']} is serving{forced}; was {result['serving_before']}")
    return 0


def _gate_table(report: dict) -> str:
    from jianghua.evals.runner import EvalResult, compare, to_markdown
    cmp = compare(EvalResult.from_dict(report["serving"]), EvalResult.from_dict(report["candidate"]))
    return to_markdown(cmp) + "\n\n" + report["message"]


def cmd_rollback(args) -> int:
    from jianghua.index.versions import rollback
    result = rollback(_open(args))
    if args.json:
        _print_json(result)
    else:
        print(f"version {result['serving']} is serving again; was {result['serving_before']}")
    return 0


def cmd_prune(args) -> int:
    from jianghua.index.versions import prune
    result = prune(_open(args), args.keep)
    if args.json:
        _print_json(result)
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
