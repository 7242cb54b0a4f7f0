"""Drive the page's handlers in-process the way its script does: files through Gradio's own upload route, events
through its queue (``/gradio_api/queue/join``, results read from the ``/gradio_api/queue/data`` stream). Inputs and
outputs are what the browser sends and receives, so Gradio's own processing of them is part of every call."""
from __future__ import annotations

import json
from pathlib import Path


class PageQueue:
    def __init__(self, client, session: str = "test-session"):
        self.client, self.session = client, session
        deps = client.get("/config").json()["dependencies"]
        self.deps = {d["api_name"]: d for d in deps}

    def upload(self, *files: tuple[str, bytes]) -> list[dict]:
        """``(name, bytes)`` pairs through ``/gradio_api/upload``; the file values the page's File box then sends."""
        r = self.client.post("/gradio_api/upload", files=[("files", (n, b, "application/octet-stream"))
                                                          for n, b in files])
        assert r.status_code == 200, r.text
        return [file_value(p, n, len(b)) for p, (n, b) in zip(r.json(), files)]

    def call(self, name: str, *data, session: str | None = None) -> list:
        """Run the event handler ``name`` (its function's name) with ``data``; its outputs as the browser gets them."""
        dep = self.deps[name]
        session = session or self.session
        r = self.client.post("/gradio_api/queue/join", json={
            "data": list(data), "fn_index": dep["id"], "session_hash": session,
            "trigger_id": dep["targets"][0][0], "event_data": None})
        assert r.status_code == 200, r.text
        done = None
        with self.client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():           # read to the stream's own end (close_stream)
                if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                    done = json.loads(line[5:])
        assert done is not None, f"{name}: the queue stream ended without a result"
        assert done.get("success"), done.get("output")
        return done["output"]["data"]

    def download(self, value: dict) -> bytes:
        """The bytes a DownloadButton's value serves, fetched as the browser fetches them."""
        r = self.client.get(value["url"])
        assert r.status_code == 200, (value, r.status_code)
        return r.content


def file_value(path: str, name: str, size: int) -> dict:
    return {"path": path, "orig_name": name, "size": size, "meta": {"_type": "gradio.FileData"}}


# written once into the temp dir by the tokenizer's first use, whenever that is: not a file an upload or export leaves
TOKENIZER_CACHE = "jieba.cache"


def entries(root: Path) -> list[str]:
    """Every file and directory under ``root``, relative, sorted (the tokenizer's cache aside)."""
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.name != TOKENIZER_CACHE)
