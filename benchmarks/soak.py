"""Memory over repeated load on a real ``jianghua serve``, and the peak memory of refusing a zip-bomb .docx.

    python benchmarks/soak.py [--rounds 4] [--seconds 20] [--clients 4]

Serves a fresh knowledge base of the five sample speeches (embedded). Each round, ``--clients`` threads mix searches,
answers, answer streams read to the end and answer streams abandoned after their first event, for ``--seconds``.
The server's resident memory (VmRSS) and open files and threads are read from /proc before the first round and
after each. Then a .docx whose document part inflates to 200 MB from ~1 MB is uploaded: it must be refused, and
the server's peak memory (VmHWM) must stay within 2× its idle RSS. Writes benchmarks/results/soak.json atomically.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import socket
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_search import QUERIES, free_port, start_server, write_atomic  # noqa: E402
from responsive import build_kb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "soak.json"


def proc_status(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM", "Threads"):
            fields[k] = int(v.split()[0])
    return {"rss_mb": round(fields["VmRSS"] / 1024, 1), "peak_mb": round(fields["VmHWM"] / 1024, 1),
            "threads": fields["Threads"], "open_files": len(os.listdir(f"/proc/{pid}/fd"))}


def bomb_docx(mb: int = 200) -> bytes:
    import docx
    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    para = b"<w:p><w:r><w:t>" + "党的建设".encode() * 40 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info, src.read(info))
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            for _ in range(mb * 2**20 // (len(para) * 1000)):
                f.write(para * 1000)
            f.write(b"</w:body></w:document>")
    return out.getvalue()


def abandon(port: int, question: str) -> None:
    body = ('{"question": "%s", "stream": true}' % question).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body)
        got = b""
        while b"event:" not in got:
            chunk = s.recv(4096)
            if not chunk:
                return
            got += chunk


def load_round(base: str, port: int, clients: int, seconds: float, offset: int) -> dict:
    done = {"search": 0, "ask": 0, "stream": 0, "abandoned": 0, "errors": 0}
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(k: int) -> None:
        i = offset + k
        with httpx.Client(base_url=base, timeout=120, trust_env=False) as h:
            while time.monotonic() < stop:
                q = f"{QUERIES[i % len(QUERIES)]}（第{i}问）"
                kind = ("search", "ask", "stream", "abandoned")[i % 4]
                try:
                    if kind == "search":
                        ok = h.post("/api/search", json={"query": q}).status_code == 200
                    elif kind == "ask":
                        ok = h.post("/api/ask", json={"question": q}).status_code == 200
                    elif kind == "stream":
                        ok = b"event: done" in h.post("/api/ask", json={"question": q, "stream": True}).content
                    else:
                        abandon(port, q)
                        ok = True
                except (httpx.HTTPError, OSError):
                    ok = False
                with lock:
                    done[kind if ok else "errors"] += 1
                i += clients

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 300)
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="jianghua-soak-"))
    build_kb(work / "kb")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(work / "kb", port, False, False, work / "serve.log")
    report: dict = {"benchmark": "soak", "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "rounds": args.rounds, "seconds_per_round": args.seconds, "clients": args.clients,
                    "machine": {"cpus": os.cpu_count(), "loadavg_1m_before": round(os.getloadavg()[0], 2)}}
    try:
        with httpx.Client(base_url=base, timeout=60, trust_env=False) as h:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if h.get("/healthz").json().get("ready"):
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit((work / "serve.log").read_text()[-3000:])
                time.sleep(0.5)
            h.post("/api/ask", json={"question": QUERIES[0]}).raise_for_status()
            time.sleep(11)                            # idle worker threads retire after 10 s
            h.get("/api/index")
            report["idle"] = proc_status(proc.pid)
            rounds = []
            for r in range(args.rounds):
                done = load_round(base, port, args.clients, args.seconds, r * 1000)
                time.sleep(11)
                h.get("/api/index")
                rounds.append({"round": r + 1, "requests": done, **proc_status(proc.pid)})
                print(rounds[-1], file=sys.stderr)
            report["rounds_after"] = rounds
            before = proc_status(proc.pid)
            t0 = time.monotonic()
            r = h.post("/api/documents", files={"files": ("bomb.docx", bomb_docx(), "application/octet-stream")},
                       timeout=600)
            after = proc_status(proc.pid)
            report["zip_bomb"] = {"status": r.status_code, "seconds": round(time.monotonic() - t0, 2),
                                  "file": r.json()["files"][0] if r.status_code == 200 else r.text[:300],
                                  "before": before, "after": after,
                                  "peak_over_idle_rss": round(after["peak_mb"] / report["idle"]["rss_mb"], 2)}
        first, last = report["idle"]["rss_mb"], rounds[-1]["rss_mb"] if rounds else None
        report["rss_growth_mb"] = round(last - first, 1) if last is not None else None
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except Exception:
            proc.kill()
    report["machine"]["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    write_atomic(args.out, report)
    print({k: report.get(k) for k in ("idle", "rss_growth_mb", "zip_bomb")}, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
