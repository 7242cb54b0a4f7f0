"""Scale benchmark on the 新闻联播 corpus (../shared/corpus/scale, 73,873 items): ingest, time until keyword-searchable
and until fully embedded, re-ingest of the unchanged corpus, size on disk, peak memory, and the serving figures
(keyword and hybrid search p50/p95, ask p95, RSS of a fresh serving process) on the result.

    python benchmarks/scale.py --limit 0 --kb /work/scale-kb          # the whole corpus; resumable
    python benchmarks/scale.py --limit 3000                           # a temporary knowledge base, removed after
    python benchmarks/scale.py --kb /work/scale-kb --probe            # serving figures now (e.g. while embedding)
    python benchmarks/scale.py --limit 0 --kb /work/scale-kb --files /work/scale-files   # re-ingest through files
    python benchmarks/scale.py --kb /work/scale-kb --status           # embedding progress, by texts and characters
    python benchmarks/scale.py --kb /work/scale-kb --versions 1,5,10  # search cost as candidate versions pile up
    python benchmarks/scale.py --kb /work/scale-kb --index-types      # HNSW / IVF recall and cost on its vectors
    python benchmarks/scale.py --kb /work/scale-kb --placeholder-probe /work/scale-copy   # timings at full size

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


def children_cpu_s() -> float:
    """CPU seconds of the child processes that have ended (the ingest's tokenising workers)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    """The results file: stages recorded as they complete. Several processes write it (the run, probes while it
    embeds): each write re-reads the file under a lock and replaces only the keys this process set, atomically."""

    def __init__(self, path: Path):
        self.path = path
        self.data = self._read()
        self.data.setdefault("stages", {})
        self._mine: set[str] = set()            # top-level keys, and "stages/NAME"

    def _read(self) -> dict:
        return json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}

    def stage(self, name: str) -> dict | None:
        return self.data["stages"].get(name)

    def put(self, name: str, value: dict) -> None:
        self.data["stages"][name] = {**value, "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self._mine.add("stages/" + name)
        self.save()

    def set(self, **values) -> None:
        self.data.update(values)
        self._mine.update(values)
        self.save()

    def append(self, key: str, value: dict) -> None:
        import fcntl
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            disk = self._read()
            disk.setdefault(key, []).append(value)
            atomic_json(self.path, disk)
            self.data[key] = disk[key]

    def save(self) -> None:
        import fcntl
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            disk = self._read()
            disk.setdefault("stages", {})
            for k in self._mine:
                if k.startswith("stages/"):
                    disk["stages"][k[7:]] = self.data["stages"][k[7:]]
                else:
                    disk[k] = self.data[k]
            atomic_json(self.path, disk)
            self.data = disk


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


def write_files(folder: Path, limit: int) -> int:
    """The corpus as one UTF-8 .txt file per news item under ``folder`` (written once; kept between runs)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    with gzip.open(SCALE, "rt", encoding="utf-8") as f:
        for line in f:
            if limit and n >= limit:
                break
            item = json.loads(line)
            path = folder / f"{item['id']}.txt"
            if not path.exists():
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_text(item["text"], encoding="utf-8")
                os.replace(tmp, path)
            n += 1
    return n


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
    out["old_full_join_ms"], out["old_full_join_pairs"] = old_refresh_ms(app.kb, app.kb.serving())
    out["rss_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_probe(kbdir: Path, embedder: str, n_search: int, n_ask: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--kb", str(kbdir), "--embedder", embedder,
           "--probe", "--searches", str(n_search), "--asks", str(n_ask), "--print-only"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


OLD_JOIN = ("SELECT v.id, c.rowid FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk "
            "JOIN vectors v ON v.text_hash = c.text_hash WHERE k.version=?")


def old_refresh_ms(kb, version: int) -> tuple[float, int]:
    """What every search paid before the incremental refresh while vectors were being added: the whole
    version-to-vector join and the id map built from it (timed once here; now each search reads only new pairs)."""
    t = time.perf_counter()
    rows = kb.store.conn().execute(OLD_JOIN, (version,)).fetchall()
    vec_to_rows: dict[int, list[int]] = {}
    for vid, row in rows:
        vec_to_rows.setdefault(vid, []).append(row)
    return round((time.perf_counter() - t) * 1000, 1), len(rows)


def search_round(searcher, queries: list[str], mode: str) -> dict:
    """Latency of ``queries`` and the work counted on the serving view: vector pairs read by its refreshes."""
    view = searcher.view()
    pairs0 = view.pairs_read
    lat, dense = [], []
    for q in queries:
        s = time.perf_counter()
        r = searcher.search(q, 5, mode=mode)
        lat.append((time.perf_counter() - s) * 1000)
        dense.append(r.trace["timings"].get("dense_ms", 0.0) - r.trace["timings"].get("embed_query_ms", 0.0))
    return {**summary(lat), "dense_without_query_embedding_p50_ms": pct(dense, 0.5),
            "pairs_read_per_search": round((view.pairs_read - pairs0) / len(queries), 1),
            "embedded_in_view": view.n_embedded, "load": load()}


def versions_probe(kbdir: Path, embedder: str, steps: list[int], n: int) -> dict:
    """Search latency and counted work on the serving version as candidate versions pile up (each a removal of one
    document, written by this process), and how long a fresh view of the serving version takes to build."""
    from jianghua.index.search import HybridSearcher
    from jianghua.index.view import VersionView
    kb = open_kb(kbdir, embedder)
    serving = kb.serving()
    titles = sample_titles(n * 2 * len(steps) + 10, seed=29)
    searcher = HybridSearcher(kb)
    for q in titles[:10]:
        searcher.search(q, 5, mode="hybrid")
    out, i, writes = [], 10, []
    for target in steps:
        while len(kb.store.versions()) < target:
            head = kb.head()
            doc = sorted(kb.version_docs(head))[len(kb.store.versions())]
            t = time.perf_counter()
            kb.remove(doc, note="scale benchmark: a candidate version")
            writes.append(time.perf_counter() - t)
        t = time.perf_counter()
        VersionView(kb, serving)
        build = time.perf_counter() - t
        ms, mj = old_refresh_ms(kb, serving)
        row = {"versions": len(kb.store.versions()), "serving": serving, "view_build_s": round(build, 2),
               "old_full_join_ms": ms, "old_full_join_pairs": mj,
               "keyword": search_round(searcher, titles[i:i + n], "keyword"),
               "hybrid": search_round(searcher, titles[i + n:i + 2 * n], "hybrid")}
        i += 2 * n
        out.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return {"steps": out, "version_write_s": [round(w, 2) for w in writes], "version_chunks_rows": kb.store.conn().execute(
        "SELECT count(*) FROM version_chunks").fetchone()[0]}


def index_types(kbdir: Path, embedder: str, n_queries: int) -> dict:
    """Recall@10 against exact search, time per query (one thread) and bytes per vector of the ANN index types a
    Milvus cluster would use (FAISS implements the same algorithms as Milvus's Knowhere), on the real vectors
    embedded so far and real queries (sampled news titles)."""
    import faiss
    import numpy as np
    kb = open_kb(kbdir, embedder)
    rows = kb.store.conn().execute("SELECT vec FROM vectors ORDER BY id").fetchall()
    dim = kb.embedder.dim
    x = np.frombuffer(b"".join(r[0] for r in rows), np.float32).reshape(len(rows), dim).copy()
    del rows
    qs = sample_titles(n_queries, seed=31)
    q = np.stack([np.asarray(kb.embedder.embed_query(t), np.float32).reshape(-1) for t in qs])
    faiss.omp_set_num_threads(1)
    exact = faiss.IndexFlatIP(dim)
    exact.add(x)
    n = len(x)
    nlist = int(4 * np.sqrt(n))

    def timed(index, params=None) -> tuple[np.ndarray, float]:
        t = time.perf_counter()
        out = [index.search(q[i:i + 1], 10, params=params)[1][0] for i in range(len(q))]
        return np.stack(out), (time.perf_counter() - t) * 1000 / len(q)
    truth, exact_ms = timed(exact)
    res = {"vectors": n, "dim": dim, "queries": len(q), "nlist": nlist,
           "exact_flat": {"ms_per_query": round(exact_ms, 3), "bytes_per_vector": dim * 4}}

    def recall(found) -> float:
        return round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])), 4)

    def size(index) -> float:
        return round(len(faiss.serialize_index(index)) / n, 1)
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 200
    hnsw.add(x)
    res["hnsw_m16"] = {"build_s": round(time.perf_counter() - t, 1), "bytes_per_vector": size(hnsw)}
    for ef in (32, 64, 128):
        found, ms = timed(hnsw, faiss.SearchParametersHNSW(efSearch=ef))
        res["hnsw_m16"][f"ef{ef}"] = {"recall_at_10": recall(found), "ms_per_query": round(ms, 3)}
    for name, spec in (("ivf_sq8", f"IVF{nlist},SQ8"), ("ivf_pq48", f"IVF{nlist},PQ48x8"),
                       ("ivf_flat", f"IVF{nlist},Flat")):
        t = time.perf_counter()
        idx = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        idx.train(x)
        idx.add(x)
        res[name] = {"build_s": round(time.perf_counter() - t, 1), "bytes_per_vector": size(idx)}
        for nprobe in (8, 16, 32, 64):
            found, ms = timed(idx, faiss.SearchParametersIVF(nprobe=nprobe))
            res[name][f"nprobe{nprobe}"] = {"recall_at_10": recall(found), "ms_per_query": round(ms, 3)}
        print(name, json.dumps(res[name]), flush=True)
    res["load"] = load()
    return res


