"""Retrieval quality and latency, each search stage on and off: the genre set (dev and test apart), the seed set's
test half and CMRC 2018 dev.

    python benchmarks/retrieval.py [--genre-kb /tmp/kb-genre] [--seed-kb /tmp/kb-bench-seed] [--cmrc-kb DIR]
                                   [--skip-cmrc] [--cmrc-limit N] [--ask 60]

Configurations: ``old`` is the pipeline before issue 12 (every stage of ``HybridSearcher.stages`` off); ``new`` has
the default stages (scope, fields, rewrite); ``+adaptive`` adds the opt-in adaptive fusion; ``-scope`` / ``-fields``
/ ``-rewrite`` are ``new`` with one stage off. old and new run in keyword, dense and hybrid mode, the others in
hybrid mode only.

- genre (evals/sets/genre): a query is found at rank r when the r-th hit comes from one of its gold documents and
  contains that qrel's answer (several qrels of a query are alternatives: the same sentence in another copy of the
  text). recall@k = share of queries found in the top k; MRR@10. Reported for dev and test apart, and for the
  ``named`` (a year, relative year or document) and ``paraphrase`` kinds; ``year_first`` = share of the questions
  naming a 政府工作报告's year whose first hit comes from that report.
- years (evals/sets/years, written blind to the code): 60 questions naming a report's year (8 relative: 今年/去年/前年)
  over the genre corpus; year_first and recall@5 per half, old and new pipeline.
- seed:test: fact, list and cross questions; recall@k = share of a query's gold answers in the top k, averaged over
  queries (as evals/runner.py); MRR@10.
- CMRC 2018 dev: hit@k = a chunk in the top k contains a gold answer (as benchmarks/cmrc2018.py).
- latency: genre hybrid search, old and new alternating per question, each with its query vector cache cleared (both
  pay for embedding the query); p50/p95 and the ratio new/old. ask: ``Jianghua.ask`` on genre questions (p50/p95).

Knowledge bases are built once and reused (embedding the genre corpus takes ~4 minutes). Results go to
benchmarks/results/retrieval.json; a Markdown table is printed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from jianghua.evals import metrics as M  # noqa: E402
from jianghua.evals.data import load_set  # noqa: E402

OUT = _HERE / "results" / "retrieval.json"
K = 10
NEW = ("scope", "fields", "rewrite")                 # the default stages
CONFIGS = {"old": (), "new": NEW, "+adaptive": NEW + ("adaptive",), **{f"-{x}": tuple(y for y in NEW if y != x) for x in NEW}}
MODES = ("keyword", "dense", "hybrid")


def open_kb(kbdir: Path, files: list[Path] | None = None, docs=None):
    from jianghua.index.kb import KnowledgeBase
    from jianghua.settings import Settings
    kb = KnowledgeBase.open(Settings(kb=kbdir), create=True)
    if files is not None:
        kb.ingest(files, progress=False, embed=False, note="benchmark")
    if docs is not None:
        kb.ingest_documents(docs, progress=False, embed=False, note="benchmark")
    kb.embed(progress=False)
    return kb


def searcher_for(kb):
    import jianghua.index.search as S
    S.QUERY_CACHE = 1 << 20          # every question embedded once per run, whatever the configuration
    return S.HybridSearcher(kb)


def summary(found: list, per_answer: list | None = None) -> dict:
    """found[q] = per-rank relevant flags; per_answer[q] = per-rank sets of satisfied qrels (seed definition)."""
    if per_answer is not None:
        r = {f"recall@{k}": M.mean(M.recall_at_k(f, n, k) for f, n in per_answer) for k in (1, 5, 10)}
    else:
        r = {f"recall@{k}": M.mean(any(f[:k]) for f in found) for k in (1, 5, 10)}
    r["mrr@10"] = M.mean(M.mrr_at_k([frozenset([0]) if x else frozenset() for x in f]) for f in found)
    r["n"] = len(found)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}


def stem(source: str) -> str:
    return Path(source).stem


def genre_bench(searcher) -> dict:
    root = _HERE.parent / "evals" / "sets" / "genre"
    raw = {q["_id"]: q for q in map(json.loads, (root / "queries.jsonl").read_text("utf-8").splitlines())}
    es = load_set(root)
    qs = [dict(raw[q.id], qrels=[(r.doc, r.answer) for r in es.qrels_for(q.id)]) for q in es.queries]

    def judge(q, hits):
        return [any(stem(h.source) == d and M.contains(h.chunk.text, a) for d, a in q["qrels"]) for h in hits]

    res: dict = {}
    for config in CONFIGS:
        for mode in (MODES if config in ("old", "new") else ("hybrid",)):
            searcher.stages = {s: s in CONFIGS[config] for s in searcher.stages}
            found, first = [], []
            for q in qs:
                hits = searcher.search(q["text"], K, mode=mode).hits
                found.append(judge(q, hits))
                first.append(bool(hits) and stem(hits[0].source) == q["qrels"][0][0] if q.get("year") else None)
            row = {}
            for part in ("dev", "test"):
                sel = [i for i, q in enumerate(qs) if q["split"] == part]
                row[part] = summary([found[i] for i in sel])
                for kind in ("named", "paraphrase"):
                    row[part][kind] = summary([found[i] for i in sel if qs[i]["kind"] == kind])
                ys = [first[i] for i in sel if first[i] is not None]
                row[part]["year_first"] = round(M.mean(ys), 4) if ys else None
                row[part]["year_questions"] = len(ys)
            row["all"] = summary(found)
            res[f"{config}/{mode}"] = row
    return res


def years_bench(searcher) -> dict:
    """evals/sets/years (60 questions naming a report's year, written blind to the code on 2026-12-02): the share whose
    first hit comes from the named year's report, and recall@5 (the gold span), per half, old and new pipeline."""
    es = load_set(_HERE.parent / "evals" / "sets" / "years")
    res: dict = {}
    for config in ("old", "new"):
        searcher.stages = {s: s in CONFIGS[config] for s in searcher.stages}
        rows = []
        for q in es.queries:
            rels = [(r.doc, r.answer) for r in es.qrels_for(q.id)]
            hits = searcher.search(q.text, K).hits
            rows.append((q.split, bool(hits) and stem(hits[0].source) == rels[0][0],
                         any(stem(h.source) == d and M.contains(h.chunk.text, a) for h in hits[:5] for d, a in rels)))
        res[config] = {part: {"n": sum(1 for p, _, _ in rows if p == part),
                              "year_first": round(M.mean(f for p, f, _ in rows if p == part), 4),
                              "recall@5": round(M.mean(r for p, _, r in rows if p == part), 4)}
                       for part in ("dev", "test")}
    return res


def seed_bench(searcher) -> dict:
    es = load_set("seed:test")
    qs = [{"text": q.text, "qrels": [(r.doc, r.answer) for r in es.qrels_for(q.id)]}
          for q in es.queries if q.type in ("fact", "list", "cross")]
    res = {}
    for config in CONFIGS:
        for mode in (MODES if config in ("old", "new") else ("hybrid",)):
            searcher.stages = {s: s in CONFIGS[config] for s in searcher.stages}
            per, found = [], []
            for q in qs:
                hits = searcher.search(q["text"], K, mode=mode).hits
                f = M.match_answers([(stem(h.source), h.chunk.text) for h in hits], q["qrels"])
                per.append((f, len(q["qrels"])))
                found.append([bool(x) for x in f])
            res[f"{config}/{mode}"] = summary(found, per)
    return res


def cmrc_bench(kbdir: Path, limit: int | None) -> dict:
    spec = importlib.util.spec_from_file_location("cmrc2018_bench", _HERE / "cmrc2018.py")
    cm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cm)
    passages, questions = cm.load_cmrc(cm.DATA)
    questions = questions[:limit] if limit else questions
    kb = open_kb(kbdir, docs=[cm.make_document(p["context"], p["id"]) for p in passages])
    searcher = searcher_for(kb)
    res = {}
    for config in CONFIGS:
        for mode in (MODES if config in ("old", "new") else ("hybrid",)):
            searcher.stages = {s: s in CONFIGS[config] for s in searcher.stages}
            found = [[any(M.contains(h.chunk.text, a) for a in q["answers"])
                      for h in searcher.search(q["question"], K, mode=mode).hits] for q in questions]
            s = summary(found)
            res[f"{config}/{mode}"] = {"hit@1": s["recall@1"], "hit@5": s["recall@5"], "hit@10": s["recall@10"],
                                       "mrr@10": s["mrr@10"], "n": s["n"]}
    return res


