"""Scale benchmark on the 新闻联播 corpus (../shared/corpus/scale, 73,873 items): ingest, time until keyword-searchable
and until fully embedded, re-ingest of the unchanged corpus, size on disk, peak memory, and the serving figures
(keyword and hybrid search p50/p95, ask p95, RSS of a fresh serving process) on the result.

    python benchmarks/scale.py --limit 0 --kb /work/scale-kb          # the whole corpus; resumable
    python benchmarks/scale.py --limit 3000                           # a temporary knowledge base, removed after
    python benchmarks/scale.py --kb /work/scale-kb --probe            # serving figures now (e.g. while embedding)

With ``--kb`` the knowledge base persists and the run is resumable: each stage is recorded in the results file as it
completes (atomic writes), and a rerun skips the stages done — ingest is idempotent (documents are keyed by content
hash) and embedding continues with the chunk texts still without a vector; the embedding time adds up over runs.
The machine's load average is recorded with every figure (other work shares the CPU).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, this file's folder comes first on sys.path and benchmarks/ingest.py would shadow the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
SCALE = ROOT.parent / "shared" / "corpus" / "scale" / "xinwenlianbo_2012_2026.jsonl.gz"
ITEMS = 73873
QUERIES = ["乡村振兴", "脱贫攻坚取得决定性成就", "全面从严治党", "疫情防控", "一带一路 合作", "高质量发展",
           "基层党组织建设", "生态文明建设", "科技创新", "粮食安全", "党风廉政建设", "民营经济发展"]
QUESTIONS = ["乡村振兴战略有哪些重点任务？", "脱贫攻坚取得了哪些成就？", "如何推进全面从严治党？", "疫情防控要做到什么？",
             "一带一路合作取得了什么进展？", "怎样推动高质量发展？", "基层党组织建设要抓好哪些工作？",
             "生态文明建设的目标是什么？", "科技创新有哪些新成果？", "如何保障粮食安全？", "党风廉政建设有什么要求？",
             "怎样支持民营经济发展？"]
CHECKPOINT_S = 60.0


def atomic_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def load() -> dict:
    """The machine's load average now (1, 5, 15 minutes)."""
    return dict(zip(("1m", "5m", "15m"), (round(x, 2) for x in os.getloadavg())))


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_s() -> float:
    """CPU seconds this process has used (all threads): on an idle machine a one-threaded stage takes about this
    long, whatever the load was while it was measured."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))], 2)


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": pct(ms, 0.5), "p95_ms": pct(ms, 0.95), "max_ms": round(max(ms), 2)}


class Results:
    """The results file: stages recorded as they complete, every write atomic."""

    def __init__(self, path: Path):
        self.path = path
        self.data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        self.data.setdefault("stages", {})

    def stage(self, name: str) -> dict | None:
        return self.data["stages"].get(name)

    def put(self, name: str, value: dict) -> None:
        self.data["stages"][name] = {**value, "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.save()

    def save(self) -> None:
        atomic_json(self.path, self.data)


def read_docs(limit: int):
    from tqdm import tqdm
    from jianghua.ingest.documents import document_from_text
    docs = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as f:
        for line in tqdm(f, total=limit or ITEMS, desc="reading", unit="item", mininterval=5):
            if limit and len(docs) >= limit:
                break
            item = json.loads(line)
            docs.append(document_from_text(item["text"], source=f"xwlb:{item['id']}"))
    return docs


def sample_titles(n: int, seed: int = 13) -> list[str]:
    """``n`` distinct news titles from the corpus (a fixed sample): queries worded as the corpus words them."""
    titles = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as f:
        for line in f:
            first = json.loads(line)["text"].split("\n", 1)[0]
            titles.append(first.removeprefix("标题：").strip())
    uniq = sorted({t for t in titles if 4 <= len(t) <= 40})
    return random.Random(seed).sample(uniq, min(n, len(uniq)))


def open_kb(kbdir: Path, embedder: str, create: bool = False):
    from jianghua.index.kb import KnowledgeBase
    from jianghua.settings import Settings
    return KnowledgeBase.open(Settings.from_env(kb=kbdir, embedder=embedder), create=create)


def keyword_latency(kb, queries: list[str]) -> dict:
    from jianghua.index.search import HybridSearcher
    searcher = HybridSearcher(kb)
    t = time.perf_counter()
    searcher.search(queries[0], 5, mode="keyword")         # the version view: built once per version
    view_s = time.perf_counter() - t
    lat = []
    for q in queries:
        s = time.perf_counter()
        searcher.search(q, 5, mode="keyword")
        lat.append((time.perf_counter() - s) * 1000)
    return {**summary(lat), "first_search_with_view_s": round(view_s, 2), "load": load()}


# -- the serving figures: a fresh process, as a server would be ----------------------------------------------
def probe(kbdir: Path, embedder: str, n_search: int, n_ask: int) -> dict:
    """Keyword and hybrid search latency over distinct queries (no query-vector cache hits), ask latency with the
    extractive answerer, and this process's memory. Run in its own process (``--probe``)."""
    from jianghua.app import Jianghua
    from jianghua.settings import Settings
    t0 = time.perf_counter()
    app = Jianghua(Settings.from_env(kb=kbdir, embedder=embedder, generator="extractive"), create=False)
    titles = sample_titles(n_search * 2 + 20)
    warm, kw_q, hy_q = titles[:20], titles[20:20 + n_search], titles[20 + n_search:20 + 2 * n_search]
    st = app.kb.stats()
    for q in warm[:10]:
        app.search(q, 5, mode="keyword")
    for q in warm[10:]:
        app.search(q, 5, mode="hybrid")
    start_s = time.perf_counter() - t0
    out = {"chunks": st["chunks"], "embedded": st["embedded"], "documents": st["documents"],
           "embedded_fraction": round(st["embedded"] / max(1, st["chunks"]), 4),
           "start_and_warm_s": round(start_s, 1), "load_before": load()}
    for mode, qs in (("keyword", kw_q + QUERIES), ("hybrid", hy_q + QUERIES)):
        lat, parts = [], {}
        for q in qs:
            s = time.perf_counter()
            r = app.searcher.search(q, 5, mode=mode)
            lat.append((time.perf_counter() - s) * 1000)
            for k, v in r.trace["timings"].items():
                if k.endswith("_ms"):
                    parts.setdefault(k, []).append(v)
        out[mode] = {**summary(lat), "parts_p50_ms": {k: pct(v, 0.5) for k, v in parts.items()},
                     "parts_p95_ms": {k: pct(v, 0.95) for k, v in parts.items()}, "load": load()}
    lat = []
    answered = 0
    for q in (QUESTIONS + titles)[:n_ask]:
        s = time.perf_counter()
        r = app.ask(q)
        lat.append((time.perf_counter() - s) * 1000)
        answered += bool(r.get("citations"))
    out["ask"] = {**summary(lat), "with_citations": answered, "generator": "extractive", "load": load()}
    out["rss_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_probe(kbdir: Path, embedder: str, n_search: int, n_ask: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--kb", str(kbdir), "--embedder", embedder,
           "--probe", "--searches", str(n_search), "--asks", str(n_ask), "--print-only"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# -- the run -------------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=10000, help="news items to ingest (0: all 73,873)")
    ap.add_argument("--embedder", default="e5fast")
    ap.add_argument("--embed-limit", type=int, default=0, help="stop embedding after this many chunks (0: all)")
    ap.add_argument("--kb", type=Path, help="a persistent knowledge base (resumable); default: a temporary one")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "scale.json")
    ap.add_argument("--fresh", action="store_true", help="remove the knowledge base and the results first")
    ap.add_argument("--probe", action="store_true", help="only measure the serving figures on --kb now")
    ap.add_argument("--print-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--searches", type=int, default=100, help="distinct queries per search mode in the probe")
    ap.add_argument("--asks", type=int, default=40, help="questions asked in the probe")
    args = ap.parse_args()

    if args.probe:
        if not args.kb:
            ap.error("--probe needs --kb")
        out = probe(args.kb, args.embedder, args.searches, args.asks)
        if args.print_only:
            print(json.dumps(out, ensure_ascii=False))
        else:
            res = Results(args.results)
            res.data.setdefault("probes", []).append({**out, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            res.save()
            print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0

    temporary = args.kb is None
    kbdir = args.kb or Path(tempfile.mkdtemp(prefix="jianghua-scale-")) / "kb"
    if args.fresh:
        shutil.rmtree(kbdir, ignore_errors=True)
        args.results.unlink(missing_ok=True)
    res = Results(args.results)
    if res.data.get("limit") not in (None, args.limit) or res.data.get("kb") not in (None, str(kbdir)):
        ap.error(f"{args.results} holds a run with limit {res.data.get('limit')} on {res.data.get('kb')}: "
                 "pass --fresh to start again, or the same --limit and --kb to resume")
    res.data.update(limit=args.limit, kb=str(kbdir), embedder=args.embedder, corpus=SCALE.name,
                    cpus=os.cpu_count(), note="load average recorded with every figure: the machine is shared")
    res.save()

    # 1. ingest until keyword-searchable (no embedding); idempotent, so an interrupted ingest is simply rerun
    if res.stage("ingest") is None:
        resumed = (kbdir / "store.sqlite").exists()
        t0, c0 = time.perf_counter(), cpu_s()
        docs = read_docs(args.limit)
        t_read = time.perf_counter() - t0
        kb = open_kb(kbdir, args.embedder, create=True)
        report = kb.ingest_documents(docs, progress=True, embed=False)
        t_searchable = time.perf_counter() - t0
        st = kb.stats()
        res.put("ingest", {"items": len(docs), "documents": st["documents"], "chunks": st["chunks"],
                           "added": len(report.added), "unchanged": len(report.unchanged), "version": report.version,
                           "read_s": round(t_read, 1), "time_to_keyword_searchable_s": round(t_searchable, 1),
                           "chunks_per_s": round(st["chunks"] / t_searchable, 1),
                           "cpu_s": round(cpu_s() - c0, 1), "resumed_after_interruption": resumed, "peak_rss_mb": peak_rss_mb(),
                           "kb_size_mb": round(dir_size(kbdir) / 2**20, 1), "load": load()})
        del docs
    kb = open_kb(kbdir, args.embedder)
    print(json.dumps(res.stage("ingest"), ensure_ascii=False), flush=True)

    # 2. keyword search at full size, before any vector exists
    if res.stage("keyword_before_embedding") is None:
        res.put("keyword_before_embedding", keyword_latency(kb, sample_titles(200)[100:] + QUERIES))

    # 3. re-ingest of the unchanged corpus: must write nothing and take ≤ 1% of the first ingest
    if res.stage("reingest") is None:
        t0, c0 = time.perf_counter(), cpu_s()
        docs = read_docs(args.limit)
        t_read = time.perf_counter() - t0
        report = kb.ingest_documents(docs, progress=True, embed=False)
        t = time.perf_counter() - t0
        first = res.stage("ingest")["time_to_keyword_searchable_s"]
        res.put("reingest", {"s": round(t, 1), "read_and_parse_s": round(t_read, 1),
                             "ingest_call_s": round(t - t_read, 1), "cpu_s": round(cpu_s() - c0, 1),
                             "new_version": report.version,
                             "added": len(report.added), "unchanged": len(report.unchanged),
                             "share_of_first_ingest": round(t / first, 4), "load": load()})
        del docs

    # 4. embedding, resumable: the active time adds up over runs; progress recorded every minute
    emb = res.stage("embed") or {}
    if not emb.get("done"):
        import threading
        from jianghua.index.embedding import pending_texts
        total_texts = emb.get("texts_total") or len(pending_texts(kb.store))
        before = emb.get("embedded", 0)
        elapsed0, cpu0 = emb.get("active_s", 0.0), emb.get("cpu_s", 0.0)
        runs = emb.get("runs", 0) + 1
        t0, c0 = time.perf_counter(), cpu_s()
        last = [t0]
        stop = threading.Event()

        def record(done_now: int, finished: bool) -> None:
            active = elapsed0 + time.perf_counter() - t0
            done = before + done_now
            res.put("embed", {"texts_total": total_texts, "embedded": done, "fraction": round(done / max(1, total_texts), 4),
                              "active_s": round(active, 1), "cpu_s": round(cpu0 + cpu_s() - c0, 1),
                              "chunks_per_s": round(done / max(active, 1e-9), 2),
                              "runs": runs, "done": finished, "peak_rss_mb": peak_rss_mb(), "load": load(),
                              "projected_total_s": round(total_texts / max(done / max(active, 1e-9), 1e-9), 1)})

        def on_batch(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > CHECKPOINT_S:
                last[0] = time.perf_counter()
                record(done, False)
            if args.embed_limit and before + done >= args.embed_limit:
                stop.set()
        n = kb.embed(progress=True, on_batch=on_batch, stop=stop)
        record(n, not stop.is_set())
        emb = res.stage("embed")
        if emb["done"]:
            ing = res.stage("ingest")
            emb["time_to_fully_embedded_s"] = round(ing["time_to_keyword_searchable_s"] + emb["active_s"], 1)
            res.put("embed", emb)

    # 5. the serving figures, in a fresh process
    if res.stage("serve") is None and res.stage("embed").get("done"):
        out = run_probe(kbdir, args.embedder, args.searches, args.asks)
        res.put("serve", {**out, "kb_size_mb": round(dir_size(kbdir) / 2**20, 1)})
    print(json.dumps(res.data, ensure_ascii=False, indent=2))
    if temporary:
        shutil.rmtree(kbdir.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