def placeholder_copy(kbdir: Path, dst: Path, seed: int = 7) -> dict:
    """A consistent copy of ``kbdir`` (SQLite backup) in which every chunk text still without a vector gets a random
    unit vector: the index then has the full corpus's size, so search *latency* at full size can be measured before
    embedding ends. Its dense rankings mean nothing; only timings are read from it."""
    import sqlite3
    import numpy as np
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    src = sqlite3.connect(f"file:{kbdir / 'store.sqlite'}?mode=ro", uri=True)
    out = sqlite3.connect(dst / "store.sqlite")
    src.backup(out)
    src.close()
    shutil.copy(kbdir / "manifest.json", dst / "manifest.json")
    dim = json.loads(out.execute("SELECT value FROM meta WHERE key='dim'").fetchone()[0])
    real = out.execute("SELECT count(*) FROM vectors").fetchone()[0]
    hashes = [r[0] for r in out.execute("SELECT DISTINCT c.text_hash FROM chunks c LEFT JOIN vectors v "
                                        "ON v.text_hash = c.text_hash WHERE v.id IS NULL")]
    rng = np.random.default_rng(seed)
    with out:
        for i in range(0, len(hashes), 10000):
            part = hashes[i:i + 10000]
            v = rng.standard_normal((len(part), dim)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            out.executemany("INSERT INTO vectors(text_hash, vec) VALUES(?, ?)", zip(part, (x.tobytes() for x in v)))
    out.execute("PRAGMA journal_mode=WAL")
    out.close()
    return {"real_vectors": real, "placeholder_vectors": len(hashes)}


def embed_status(kbdir: Path, res: "Results") -> dict:
    """How far embedding is, by texts and by characters (texts are embedded shortest first, so the share of texts
    overstates progress), and the projection from the CPU seconds per character measured so far."""
    import sqlite3
    c = sqlite3.connect(f"file:{kbdir / 'store.sqlite'}?mode=ro", uri=True)
    rows = c.execute("SELECT min(length(c.text) + length(c.section)), max(v.id IS NOT NULL) FROM chunks c "
                     "LEFT JOIN vectors v ON v.text_hash = c.text_hash GROUP BY c.text_hash").fetchall()
    c.close()
    emb = res.stage("embed") or {}
    chars = sum(r[0] for r in rows)
    done = sum(r[0] for r in rows if r[1])
    texts_done = sum(1 for r in rows if r[1])
    out = {"texts": len(rows), "texts_embedded": texts_done, "chars": chars, "chars_embedded": done,
           "fraction_by_texts": round(texts_done / len(rows), 4), "fraction_by_chars": round(done / chars, 4),
           "embed_stage_recorded": emb.get("recorded"), "load": load()}
    if emb.get("cpu_s") and done:
        # the stage's cpu_s was recorded a little before this count: a slight underestimate of CPU per character
        per_char = emb["cpu_s"] / done
        out["cpu_ms_per_1000_chars"] = round(per_char * 1e6, 1)
        out["projected_cpu_s_total"] = round(per_char * chars, 0)
        out["projected_cpu_ms_per_chunk"] = round(per_char * chars / len(rows) * 1000, 1)
        out["projected_wall_s_on_2_idle_cores"] = round(per_char * chars / 2, 0)
        rate = done / max(emb.get("active_s", 1e-9), 1e-9)
        out["projected_wall_s_at_measured_rate"] = round(chars / rate, 0)
    return out


# -- the run -------------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=10000, help="news items to ingest (0: all 73,873)")
    ap.add_argument("--embedder", default="e5fast")
    ap.add_argument("--embed-limit", type=int, default=0, help="stop embedding after this many chunks (0: all)")
    ap.add_argument("--kb", type=Path, help="a persistent knowledge base (resumable); default: a temporary one")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "scale.json")
    ap.add_argument("--files", type=Path, help="also re-ingest through files written under this folder (stage "
                    "reingest_files: every file parsed, then every file found unchanged by its mark)")
    ap.add_argument("--fresh", action="store_true", help="remove the knowledge base and the results first")
    ap.add_argument("--probe", action="store_true", help="only measure the serving figures on --kb now")
    ap.add_argument("--print-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--searches", type=int, default=100, help="distinct queries per search mode in the probe")
    ap.add_argument("--asks", type=int, default=40, help="questions asked in the probe")
    ap.add_argument("--versions", type=str, help="only: search cost as versions pile up on --kb, e.g. 1,5,10")
    ap.add_argument("--index-types", action="store_true", help="only: ANN index types on --kb's vectors")
    ap.add_argument("--status", action="store_true", help="only: embedding progress by texts and characters")
    ap.add_argument("--placeholder-probe", type=Path, metavar="DIR",
                    help="only: copy --kb to DIR, give the chunks not embedded yet random vectors, measure the "
                         "serving figures there (latency at full index size; rankings meaningless)")
    args = ap.parse_args()

    if args.placeholder_probe:
        if not args.kb:
            ap.error("--placeholder-probe needs --kb")
        t = time.perf_counter()
        made = placeholder_copy(args.kb, args.placeholder_probe)
        made["copy_s"] = round(time.perf_counter() - t, 1)
        out = {**made, **run_probe(args.placeholder_probe, args.embedder, args.searches, args.asks),
               "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        Results(args.results).append("placeholder_probes", out)
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0

    if args.status:
        if not args.kb:
            ap.error("--status needs --kb")
        res = Results(args.results)
        out = embed_status(args.kb, res)
        res.set(embed_status={**out, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0

    if args.versions or args.index_types:
        if not args.kb:
            ap.error("--versions and --index-types need --kb")
        res = Results(args.results)
        if args.versions:
            out = versions_probe(args.kb, args.embedder, [int(v) for v in args.versions.split(",")], args.searches)
            res.append("versions_probes", {**out, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        else:
            out = index_types(args.kb, args.embedder, args.searches)
            res.set(index_types={**out, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0

    if args.probe:
        if not args.kb:
            ap.error("--probe needs --kb")
        out = probe(args.kb, args.embedder, args.searches, args.asks)
        if args.print_only:
            print(json.dumps(out, ensure_ascii=False))
        else:
            Results(args.results).append("probes", {**out, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0

    temporary = args.kb is None
    kbdir = args.kb or Path(tempfile.mkdtemp(prefix="jianghua-scale-")) / "kb"
    if args.fresh:
        shutil.rmtree(kbdir, ignore_errors=True)
        args.results.unlink(missing_ok=True)
    res = Results(args.results)
    import signal
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    if res.data.get("limit") not in (None, args.limit) or res.data.get("kb") not in (None, str(kbdir)):
        ap.error(f"{args.results} holds a run with limit {res.data.get('limit')} on {res.data.get('kb')}: "
                 "pass --fresh to start again, or the same --limit and --kb to resume")
    res.set(limit=args.limit, kb=str(kbdir), embedder=args.embedder, corpus=SCALE.name, cpus=os.cpu_count(),
            note="load average recorded with every figure: the machine is shared")

    # 1. ingest until keyword-searchable (no embedding); idempotent, so an interrupted ingest is simply rerun
    if res.stage("ingest") is None:
        resumed = (kbdir / "store.sqlite").exists()
        from jianghua.index.parallel import worker_count
        t0, c0, w0 = time.perf_counter(), cpu_s(), children_cpu_s()
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
                           "cpu_s": round(cpu_s() - c0, 1), "workers_cpu_s": round(children_cpu_s() - w0, 1),
                           "workers": worker_count(len(docs), kb.settings.ingest_workers),
                           "resumed_after_interruption": resumed, "peak_rss_mb": peak_rss_mb(),
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

    # 3b. the same through files, as `jianghua ingest FOLDER` reads them: the corpus written out as one .txt per
    # item (once); the first pass parses every file (each gives a document the knowledge base holds: nothing
    # changes), the second finds every file unchanged by its mark (size, mtime, hash) and parses none
    if args.files:               # only this stage (it may run beside an embedding run on the same --kb)
        n = write_files(args.files, args.limit)
        import sqlite3
        with sqlite3.connect(kbdir / "store.sqlite", timeout=60) as c:     # no marks: the first pass parses all
            c.execute("DROP TABLE IF EXISTS file_marks")
        passes = []
        for _ in range(2):
            t0, c0 = time.perf_counter(), cpu_s()
            report = kb.ingest([args.files], progress=True, embed=False)
            passes.append({"s": round(time.perf_counter() - t0, 1), "cpu_s": round(cpu_s() - c0, 1),
                           "unchanged": len(report.unchanged), "added": len(report.added),
                           "failed": len(report.failed), "new_version": report.version})
        first = res.stage("ingest")["time_to_keyword_searchable_s"]
        res.put("reingest_files", {"files": n, "parse_every_file": passes[0], "with_file_marks": passes[1],
                                   "share_of_first_ingest": round(passes[1]["s"] / first, 4), "load": load()})
        print(json.dumps(res.stage("reingest_files"), ensure_ascii=False, indent=2))
        return 0

    # 4. embedding, resumable: the active time adds up over runs; progress recorded every minute
    emb = res.stage("embed") or {}
    if not emb.get("done"):
        import threading
        from jianghua.index.embedding import pending_texts
        pending = len(pending_texts(kb.store))
        total_texts = emb.get("texts_total") or pending
        before = total_texts - pending           # counted in the store: vectors written after the last record too
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
        done_now = [0]

        def counting(done: int, total: int) -> None:
            done_now[0] = done
            on_batch(done, total)
        try:
            n = kb.embed(progress=True, on_batch=counting, stop=stop)
        except KeyboardInterrupt:            # SIGTERM or Ctrl-C: record how far it got, then stop
            record(done_now[0], False)
            print("interrupted: rerun the same command to continue embedding", file=sys.stderr)
            return 130
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
