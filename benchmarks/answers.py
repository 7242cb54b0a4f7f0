"""Answer and draft latency with the default extractive generator on a knowledge base you built, e.g. the genre
corpus (../shared/corpus/genre):

    jianghua ingest ../shared/corpus/genre --kb ~/.cache/jianghua/genre-kb
    python benchmarks/answers.py --kb ~/.cache/jianghua/genre-kb [--embedder e5fast] [--repeat 3]

Asks each question (after one warm-up), records per-stage timings from the answer's trace, prints p50/p95 and
writes benchmarks/results/answers.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]   # keep `ingest` the package
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "政府工作报告对稳就业提出了哪些措施？", "如何推进乡村振兴？", "全面从严治党要抓好哪些工作？",
    "怎样加强基层党组织建设？", "科技创新方面有什么部署？", "生态环境保护的目标是什么？",
    "如何深化国有企业改革？", "党的十九大报告对新时代的判断是什么？", "怎样坚持以人民为中心的发展思想？",
    "脱贫攻坚取得了哪些成就？", "如何防范化解重大风险？", "怎样推进国家治理体系和治理能力现代化？",
    "对外开放有哪些新举措？", "教育事业发展的重点是什么？", "如何加强党风廉政建设？",
    "怎么做好疫情防控工作？", "民营经济发展有什么支持政策？", "粮食安全怎么保障？",
    "如何推进法治中国建设？", "文化强国建设有哪些任务？",
]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, required=True)
    ap.add_argument("--embedder", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--drafts", type=int, default=5, help="draft timings over the first N questions' topics")
    args = ap.parse_args()

    from tqdm import tqdm
    from jianghua.app import Jianghua
    from jianghua.settings import Settings

    app = Jianghua(Settings.from_env(kb=args.kb, embedder=args.embedder), create=False)
    app.ask(QUESTIONS[0])                                  # warm-up: model load, first view
    stages: dict[str, list[float]] = {}
    wall = []
    declined = 0
    for q in tqdm(QUESTIONS * args.repeat, desc="asking", unit="q"):
        t = time.perf_counter()
        r = app.ask(q)
        wall.append((time.perf_counter() - t) * 1000)
        declined += bool(r["trace"]["declined"])
        for k, v in r["trace"]["timings"].items():
            stages.setdefault(k, []).append(v)
    drafts = []
    for topic in ["乡村振兴", "基层党组织建设", "科技创新", "生态文明建设", "全面从严治党"][:args.drafts]:
        t = time.perf_counter()
        app.draft(topic, length=600)
        drafts.append((time.perf_counter() - t) * 1000)
    info = app.index_info()
    result = {
        "kb": str(args.kb), "documents": info.get("documents"), "chunks": info.get("chunks"),
        "embedded": info.get("embedded"), "engine": info.get("engine"), "questions": len(wall),
        "declined": declined,
        "ask_ms": {"p50": round(statistics.median(wall), 1), "p95": round(pct(wall, 0.95), 1)},
        "stages_ms": {k: {"p50": round(statistics.median(v), 1), "p95": round(pct(v, 0.95), 1)}
                      for k, v in stages.items()},
        "draft_ms": {"p50": round(statistics.median(drafts), 1), "p95": round(pct(drafts, 0.95), 1)} if drafts else None,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = ROOT / "benchmarks" / "results" / "answers.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
