"""ASGI middleware at the edge: the body limit (bytes counted as they arrive) and one error shape for every error
response, including the 404/405 that routing or the mounted page produce (``{"detail": …}`` elsewhere)."""
from __future__ import annotations

import json

from jianghua.ui.errors import HTTP_TYPES, error_body, error_response

MAX_JSON_BYTES = 1024 * 1024  # request bodies other than uploads
_PAGE_ROUTES = ("/gradio_api/", "/login", "/logout", "/config", "/queue/", "/upload")


class BodyLimit:
    """413 for a request body over the limit on /api, /v1 and /healthz (uploads have their own, per-file limit).

    The declared ``Content-Length`` is checked first; then the body is read here, counting the bytes as they arrive
    (chunked transfer declares no length), and handed on once complete. Reading stops at the first byte over."""

    def __init__(self, app, limit: int = MAX_JSON_BYTES):
        self.app, self.limit = app, limit

    def _limited(self, scope) -> bool:
        if scope["type"] != "http":
            return False
        path = scope["path"]
        return (path.startswith(("/api/", "/v1/")) or path == "/healthz") \
            and path != "/api/documents"

    async def __call__(self, scope, receive, send):
        if not self._limited(scope):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._too_large(scope, receive, send)
        body = bytearray()
        first = None
        while True:
            message = await receive()
            if message["type"] != "http.request":      # the client went away
                first = message
                break
            body += message.get("body", b"")
            if len(body) > self.limit:
                return await self._too_large(scope, receive, send)
            if not message.get("more_body", False):
                break
        pending = [first or {"type": "http.request", "body": bytes(body), "more_body": False}]

        async def replay():
            return pending.pop() if pending else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope, receive, send):
        response = error_response(413, "payload_too_large",
                                  f"请求体超过 {self.limit // 1024} KB 的上限：请缩短问题或文本后重试（上传文件请用 /api/documents）",
                                  headers={"Connection": "close"})
        await response(scope, receive, send)


class ErrorShape:
    """Rewrites a JSON error response that is not in the shape ``{"error": {"type", "message"}}`` (FastAPI's and
    Gradio's ``{"detail": …}``) into it. Other responses pass through untouched, unbuffered. Under the page's own
    routes (which its script reads) only 404 and 405 are rewritten."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        held: dict = {}
        chunks: list[bytes] = []
        page_route = scope["path"].startswith(_PAGE_ROUTES)

        async def shaping_send(message):
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                status = message["status"]
                if status >= 400 and (not page_route or status in (404, 405)) \
                        and headers.get(b"content-type", b"").startswith(b"application/json"):
                    held["start"] = message
                    return
                return await send(message)
            if message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                start = held.pop("start")
                body = _reshaped(start["status"], b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                return await send({"type": "http.response.body", "body": body, "more_body": False})
            return await send(message)

        await self.app(scope, receive, shaping_send)


def _reshaped(status: int, raw: bytes) -> bytes:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and set(data) == {"error"} and isinstance(data["error"], dict) \
            and set(data["error"]) == {"type", "message"}:
        return raw
    detail = data.get("detail") if isinstance(data, dict) else None
    if status == 404:
        message = "没有这个地址：请检查路径，接口列表见 /docs"
    elif status == 405:
        message = "这个地址不支持该请求方法：接口列表见 /docs"
    else:
        message = detail if isinstance(detail, str) and detail else f"请求失败（HTTP {status}）"
    return json.dumps(error_body(HTTP_TYPES.get(status, "http_error"), message), ensure_ascii=False).encode()


UPLOAD_COOKIE = "jianghua_key"
_PAGE_UPLOADS = ("/gradio_api/upload", "/upload")


class PageUploadKey:
    """The page's own upload route (Gradio stores the files before any of our code runs) needs the key whenever one
    is configured, like POST /api/documents: as a bearer header, or as the cookie the page sets from its key box."""

    def __init__(self, app, key: str):
        self.app, self.key = app, key

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in _PAGE_UPLOADS and scope["method"] != "OPTIONS":
            from http.cookies import SimpleCookie
            from urllib.parse import unquote

            from jianghua.ui.security import key_matches
            headers = dict(scope["headers"])
            auth = headers.get(b"authorization", b"").decode("latin-1")
            given = auth[7:] if auth[:7].lower() == "bearer " else None
            if given is None:
                jar = SimpleCookie()
                try:
                    jar.load(headers.get(b"cookie", b"").decode("latin-1"))
                except Exception:  # noqa: BLE001  (a malformed cookie header is no key)
                    jar = SimpleCookie()
                given = unquote(jar[UPLOAD_COOKIE].value) if UPLOAD_COOKIE in jar else None
            if not key_matches(given, self.key):
                response = error_response(401, "unauthorized", "上传文件需要管理密钥：请先在“管理密钥”框中输入密钥，"
                                          "再选择文件（接口调用请带 Authorization: Bearer <密钥>）",
                                          headers={"WWW-Authenticate": "Bearer"})
                return await response(scope, receive, send)
        await self.app(scope, receive, send)
