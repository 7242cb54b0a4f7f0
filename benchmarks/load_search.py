"""Load on POST /api/search: a real ``jianghua serve`` process on loopback, many concurrent clients.

    python benchmarks/load_search.py [--kb DIR] [--clients 20] [--requests 2000] [--duration 120] [--keyword-only]

The server runs as a separate process (``python -m jianghua.cli serve``) on a free 127.0.0.1 port. Without
``--kb`` it serves the sample speeches from a cached knowledge base (``--sample``; built and embedded on the first
run). Before measuring, the script waits until every chunk of the serving version is embedded (hybrid search
at full strength, no background embedding competing) and sends a few warm-up queries. Then ``--clients``
asyncio clients (httpx) send queries drawn round-robin from realistic questions until ``--requests`` are done or
``--duration`` seconds have passed, whichever comes first. Reports sustained requests/s, p50/p95/p99 latency and
failures (any non-200 or transport error), prints them, and writes benchmarks/results/load_search.json
atomically. The client shares the machine with the server: figures are for the pair on this machine.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "load_search.json"
SAMPLE_KB = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jianghua" / "bench" / "sample-kb"

QUERIES = [
    "各级党组织书记在主体责任中要做到什么？", "如何落实全面从严治党主体责任", "基层党组织建设存在哪些问题",
    "党风廉政建设的主要措施", "书记述职评议的作用是什么", "怎样加强机关党建工作", "意识形态工作责任制如何落实",
    "作风建设要解决哪些突出问题", "一岗双责的具体要求", "如何整治形式主义官僚主义", "发挥党员先锋模范作用",
    "基层减负有哪些举措", "巡视巡察整改落实情况", "党支部标准化规范化建设", "落实中央八项规定精神",
    "加强干部队伍建设", "软弱涣散基层党组织整顿", "政治建设摆在首位", "党建与业务深度融合", "清单管理对账销号",
    "推动高质量发展", "乡村振兴中的基层党建", "压实管党治党政治责任", "下一步工作打算", "述职评议会议的总体评价",
    "主体责任落实不到位的表现", "党员教育管理", "廉政风险防控", "营商环境优化", "民生实事",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    i = min(len(sorted_ms) - 1, max(0, round(q / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[i]


def start_server(kb: Path, port: int, sample: bool, keyword_only: bool, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "GRADIO_ANALYTICS_ENABLED": "False"}
    if keyword_only:
        env["JIANGHUA_DENSE_WEIGHT"] = "0"
    cmd = [sys.executable, "-m", "jianghua.cli", "serve", "--kb", str(kb), "--port", str(port), "--log-level",
           "warning"] + (["--sample"] if sample else [])
    with open(log_path, "wb") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


def wait_ready(h: httpx.Client, base: str, proc: subprocess.Popen, timeout: float, keyword_only: bool) -> dict:
    """Until /healthz answers and (hybrid) every serving chunk has its vector; returns /api/index."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            if h.get(base + "/healthz").status_code == 200:
                info = h.get(base + "/api/index").json()
                if info.get("serving") and (keyword_only or info.get("embedded", 0) >= info.get("chunks", 0)):
                    return info
                if info.get("embedded") != last:
                    last = info.get("embedded")
                    print(f"  waiting: {last}/{info.get('chunks')} chunks embedded", file=sys.stderr)
        except httpx.TransportError:
            pass
        time.sleep(1.0)
    raise SystemExit(f"the server was not ready within {timeout:.0f} s")


def query_for(i: int, repeat: bool) -> str:
    """The i-th request's query. Unless ``repeat``, every request asks a text no earlier one asked (a numbered
    variant of a realistic question), so the server's query-vector cache cannot serve it."""
    q = QUERIES[i % len(QUERIES)]
    return q if repeat else f"{q}（第{i}问）"


