"""A scripted OpenAI-compatible chat server for the generator contract tests: real HTTP on a loopback port, real
server-sent events, and behaviours a real model server shows — chosen by the request's model name:

- ``echo``: streams an answer built from the passages it was given: passage 1's first sentence with the marker
  ``【1】`` (a form other than [n]), passage 2's first sentence with no marker at all, and a sentence with a
  figure found in no passage;
- ``error``: HTTP 500 with a JSON error body;
- ``slow``: accepts, then sends nothing for longer than the client's timeout;
- ``cut``: streams two deltas, then closes the connection without ``[DONE]``.

Every request is counted in ``FakeLLM.requests`` (so a test can tell a decline asked no model).
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVENTED = "全年为此安排专项资金98765万元。"


def _passages(system: str) -> list[str]:
    """The passage texts of a prompt's context block ("[n] 《title》 section\\ntext")."""
    parts = re.split(r"(?m)^\[\d+\] 《[^》]*》[^\n]*\n", system)
    return [p.strip() for p in parts[1:]]


def _first_sentence(text: str) -> str:
    m = re.search(r"[^。！？\n]{6,}[。！？]", text)
    return m.group() if m else text[:40] + "。"


def echo_text(messages: list[dict]) -> str:
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    ps = _passages(system)
    out = []
    if ps:
        s = _first_sentence(ps[0])
        out.append(s[:-1] + "【1】" + s[-1])
    if len(ps) > 1:
        out.append(_first_sentence(ps[1]))
    out.append(INVENTED)
    return "".join(out)


class FakeLLM:
    def __init__(self):
        self.requests: list[dict] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                model = body.get("model", "echo")
                if model == "error":
                    data = json.dumps({"error": {"message": "model overloaded", "type": "server_error"}}).encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if model == "slow":
                    time.sleep(30)
                    return
                text = echo_text(body.get("messages", []))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()

                def send(data: str) -> None:
                    raw = data.encode()
                    self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
                    self.wfile.flush()

                pieces = [text[i:i + 7] for i in range(0, len(text), 7)]
                if model == "cut":
                    pieces = pieces[:2]
                for piece in pieces:
                    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    send(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
                if model == "cut":
                    self.connection.shutdown(2)       # the connection drops mid-answer: no closing chunk
                    return
                end = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                send(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        return Handler
