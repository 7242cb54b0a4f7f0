"""Milvus Lite benchmark (issue 13): N 新闻联播 items (default 20,000) in the Milvus backend — time to sync the
collection from the store (BM25 analysis + vectors), search p50/p95 (keyword, dense, hybrid; the backend's own calls
and the whole searcher), disk, peak RSS — beside the embedded backend on the same store; and the seed agreement
(same top-5 gold passages, Milvus vs embedded, on the seed questions). Writes benchmarks/results/milvus.json.

    python benchmarks/milvus.py --kb DIR [--items 20000] [--no-embed] [--skip-seed]

Resumable: the store is built (and embedded, unless --no-embed) once in --kb; a rerun skips what is there. The
Milvus collection is rebuilt from scratch each run (its sync is what is timed).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]   # benchmarks/ingest.py would shadow
sys.path.insert(0, str(_HERE.parent))
ROOT = _HERE.parent
SCALE = ROOT.parent / "shared" / "corpus" / "scale" / "xinwenlianbo_2012_2026.jsonl.gz"
OUT = _HERE / "results" / "milvus.json"
QUERIES = ["乡村振兴", "脱贫攻坚取得决定性成就", "全面从严治党", "疫情防控", "一带一路 合作", "高质量发展",
           "基层党组织建设", "生态文明建设", "科技创新", "粮食安全", "党风廉政建设", "民营经济发展"]


def load() -> float:
    return round(os.getloadavg()[0], 2)


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def summary(ms: list[float]) -> dict:
    xs = sorted(ms)
    return {"n": len(xs), "p50_ms": round(statistics.median(xs), 2),
            "p95_ms": round(xs[min(len(xs) - 1, int(0.95 * len(xs)))], 2), "max_ms": round(xs[-1], 2)}


def dir_mb(p: Path) -> float:
    return round(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20, 1)


def save(result: dict) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, OUT)


def build_store(kbdir: Path, items: int, embed: bool) -> dict:
    from tqdm import tqdm
    from jianghua.index.kb import KnowledgeBase
    from jianghua.ingest.documents import document_from_text
    from jianghua.settings import Settings
    kb = KnowledgeBase.open(Settings.from_env(kb=kbdir, backend="embedded"), create=True)
    t0 = time.perf_counter()
    docs = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as f:
        for line in tqdm(f, total=items, desc="reading", unit="item"):
            if len(docs) >= items:
                break
            item = json.loads(line)
            docs.append(document_from_text(item["text"], source=f"xwlb:{item['id']}"))
    kb.ingest_documents(docs, progress=True, embed=False)
    out = {"items": len(docs), "store_s": round(time.perf_counter() - t0, 1)}
    if embed:
        t1 = time.perf_counter()
        out["embedded_now"] = kb.embed(progress=True)
        out["embed_s"] = round(time.perf_counter() - t1, 1)
    st = kb.stats()
    out.update(chunks=st["chunks"], embedded=st["embedded"])
    kb.close()
    return out


def sample_queries(kb, n: int = 48, seed: int = 13) -> list[str]:
    """Query texts from the corpus itself: 16-character spans of randomly chosen passages, plus the topic list."""
    rows = sorted(kb.store.version_rows(kb.serving()))
    rnd = random.Random(seed)
    data = kb.store.passages(rnd.sample(rows, n))
    spans = []
    for _, _, text, _, _ in data.values():
        i = rnd.randrange(max(1, len(text) - 16))
        spans.append(text[i:i + 16])
    return QUERIES + spans


def timed(fn, queries) -> dict:
    lat = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        lat.append((time.perf_counter() - t) * 1000)
    return summary(lat)


def measure(kb, queries: list[str], vectors: dict) -> dict:
    from jianghua.index.search import HybridSearcher
    s = HybridSearcher(kb)
    for q in queries:                     # warm: views, caches, query vectors (embedding is not what is timed)
        s._qcache[q] = vectors[q]
    s.search(queries[0], 5)
    out = {f"searcher_{m}": timed(lambda q: s.search(q, 5, mode=m), queries) for m in ("keyword", "dense", "hybrid")}
    if kb.settings.backend == "milvus":
        mp, v = kb.mirror, kb.serving()
        tok = s.view().tokenizer
        out["milvus_keyword"] = timed(lambda q: mp.keyword(" ".join(tok.tokens(q)), v, 50), queries)
        out["milvus_dense"] = timed(lambda q: mp.dense(vectors[q], v, 50), queries)
        out["milvus_hybrid_rrf"] = timed(lambda q: mp.hybrid(" ".join(tok.tokens(q)), vectors[q], v, 5), queries)
    out["load"] = load()
    return out


def milvus_run(kbdir: Path, queries_n: int) -> dict:
    from jianghua.index.kb import KnowledgeBase
    from jianghua.settings import Settings
    shutil.rmtree(kbdir / "milvus.db", ignore_errors=True)
    emb = KnowledgeBase.open(Settings.from_env(kb=kbdir, backend="embedded"))
    queries = sample_queries(emb, queries_n)
    vectors = {q: emb.embedder.embed_query(q) for q in queries}
    res = {"chunks": emb.stats()["chunks"], "embedded": emb.stats()["embedded"], "queries": len(queries)}
    res["embedded_backend"] = measure(emb, queries, vectors)
    emb.close()
    rss_before = rss_mb()
    kb = KnowledgeBase.open(Settings.from_env(kb=kbdir, backend="milvus"), embedder=emb.embedder)
    with kb.store.transaction() as c:          # a fresh collection: the whole sync is timed
        c.execute("DELETE FROM state WHERE key LIKE 'milvus:%'")
    t0, l0 = time.perf_counter(), load()
    kb.mirror.refresh(progress=True)
    res["milvus_sync_s"] = round(time.perf_counter() - t0, 1)
    res["milvus_sync_load"] = [l0, load()]
    res["milvus_entities"] = kb.mirror.count(kb.serving())
    res["milvus_disk_mb"] = dir_mb(kbdir / "milvus.db")
    res["store_disk_mb"] = round(sum((kbdir / n).stat().st_size for n in os.listdir(kbdir)
                                     if n.startswith("store.sqlite")) / 2**20, 1)
    res["milvus_backend"] = measure(kb, queries, vectors)
    res["peak_rss_mb"] = rss_mb()
    res["peak_rss_mb_before_milvus"] = rss_before
    kb.close()
    return res


def seed_agreement() -> dict:
    """Seed knowledge base (embedded, e5fast), copied and opened with Milvus Lite; agreement per mode."""
    sys.path.insert(0, str(ROOT))
    from tests.index.test_milvus_agreement import agreement
    from tests.conftest import copy_kb
    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.samples import SEEDS
    from jianghua.settings import Settings
    tmp = Path(tempfile.mkdtemp(prefix="jianghua-milvus-seed-"))
    try:
        emb = KnowledgeBase.open(Settings.from_env(kb=tmp / "emb", backend="embedded"), create=True)
        emb.ingest([SEEDS], progress=True)
        copy_kb(emb, tmp / "mil")
        mil = KnowledgeBase.open(emb.settings.with_(kb=tmp / "mil", backend="milvus"), embedder=emb.embedder)
        out = {m: agreement(HybridSearcher(emb), HybridSearcher(mil), mode=m) for m in ("hybrid", "keyword", "dense")}
        mil.close()
        emb.close()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, required=True, help="where the store is built (kept: reruns resume)")
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=48, help="corpus spans asked besides the 12 topics")
    ap.add_argument("--no-embed", action="store_true", help="do not embed what is missing (another run does)")
    ap.add_argument("--skip-seed", action="store_true")
    args = ap.parse_args()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result = {"started": started, "cpus": os.cpu_count(), "load_start": load(), "corpus": SCALE.name,
              "note": "shared machine: load average recorded with the figures"}
    result["store"] = build_store(args.kb, args.items, not args.no_embed)
    result["milvus_lite"] = milvus_run(args.kb, args.queries)
    save(result)
    if not args.skip_seed:
        result["seed_agreement"] = seed_agreement()
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result["load_end"] = load()
    save(result)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
