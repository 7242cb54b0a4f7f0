"""Subcommands: ``jianghua serve`` — the page at / and the HTTP API (/api, /v1, /docs) on one port."""
from __future__ import annotations

import ipaddress
import sys

from jianghua.errors import InputError


def register(sub, kb_flag) -> None:
    """Add this family's subcommands to the parser."""
    sp = sub.add_parser("serve", help="start the web page and the HTTP API")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")
    sp.add_argument("--port", type=int, default=7860, help="port to listen on (default: 7860)")
    kb_flag(sp)
    sp.add_argument("--sample", action="store_true",
                    help="if the knowledge base has no documents, first ingest the bundled sample speeches")
    sp.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"),
                    help="server log detail (default: info)")
    sp.add_argument("--allow-open", action="store_true",
                    help="serve a non-loopback address without JIANGHUA_API_KEY (anyone who can reach it may "
                         "upload, delete and promote)")
    sp.set_defaults(func=cmd_serve)


def seed_samples(app) -> None:
    """Ingest ``samples.SEEDS`` into an empty knowledge base (vectors follow in the background)."""
    from jianghua.samples import SEEDS
    if app.documents():
        return
    print(f"knowledge base {app.settings.kb} is empty: ingesting the sample speeches from {SEEDS}", file=sys.stderr)
    report = app.ingest_paths(sorted(SEEDS.glob("*.txt")), progress=True)
    print(f"added {len(report['added'])} documents (version {report['version']})", file=sys.stderr)


def cmd_serve(args) -> int:
    import uvicorn

    from jianghua.settings import Settings
    from jianghua.ui.server import create_app

    settings = Settings.from_env(kb=args.kb, embedder=args.embedder)
    if not settings.api_key and not is_loopback(args.host):
        if not args.allow_open:
            raise InputError(f"refusing to serve {args.host} without an API key: anyone who can reach it could "
                             "upload, delete and promote. Set JIANGHUA_API_KEY (and JIANGHUA_API_KEY_ALL=true to "
                             "guard reading too), serve 127.0.0.1 only, or pass --allow-open to accept that")
        print(f"warning: serving {args.host} without an API key (--allow-open): every write endpoint is open",
              file=sys.stderr)
    app = create_app(settings, seed=seed_samples if args.sample else None)
    print(f"jianghua: http://{args.host}:{args.port}/  (API docs: /docs; knowledge base: {settings.kb})",
          file=sys.stderr)
    # SIGTERM/SIGINT: stop accepting, give open requests and streams a few seconds, then stop the embedder and exit
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                timeout_graceful_shutdown=GRACEFUL_S)
    return 0


GRACEFUL_S = 3


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; 0.0.0.0, :: and every other address are reachable from elsewhere."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False          # a host name: it may resolve to any address
