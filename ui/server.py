"""``create_app(settings)``: the FastAPI application with the API, the OpenAI-compatible face and the page at /.

One ``Jianghua`` is built in the lifespan (the knowledge base opens, or is created, before the first request).
Run it with ``jianghua serve`` or ``uvicorn --factory ui.server:app_factory``.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from jianghua import __version__
from jianghua.app import Jianghua
from jianghua.errors import InputError
from jianghua.settings import Settings
from ui import errors
from ui.errors import ApiError

log = logging.getLogger("jianghua.api")

MAX_JSON_BYTES = 1024 * 1024  # request bodies other than uploads
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

DESCRIPTION = """讲话助手 jianghua: retrieval with citations over Chinese speeches.

Errors always have the shape `{"error": {"type": ..., "message": ...}}`. When an API key is configured, write
endpoints (upload, delete, promote, evaluate) need `Authorization: Bearer <key>`; with `api_key_all`, every endpoint
but `/healthz` does."""


class BodyLimit:
    """413 for a JSON body whose declared length is over the limit (uploads have their own, per-file limit)."""

    def __init__(self, app, limit: int = MAX_JSON_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(("/api/", "/v1/")) \
                and scope["path"] != "/api/documents":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > self.limit:
                response = errors.error_response(413, "payload_too_large",
                                                 f"the request body is over {self.limit // 1024} KB")
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, page: bool = True, background_embedding: bool = True,
               seed: Callable[[Jianghua], None] | None = None) -> FastAPI:
    """``page``: mount the Gradio page at /; ``background_embedding``: embed new chunks in a worker thread so
    that uploads return once keyword-searchable (not with ``dense_weight=0``, where vectors go unused);
    ``seed``: called with the application before serving."""
    settings = settings or Settings.from_env()
    if settings.api_key_all and not settings.api_key:
        raise InputError("api_key_all is set but no api_key: set JIANGHUA_API_KEY as well")
    holder: dict[str, Jianghua] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        jh = Jianghua(settings)
        await run_in_threadpool(lambda: jh.kb)        # open or create now: a bad --kb fails at start
        if background_embedding and settings.dense_weight > 0:
            jh.start_background_embedding()
        if seed is not None:                           # with the worker running, vectors follow in the background
            await run_in_threadpool(seed, jh)
        app.state.jianghua = holder["app"] = jh
        try:
            yield
        finally:
            jh.stop_background_embedding()

    app = FastAPI(title="讲话助手 jianghua", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(BodyLimit)
    # Always installed: with no origins configured it allows none, and it keeps Gradio from adding its own
    # permissive CORS handling to the page's routes.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                       allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"])

    from ui import api, openai_compat, routes_eval
    app.include_router(api.health)
    app.include_router(api.router)
    app.include_router(routes_eval.router)
    app.include_router(openai_compat.router)

    @app.api_route("/api/{rest:path}", methods=_METHODS, include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=_METHODS, include_in_schema=False)
    def unknown(request: Request, rest: str):
        raise ApiError(404, "not_found", f"no endpoint {request.method} {request.url.path}; see /docs")

    if page:
        import gradio as gr
        from ui.page import build_page, theme
        from ui.render import CSS
        auth = None
        if settings.api_key_all:
            from ui.security import key_matches
            auth = lambda user, password: key_matches(password, settings.api_key)  # noqa: E731
        gr.mount_gradio_app(app, build_page(lambda: holder["app"], settings), path="/", css=CSS, theme=theme(),
                            auth=auth,
                            auth_message="请输入访问密钥（用户名任意）", footer_links=[],
                            max_file_size=f"{settings.max_upload_mb}mb", show_error=True)
    return app


def app_factory() -> FastAPI:
    """For ``uvicorn --factory ui.server:app_factory``: settings from JIANGHUA_* variables."""
    return create_app(Settings.from_env())
