"""Every bad request is a 4xx in the one error shape (ui/models.py, ui/middleware.py, ui/errors.py, ui/sse.py):
lone surrogates, control characters, huge integers, wrong types, unknown paths and methods (also under the page),
bodies over the limit however they are sent; a stream that fails after it started ends with an ``error`` event."""
from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.ui.test_api import assert_error
from jianghua.ui import errors
from jianghua.ui.middleware import MAX_JSON_BYTES
from jianghua.ui.sse import frame, started, stream

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("path, body", [
    ("/api/ask", '{"question": "\\ud800"}'),
    ("/api/ask", '{"question": "党建", "stream": true, "history": [{"role": "user", "content": "a\\udfffb"}]}'),
    ("/api/draft", '{"topic": "\\ud800"}'),
    ("/api/draft.docx", '{"topic": "\\ud800"}'),
    ("/api/draft.docx", '{"topic": "党建\\u0001工作"}'),
    ("/api/draft.docx", '{"topic": "党建\\uffff"}'),
    ("/api/draft", '{"topic": "党建", "occasion": "会议\\u0008"}'),
    ("/api/search", '{"query": "\\ud800\\udc00x\\ud800"}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "\\ud800"}]}'),
    ("/v1/chat/completions", '{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\u0000"}]}]}'),
], ids=lambda x: x if x.startswith("/") else None)
def test_characters_no_text_has_are_422(client, path, body):
    err = assert_error(client.post(path, content=body.encode(), headers=JSON), 422, "validation_error")
    assert "不能处理的字符" in err["message"], err


@pytest.mark.parametrize("path, body", [
    ("/api/index/promote", {"version": 10**30}),
    ("/api/index/promote", {"version": -1}),
    ("/api/index/promote", {"version": "7"}),
    ("/api/index/promote", {"force": "yes"}),
    ("/api/eval", {"version": 10**30}),
    ("/api/search", {"query": "党建", "k": "5"}),
    ("/api/search", {"query": "党建", "k": True}),
    ("/api/search", {"query": "党建", "k": 5.0}),
    ("/api/search", {"query": "党建", "k": 10**30}),
    ("/api/ask", {"question": "党建", "stream": "true"}),
    ("/api/ask", {"question": "党建", "stream": 1}),
    ("/api/draft", {"topic": "党建", "length": "600"}),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "党建"}], "stream": "false"}),
])
def test_strict_types_and_huge_integers_are_422(client, path, body):
    assert_error(client.post(path, json=body), 422, "validation_error")


def test_a_huge_length_is_a_plain_400(client):
    assert_error(client.post("/api/draft", json={"topic": "党建", "length": 10**30}), 400)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/search", 405), ("DELETE", "/api/index", 405), ("PUT", "/api/documents", 405),
    ("GET", "/api/nothing", 404), ("POST", "/v1/nothing", 404), ("GET", "/nothing/at/all", 404),
    ("GET", "/gradio_api/nothing", 404), ("DELETE", "/api/documents/..", 404), ("POST", "/healthz", 404),
])
def test_unknown_paths_and_methods_have_the_error_shape_even_under_the_page(client, method, path, status):
    r = client.request(method, path)
    err = assert_error(r, status)
    if status == 405:
        assert r.headers["allow"] and "/docs" in err["message"]


def test_invalid_utf8_is_a_400_in_chinese(client):
    err = assert_error(client.post("/api/search", content=b'{"query": "\xff\xfe"}', headers=JSON), 400)
    assert "UTF-8" in err["message"]


def test_a_chunked_body_over_the_limit_is_refused(client):
    def body():
        for _ in range(MAX_JSON_BYTES // 65536 + 8):     # over the limit, with no Content-Length
            yield b" " * 65536

    r = client.post("/api/search", content=body(), headers=JSON)
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "payload_too_large")


def test_a_chunked_body_over_the_limit_is_refused_by_the_real_server(served):
    url = urlparse(served)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        block = b" " * 65536
        sent, reply = 0, b""
        s.settimeout(0.05)
        try:
            while sent < 200 * 2**20 and not reply:
                s.sendall(b"%x\r\n%s\r\n" % (len(block), block))
                sent += len(block)
                try:
                    reply = s.recv(65536)
                except socket.timeout:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(10)
        while b"payload_too_large" not in reply:
            more = s.recv(65536)
            if not more:
                break
            reply += more
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b'"payload_too_large"' in reply
    assert sent < 8 * 2**20                               # answered long before the 200 MB were sent


def test_a_chunked_body_under_the_limit_is_read_whole(client):
    body = json.dumps({"query": "主体责任", "k": 2}, ensure_ascii=False).encode()
    r = client.post("/api/search", content=iter([body[:5], body[5:]]), headers=JSON)
    assert r.status_code == 200 and len(r.json()["hits"]) == 2


def stream_app(events) -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.get("/s")
    def s():
        return stream(started(events()), lambda ev: [frame(ev, "delta")], [frame({}, "done")],
                      lambda status, err: frame({**err, "status": status}, "error"))
    return app


def sse_events(text: str) -> list[tuple[str, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(ln.split(": ", 1) for ln in block.splitlines())
        out.append((lines.get("event"), lines.get("data")))
    return out


def test_a_stream_failing_after_it_started_ends_with_an_error_event():
    def events():
        yield {"text": "第一段"}
        raise RuntimeError("generator died")

    with TestClient(stream_app(events)) as c:
        r = c.get("/s")
    got = sse_events(r.text)
    assert r.status_code == 200 and got[0] == ("delta", '{"text": "第一段"}')
    assert got[-1][0] == "error" and json.loads(got[-1][1])["status"] == 500


def test_a_frame_that_cannot_be_encoded_ends_with_an_error_event_not_a_dropped_stream():
    closed = []

    def events():
        try:
            yield {"text": "好"}
            yield {"text": "\ud800"}             # a lone surrogate from a generator: cannot be sent as UTF-8
            yield {"text": "never"}
        finally:
            closed.append(True)

    with TestClient(stream_app(events)) as c:
        r = c.get("/s")
    got = sse_events(r.text)
    assert [e for e, _ in got] == ["delta", "error"] and closed == [True]