async def run_load(base: str, clients: int, total: int, duration: float, k: int, repeat: bool = False) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    counter = iter(range(total))
    stop_at = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, trust_env=False) as client:
        async def worker():
            for i in counter:
                if time.perf_counter() >= stop_at:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/search", json={"query": query_for(i, repeat), "k": k})
                    if r.status_code != 200:
                        failures.append(f"HTTP {r.status_code}: {r.text[:200]}")
                        continue
                except httpx.HTTPError as e:
                    failures.append(f"{type(e).__name__}: {e}")
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    ms = sorted(latencies)
    done = len(ms) + len(failures)
    return {"requests": done, "ok": len(ms), "failures": len(failures), "failure_examples": failures[:5],
            "elapsed_s": round(elapsed, 2), "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
            "latency_ms": {"p50": round(percentile(ms, 50), 1), "p95": round(percentile(ms, 95), 1),
                           "p99": round(percentile(ms, 99), 1), "max": round(ms[-1], 1) if ms else None,
                           "mean": round(sum(ms) / len(ms), 1) if ms else None},
            "stopped_by": "requests" if done >= total else "time"}


def write_atomic(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=Path, help="knowledge base to serve (default: the sample speeches, cached)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--duration", type=float, default=120.0, help="time cap of the measured phase, seconds")
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--keyword-only", action="store_true", help="serve with dense_weight=0 (no query embedding)")
    ap.add_argument("--repeat-queries", action="store_true",
                    help="cycle through the fixed question list (the server's query cache then serves most)")
    ap.add_argument("--ready-timeout", type=float, default=900.0, help="seconds to wait for start and embedding")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.requests <= 100_000 and 0 < args.duration <= 1800):
        ap.error("--clients 1–200, --requests 1–100000, --duration 0–1800 s")

    kb, sample = (args.kb, False) if args.kb else (SAMPLE_KB, True)
    if args.kb and not (kb / "store.sqlite").exists():
        ap.error(f"no knowledge base at {kb}: build one with `jianghua ingest PATH --kb {kb}`")
    kb.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = Path(tempfile.gettempdir()) / f"jianghua-load-{port}.log"
    load_before = round(os.getloadavg()[0], 2)
    t0 = time.monotonic()
    proc = start_server(kb, port, sample, args.keyword_only, log_path)
    try:
        with httpx.Client(timeout=30, trust_env=False) as h:
            info = wait_ready(h, base, proc, args.ready_timeout, args.keyword_only)
            ready_s = time.monotonic() - t0
            for q in QUERIES[:5]:                                   # warm-up: tokenizer, model, caches
                h.post(base + "/api/search", json={"query": q, "k": args.k}).raise_for_status()
        print(f"server ready in {ready_s:.1f} s ({info['documents']} documents, {info['chunks']} chunks, "
              f"{info.get('embedded')} embedded); {args.clients} clients, ≤{args.requests} requests, "
              f"≤{args.duration:.0f} s", file=sys.stderr)
        result = asyncio.run(run_load(base, args.clients, args.requests, args.duration, args.k,
                                          args.repeat_queries))
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    report = {"benchmark": "load_search", "endpoint": "POST /api/search",
              "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "mode": "keyword" if args.keyword_only else "hybrid", "k": args.k,
              "queries": "repeated from a fixed list" if args.repeat_queries else "every one distinct", "clients": args.clients,
              "max_requests": args.requests, "max_duration_s": args.duration,
              "kb": {"path": str(kb), "documents": info["documents"], "chunks": info["chunks"],
                     "embedded": info.get("embedded"), "embedder": info.get("embedder")},
              "machine": {"cpus": os.cpu_count(), "loadavg_1m_before": load_before,
                          "loadavg_1m_after": round(os.getloadavg()[0], 2)},
              "server_ready_s": round(ready_s, 1), **result}
    write_atomic(args.out, report)
    lat = result["latency_ms"]
    print(f"{result['requests']} requests in {result['elapsed_s']} s: {result['requests_per_s']} req/s; "
          f"latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms; failures {result['failures']}"
          f"  → {args.out}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
