"""The bearer key: ``settings.api_key`` guards the write endpoints; with ``api_key_all`` every endpoint but
/healthz. Keys are compared in constant time."""
from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jianghua.ui.errors import ApiError

WRITE = {"x-jianghua-write": True}   # openapi_extra of the write endpoints: they keep the bearer scheme in /docs

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <JIANGHUA_API_KEY>")


def key_matches(given: str | None, key: str | None) -> bool:
    return bool(key) and given is not None and hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8"))


def _check(request: Request, creds: HTTPAuthorizationCredentials | None) -> None:
    key = request.app.state.settings.api_key
    if not key_matches(creds.credentials if creds else None, key):
        what = "未提供密钥" if creds is None else "密钥不正确"
        raise ApiError(401, "unauthorized", f"这个接口需要 API 密钥（{what}）：请带上请求头 "
                       "Authorization: Bearer <密钥>", headers={"WWW-Authenticate": "Bearer"})


def require_write(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Upload, delete, promote, evaluate: need the key whenever one is configured."""
    if request.app.state.settings.api_key:
        _check(request, creds)


def require_read(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Every other endpoint: needs the key only with ``api_key_all``."""
    s = request.app.state.settings
    if s.api_key and s.api_key_all:
        _check(request, creds)


def document_security(schema: dict, key_everywhere: bool) -> dict:
    """The OpenAPI schema declares the bearer key only where it is needed: the write endpoints, and every endpoint
    with ``api_key_all``."""
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            if isinstance(op, dict) and not op.pop("x-jianghua-write", False) and not key_everywhere:
                op.pop("security", None)
    return schema
