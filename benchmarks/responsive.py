"""Searches while a huge upload is chunked and embedded, and SIGTERM after: a real ``jianghua serve`` on loopback.

    python benchmarks/responsive.py [--mb 30] [--clients 2] [--seconds 30]

A fresh knowledge base of the five sample speeches (embedded) is served. ``--clients`` clients search without pause
(every query distinct, so each embeds): first for ``--seconds`` with nothing else running (the baseline), then while
an upload of ``--mb`` MB of text without a single punctuation mark (the sample speeches' characters, repeated, each
repetition rotated so that its chunks are distinct texts to embed) is
received, chunked and tokenised, and then for ``--seconds`` while the background embedder works through its chunks.
Finally SIGTERM is sent while the embedder is still busy, and the time to exit is measured. Reports p50/p95/max
latency per phase and the ratio of the p95 during embedding to the baseline p95; writes
benchmarks/results/responsive.json atomically. Client and server share the machine (2 cores here).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_search import QUERIES, free_port, percentile, start_server, write_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "responsive.json"


def build_kb(kb: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from jianghua.index.kb import KnowledgeBase
    from jianghua.settings import Settings
    from jianghua.samples import SEEDS
    k = KnowledgeBase.open(Settings(kb=kb), create=True)
    k.ingest([SEEDS], progress=False)
    k.close()


def unpunctuated(path: Path, mb: int) -> int:
    from jianghua.samples import SEEDS
    letters = "".join(ch for f in sorted(SEEDS.glob("*.txt")) for ch in f.read_text(encoding="utf-8")
                      if "\u4e00" <= ch <= "\u9fff")
    n = mb * 2**20 // 3                          # three UTF-8 bytes per character
    with open(path, "w", encoding="utf-8") as f:  # each repetition rotated by another offset: distinct chunks
        for k, i in enumerate(range(0, n, len(letters))):
            r = (k * 7919) % len(letters)
            f.write((letters[r:] + letters[:r])[:min(len(letters), n - i)])
    return path.stat().st_size


class Searchers:
    """``clients`` threads searching without pause; latencies recorded under the current phase name."""

    def __init__(self, base: str, clients: int):
        self.base, self.clients = base, clients
        self.phase = "warmup"
        self.latencies: dict[str, list[float]] = {}
        self.failures: dict[str, int] = {}
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in range(clients)]

    def _run(self, k: int) -> None:
        i = k
        with httpx.Client(base_url=self.base, timeout=120, trust_env=False) as h:
            while not self.stop.is_set():
                phase = self.phase
                q = f"{QUERIES[i % len(QUERIES)]}（第{i}问）"
                t0 = time.perf_counter()
                try:
                    ok = h.post("/api/search", json={"query": q, "k": 5}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    self.latencies.setdefault(phase, []).append((time.perf_counter() - t0) * 1000)
                else:
                    self.failures[phase] = self.failures.get(phase, 0) + 1
                i += self.clients

    def summary(self, phase: str) -> dict:
        ms = sorted(self.latencies.get(phase, []))
        return {"searches": len(ms), "failures": self.failures.get(phase, 0),
                "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
                "max_ms": round(ms[-1], 1) if ms else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=30)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="jianghua-responsive-"))
    kb, big = work / "kb", work / "长文本无标点.txt"
    print("building the sample knowledge base …", file=sys.stderr)
    build_kb(kb)
    size = unpunctuated(big, args.mb)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(kb, port, False, False, work / "serve.log")
    report: dict = {"benchmark": "responsive", "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "upload_bytes": size, "clients": args.clients, "phase_seconds": args.seconds,
                    "machine": {"cpus": os.cpu_count()}}
    try:
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as h:
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
        s = Searchers(base, args.clients)
        for t in s.threads:
            t.start()
        time.sleep(5)
        s.phase = "baseline"
        time.sleep(args.seconds)
        s.phase = "upload"                    # receiving, chunking and tokenising the upload
        t0 = time.monotonic()
        with httpx.Client(base_url=base, timeout=3600, trust_env=False) as h, open(big, "rb") as f:
            r = h.post("/api/documents", files={"files": (big.name, f, "text/plain")})
        report["upload"] = {"status": r.status_code, "seconds": round(time.monotonic() - t0, 1),
                            "response": r.json() if r.status_code == 200 else r.text[:500]}
        s.phase = "embedding"                 # the background embedder works through the upload's chunks
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as h:
            before = h.get("/api/index").json()["embedding"]
            time.sleep(args.seconds)
            after = h.get("/api/index").json()["embedding"]
        s.stop.set()
        for t in s.threads:
            t.join(60)
        report["embedding_progress"] = {"before": before, "after": after}
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)      # while the embedder is still busy
        try:
            proc.wait(60)
            report["sigterm_exit_s"] = round(time.monotonic() - t0, 2)
        except Exception:
            report["sigterm_exit_s"] = None
        for phase in ("baseline", "upload", "embedding"):
            report["searches_" + phase] = s.summary(phase)
        base_p95 = report["searches_baseline"]["p95_ms"]
        report["p95_ratio_embedding_to_baseline"] = round(report["searches_embedding"]["p95_ms"] / base_p95, 2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    write_atomic(args.out, report)
    print({k: report[k] for k in ("searches_baseline", "searches_upload", "searches_embedding", "upload",
                                  "p95_ratio_embedding_to_baseline",
                                  "sigterm_exit_s")}, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
