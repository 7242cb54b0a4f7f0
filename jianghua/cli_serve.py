"""Subcommands: ``jianghua serve`` — the page at / and the HTTP API (/api, /v1, /docs) on one port."""
from __future__ import annotations

import sys


def register(sub, kb_flag) -> None:
    """Add this family's subcommands to the parser."""
    sp = sub.add_parser("serve", help="start the web page and the HTTP API")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")
    sp.add_argument("--port", type=int, default=7860)
    kb_flag(sp)
    sp.add_argument("--sample", action="store_true",
                    help="if the knowledge base has no documents, first ingest the bundled sample speeches")
    sp.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    sp.set_defaults(func=cmd_serve)


def seed_samples(app) -> None:
    """Ingest ``samples.SEEDS`` into an empty knowledge base (vectors follow in the background)."""
    from samples import SEEDS
    if app.documents():
        return
    print(f"knowledge base {app.settings.kb} is empty: ingesting the sample speeches from {SEEDS}", file=sys.stderr)
    report = app.ingest_paths(sorted(SEEDS.glob("*.txt")), progress=True)
    print(f"added {len(report['added'])} documents (version {report['version']})", file=sys.stderr)


def cmd_serve(args) -> int:
    import uvicorn

    from jianghua.settings import Settings
    from ui.server import create_app

    settings = Settings.from_env(kb=args.kb, embedder=args.embedder)
    app = create_app(settings, seed=seed_samples if args.sample else None)
    print(f"jianghua: http://{args.host}:{args.port}/  (API docs: /docs; knowledge base: {settings.kb})",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