def latency(searcher, questions: list[str], rounds: int = 2) -> dict:
    lat = {"old": [], "new": []}
    for _ in range(rounds):
        for q in questions:
            for config in ("old", "new"):
                searcher.stages = {s: s in CONFIGS[config] for s in searcher.stages}
                searcher._qcache.clear()
                lat[config].append(searcher.search(q, 5).trace["timings"]["total_ms"])
    out = {c: {"p50": round(M.percentile(v, 50), 1), "p95": round(M.percentile(v, 95), 1), "n": len(v)}
           for c, v in lat.items()}
    out["ratio_p95"] = round(out["new"]["p95"] / out["old"]["p95"], 3)
    out["ratio_p50"] = round(out["new"]["p50"] / out["old"]["p50"], 3)
    return out


def ask_latency(kbdir: Path, questions: list[str]) -> dict:
    from jianghua.app import Jianghua
    from jianghua.settings import Settings
    app = Jianghua(Settings(kb=kbdir), create=False)
    app.ask(questions[0])                                 # warm-up: models, views
    lat = []
    for q in questions:
        t = time.perf_counter()
        app.ask(q)
        lat.append((time.perf_counter() - t) * 1000)
    return {"p50": round(M.percentile(lat, 50), 1), "p95": round(M.percentile(lat, 95), 1), "n": len(lat)}


