"""Translation at the edge: the core's exceptions become HTTP statuses and one JSON shape,
``{"error": {"type": ..., "message": ...}}``, for every 4xx/5xx the API returns."""
from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jianghua.errors import (BusyError, DocumentLoadError, DocumentNotFoundError, EmbedderMismatchError,
                             EmbedderUnavailableError, GateError, GeneratorError, IndexCorruptError,
                             IndexNotFoundError, InputError, JianghuaError, UnsupportedFileError, VersionError,
                             BackendError)

from jianghua.ui.messages import zh_error

log = logging.getLogger("jianghua.api")

# most specific first: the first isinstance match wins
STATUS: list[tuple[type[JianghuaError], int]] = [
    (InputError, 400),
    (UnsupportedFileError, 415),
    (DocumentLoadError, 400),
    (DocumentNotFoundError, 404),
    (IndexNotFoundError, 404),
    (GateError, 409),
    (BusyError, 409),
    (GeneratorError, 502),
    (EmbedderUnavailableError, 503),
    (BackendError, 503),
    (EmbedderMismatchError, 500),
    (IndexCorruptError, 500),
]

HTTP_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
               500: "internal_error", 503: "unavailable"}
INTERNAL = "服务器内部错误：请稍后重试；若一再出现，请管理员查看服务器日志"
_HTTP_MESSAGES = {"There was an error parsing the body": "请求体无法解析：请发送 UTF-8 编码的 JSON",
                  "Not Found": "没有这个地址：请检查路径，接口列表见 /docs",
                  "Method Not Allowed": "这个地址不支持该请求方法：接口列表见 /docs"}


class ApiError(Exception):
    """An error the API layer itself raises (limits, authentication, malformed uploads)."""

    def __init__(self, status: int, type_: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.type, self.message, self.headers = status, type_, message, headers


def status_for(exc: JianghuaError) -> int:
    if isinstance(exc, VersionError):  # "no version 7" is a missing thing; "already serving" a conflict
        return 404 if str(exc).startswith("no version") or "is empty" in str(exc) else 409
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def error_body(type_: str, message: str) -> dict:
    return {"error": {"type": type_, "message": message}}


def error_response(status: int, type_: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(type_, message), status_code=status, headers=headers)


def describe(exc: Exception) -> tuple[int, dict]:
    """(status, body) for any exception the API may meet while streaming (where no handler runs)."""
    if isinstance(exc, ApiError):
        return exc.status, error_body(exc.type, exc.message)
    if isinstance(exc, JianghuaError):
        return status_for(exc), error_body(type(exc).__name__, zh_error(exc))
    return 500, error_body("internal_error", INTERNAL)


_PYDANTIC = {"missing": "缺少这个字段", "extra_forbidden": "不认识的字段", "int_type": "应为整数",
             "int_parsing": "应为整数", "int_from_float": "应为整数", "bool_type": "应为 true 或 false",
             "string_type": "应为字符串", "string_unicode": "含有不能处理的字符（损坏的 Unicode）",
             "json_invalid": "不是合法的 JSON", "less_than_equal": "超出范围", "greater_than_equal": "超出范围",
             "less_than": "超出范围", "greater_than": "超出范围", "literal_error": "取值无效",
             "string_too_long": "太长", "too_long": "太多", "too_short": "太少", "model_type": "应为 JSON 对象",
             "list_type": "应为数组", "string_pattern_mismatch": "格式不对"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        said = _PYDANTIC.get(str(e.get("type", "")).split(".")[0])
        if not said:      # our own validators speak Chinese; pydantic's English stays out
            said = msg if re.search(r"[\u4e00-\u9fff]", msg) else "取值不符合要求"
        parts.append(f"{where}：{said}")
    return "请求参数不符合接口要求（" + "；".join(parts or ["格式不对"]) + "）：请按 /docs 中的格式修改后重试"


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one JSON shape."""

    @app.exception_handler(JianghuaError)
    async def _core(request: Request, exc: JianghuaError):
        status = status_for(exc)
        if status >= 500:
            log.error("%s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
        return error_response(status, type(exc).__name__, zh_error(exc))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError):
        return error_response(exc.status, exc.type, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        return error_response(422, "validation_error", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = str(exc.detail)
        message = _HTTP_MESSAGES.get(detail) or (detail if re.search(r"[\u4e00-\u9fff]", detail)
                                                 else f"请求未能完成（HTTP {exc.status_code}）：接口用法见 /docs")
        return error_response(exc.status_code, HTTP_TYPES.get(exc.status_code, "http_error"), message,
                              getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # a bug: logged with its traceback, never hidden
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(500, "internal_error", INTERNAL)
