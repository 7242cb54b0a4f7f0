"""``create_app(settings)``: the FastAPI application with the API, the OpenAI-compatible face and the page at /.

One ``Jianghua`` is built in the lifespan (the knowledge base opens, or is created, before the first request).
Run it with ``jianghua serve`` or ``uvicorn --factory ui.server:app_factory``.
"""
from __future__ import annotations

import contextlib
import logging
import re
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from jianghua import __version__
from jianghua.app import Jianghua
from jianghua.errors import InputError
from jianghua.settings import Settings
from jianghua.ui import errors
from jianghua.ui.errors import ApiError
from jianghua.ui.middleware import MAX_JSON_BYTES, BodyLimit, ErrorShape, PageUploadKey  # noqa: F401  (re-exported)

log = logging.getLogger("jianghua.api")

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

DESCRIPTION = """讲话助手 jianghua: retrieval with citations over Chinese speeches.

Errors always have the shape `{"error": {"type": ..., "message": ...}}`; the `message` is Chinese and says what to
do. When an API key is configured, write endpoints (upload, delete, promote, evaluate, review) need
`Authorization: Bearer <key>`; with `api_key_all`, every endpoint but `/healthz` does.

**Citation offsets.** A citation's `start`/`end` index the document text that `GET /api/documents/{doc_id}` returns
(the cleaned text: `text[start:end] == quote`). For a `.txt`/`.md` document, `file_start`/`file_end` index the
decoded file itself (its characters after decoding, BOM excluded); for Word, PDF and HTML they are `null`. A
`source` is always the upload's file name or the file's base name, never a server path."""


def create_app(settings: Settings | None = None, page: bool = True, background_embedding: bool = True,
               seed: Callable[[Jianghua], None] | None = None) -> FastAPI:
    """``page``: mount the Gradio page at /; ``background_embedding``: embed new chunks in a worker thread so
    that uploads return once keyword-searchable (not with ``dense_weight=0``, where vectors go unused);
    ``seed``: called with the application before serving."""
    settings = settings or Settings.from_env()
    if settings.api_key_all and not settings.api_key:
        raise InputError("api_key_all is set but no api_key: set JIANGHUA_API_KEY as well")
    holder: dict[str, Jianghua] = {}
    downloads = None
    if page:                                           # the page's download files, inside Gradio's cache
        from gradio.utils import get_upload_folder
        from jianghua.ui.downloads import Downloads
        downloads = Downloads(get_upload_folder())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        from jianghua.ui.uploads import remove_stale_upload_dirs
        for d in remove_stale_upload_dirs():              # left by a server killed mid-upload
            log.warning("removed the stale upload directory %s", d)
        if downloads is not None:
            from jianghua.ui.downloads import DOWNLOAD_PREFIX
            for d in remove_stale_upload_dirs(downloads.cache_dir, prefix=DOWNLOAD_PREFIX):
                log.warning("removed the stale download directory %s", d)
        jh = Jianghua(settings)
        await run_in_threadpool(jh.open)              # open or create now: a bad --kb fails at start
        if background_embedding and settings.dense_weight > 0:
            jh.start_background_embedding()
        if seed is not None:                           # with the worker running, vectors follow in the background
            await run_in_threadpool(seed, jh)
        app.state.jianghua = holder["app"] = jh
        try:
            yield
        finally:
            jh.stop_background_embedding()
            if downloads is not None:
                downloads.close()

    app = FastAPI(title="讲话助手 jianghua", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    install_offline_docs(app)
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(BodyLimit)
    # Always installed: with no origins configured it allows none, and it keeps Gradio from adding its own
    # permissive CORS handling to the page's routes.
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                       allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"])
    if settings.api_key:
        app.add_middleware(PageUploadKey, key=settings.api_key)
    app.add_middleware(ErrorShape)                     # outermost: also reshapes the page's and routing's errors

    def openapi() -> dict:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi
            from jianghua.ui.security import document_security
            app.openapi_schema = document_security(get_openapi(title=app.title, version=app.version,
                                                               description=app.description, routes=app.routes),
                                                   settings.api_key_all)
        return app.openapi_schema
    app.openapi = openapi

    from jianghua.ui import api, openai_compat, routes_eval
    app.include_router(api.health)
    app.include_router(api.router)
    app.include_router(routes_eval.router)
    app.include_router(openai_compat.router)

    @app.api_route("/api/{rest:path}", methods=_METHODS, include_in_schema=False)
    @app.api_route("/v1/{rest:path}", methods=_METHODS, include_in_schema=False)
    def unknown(request: Request, rest: str):
        allowed = sorted(methods_of(app, request.url.path))
        if allowed and request.method not in allowed:
            raise ApiError(405, "method_not_allowed", f"{request.url.path} 不支持 {request.method} 请求，只支持 "
                           f"{', '.join(allowed)}：接口列表见 /docs", headers={"Allow": ", ".join(allowed)})
        raise ApiError(404, "not_found", f"没有接口 {request.method} {request.url.path}：接口列表见 /docs")

    if page:
        import gradio as gr
        from jianghua.ui.page import build_page, theme
        from jianghua.ui.render import CSS, page_head
        auth = None
        if settings.api_key_all:
            from jianghua.ui.security import key_matches
            auth = lambda user, password: key_matches(password, settings.api_key)  # noqa: E731
        gr.mount_gradio_app(app, build_page(lambda: holder["app"], settings, downloads), path="/", css=CSS, theme=theme(),
                            auth=auth,
                            auth_message="请输入访问密钥（用户名任意）", footer_links=[],
                            max_file_size=f"{settings.max_upload_mb}mb", show_error=False, head=page_head())
    return app


DOCS_ASSETS = "/docs-assets"


def install_offline_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc (ReDoc) with their scripts and styles served by the app itself, from the
    assets the fastapi-offline wheel bundles: they work with no network (offices are often offline)."""
    from pathlib import Path

    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(DOCS_ASSETS, StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} · 接口文档",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc():
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title} · 接口文档",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False)


def methods_of(app: FastAPI, path: str) -> set[str]:
    """The methods the OpenAPI schema declares for ``path`` (empty: no such endpoint)."""
    table = getattr(app.state, "_methods", None)
    if table is None:
        table = app.state._methods = [(re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$"),
                                       {m.upper() for m in ops}) for p, ops in app.openapi()["paths"].items()]
    return set().union(*(ms for rx, ms in table if rx.match(path)))


def app_factory() -> FastAPI:
    """For ``uvicorn --factory ui.server:app_factory``: settings from JIANGHUA_* variables."""
    return create_app(Settings.from_env())