def to_markdown(r: dict) -> str:
    lines = ["| set | config/mode | R@1 | R@5 | R@10 | MRR@10 | R@5 named | R@5 paraphrase | year first |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for part in ("dev", "test"):
        for cm, row in r["genre"].items():
            x = row[part]
            lines.append(f"| genre:{part} ({x['n']}) | {cm} | {x['recall@1']:.3f} | {x['recall@5']:.3f} | "
                         f"{x['recall@10']:.3f} | {x['mrr@10']:.3f} | {x['named']['recall@5']:.3f} | "
                         f"{x['paraphrase']['recall@5']:.3f} | {x['year_first'] if x['year_first'] is not None else '—'} |")
    for cm, x in r["seed_test"].items():
        lines.append(f"| seed:test ({x['n']}) | {cm} | {x['recall@1']:.3f} | {x['recall@5']:.3f} | "
                     f"{x['recall@10']:.3f} | {x['mrr@10']:.3f} | | | |")
    for cm, x in (r.get("cmrc_dev") or {}).items():
        lines.append(f"| CMRC dev ({x['n']}) | {cm} | {x['hit@1']:.3f} | {x['hit@5']:.3f} | {x['hit@10']:.3f} | "
                     f"{x['mrr@10']:.3f} | | | |")
    for cm, row in (r.get("years") or {}).items():
        for part, x in row.items():
            lines.append(f"| years:{part} ({x['n']}) | {cm}/hybrid | | {x['recall@5']:.3f} | | | | | {x['year_first']} |")
    lt = r["latency_genre_hybrid_ms"]
    lines += ["", f"genre hybrid search ms: old p50 {lt['old']['p50']} / p95 {lt['old']['p95']}; new p50 "
                  f"{lt['new']['p50']} / p95 {lt['new']['p95']} (p95 ratio {lt['ratio_p95']}); ask p50 "
                  f"{r['ask_ms']['p50'] if r.get('ask_ms') else '—'} / p95 {r['ask_ms']['p95'] if r.get('ask_ms') else '—'}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--genre-kb", type=Path, default=Path("/tmp/kb-genre"))
    p.add_argument("--seed-kb", type=Path, default=Path("/tmp/kb-bench-seed"))
    p.add_argument("--cmrc-kb", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                   / "jianghua" / "bench" / "cmrc2018-p848")
    p.add_argument("--skip-cmrc", action="store_true")
    p.add_argument("--cmrc-limit", type=int)
    p.add_argument("--ask", type=int, default=60, help="questions for the ask latency (0: skip)")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    genre = load_set(_HERE.parent / "evals" / "sets" / "genre")
    kb = open_kb(args.genre_kb, files=genre.corpus_files())
    searcher = searcher_for(kb)
    searcher.search("2019年政府工作报告", 5)                         # warm-up: views, fields, FAISS
    result = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "load_average": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
              "genre_chunks": kb.stats()["chunks"], "genre": genre_bench(searcher)}
    result["years"] = years_bench(searcher)
    texts = [q.text for q in genre.queries]
    result["latency_genre_hybrid_ms"] = latency(searcher, texts)
    seed = load_set("seed:test")
    result["seed_test"] = seed_bench(searcher_for(open_kb(args.seed_kb, files=seed.corpus_files())))
    if not args.skip_cmrc:
        result["cmrc_dev"] = cmrc_bench(args.cmrc_kb, args.cmrc_limit)
    if args.ask:
        result["ask_ms"] = ask_latency(args.genre_kb, texts[:args.ask])
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["elapsed_s"] = round(time.perf_counter() - t0, 1)
    from jianghua.index.kb import atomic_write
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(to_markdown(result))
    print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
