"""Scale benchmark on the 新闻联播 corpus (../shared/corpus/scale): ingest N items (default 10,000 of 73,873),
time to first searchable (keyword index committed) and to fully embedded, throughput, size on disk, peak memory,
keyword-search latency on the result. Writes benchmarks/results/scale.json.

    python benchmarks/scale.py --limit 10000 --embedder e5fast [--embed-limit 2000]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
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
QUERIES = ["乡村振兴", "脱贫攻坚取得决定性成就", "全面从严治党", "疫情防控", "一带一路 合作", "高质量发展",
           "基层党组织建设", "生态文明建设", "科技创新", "粮食安全", "党风廉政建设", "民营经济发展"]


def atomic_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=10000, help="news items to ingest")
    ap.add_argument("--embedder", default="e5fast")
    ap.add_argument("--embed-limit", type=int, default=0, help="stop embedding after this many chunks (0: all)")
    ap.add_argument("--kb", type=Path, help="where to build (default: a temp dir, removed afterwards)")
    args = ap.parse_args()

    from tqdm import tqdm
    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.ingest.documents import document_from_text
    from jianghua.settings import Settings

    kbdir = args.kb or Path(tempfile.mkdtemp(prefix="jianghua-scale-")) / "kb"
    if kbdir.exists():
        shutil.rmtree(kbdir)
    kb = KnowledgeBase.open(Settings.from_env(kb=kbdir, embedder=args.embedder), create=True)
    t0 = time.perf_counter()
    docs = []
    with gzip.open(SCALE, "rt", encoding="utf-8") as f:
        for line in tqdm(f, total=args.limit, desc="reading", unit="item"):
            if len(docs) >= args.limit:
                break
            item = json.loads(line)
            docs.append(document_from_text(item["text"], source=f"xwlb:{item['id']}"))
    t_read = time.perf_counter() - t0
    report = kb.ingest_documents(docs, progress=True, embed=False)
    t_searchable = time.perf_counter() - t0
    searcher = HybridSearcher(kb)
    lat = []
    for q in QUERIES * 5:
        s = time.perf_counter()
        searcher.search(q, 5, mode="keyword")
        lat.append((time.perf_counter() - s) * 1000)
    chunks = kb.stats()["chunks"]
    t1 = time.perf_counter()
    stop = None
    if args.embed_limit:
        import threading
        stop = threading.Event()

        def on_batch(done, total):
            if done >= args.embed_limit:
                stop.set()
        embedded = kb.embed(progress=True, on_batch=on_batch, stop=stop)
    else:
        embedded = kb.embed(progress=True)
    t_embed = time.perf_counter() - t1
    lat.sort()
    result = {
        "items": len(docs), "documents": len(report.added), "chunks": chunks, "embedder": args.embedder,
        "read_s": round(t_read, 1), "time_to_searchable_s": round(t_searchable, 1),
        "ingest_chunks_per_s_without_embedding": round(chunks / max(t_searchable, 1e-9), 1),
        "embedded_chunks": embedded, "embed_s": round(t_embed, 1),
        "embed_chunks_per_s": round(embedded / max(t_embed, 1e-9), 2),
        "time_to_fully_embedded_s_projected": round(t_searchable + chunks / max(embedded / max(t_embed, 1e-9), 1e-9), 1),
        "keyword_search_ms_p50": round(statistics.median(lat), 2),
        "keyword_search_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 2),
        "kb_size_mb": round(dir_size(kbdir) / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": os.getloadavg(),
    }
    for k, v in result.items():
        print(f"{k:45s} {v}")
    atomic_json(ROOT / "benchmarks" / "results" / "scale.json", result)
    if not args.kb:
        shutil.rmtree(kbdir.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
