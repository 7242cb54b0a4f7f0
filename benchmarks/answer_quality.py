"""Answer quality on data no rule or weight was fitted on (the fit uses CMRC trial and the ``:dev`` halves).

    python benchmarks/answer_quality.py [--cmrc-limit N] [--sets cmrc,cross,seed,indomain,negatives,followups]

Reported, each as a share of its cases:
- CMRC 2018 dev (questions asked of their own passages): gold answer in the answer, in its first sentence, declined,
  median answer length (characters, markers removed);
- cross-corpus negatives (CMRC dev questions asked of the speeches; the project's test-half questions asked of
  the CMRC dev passages): declined;
- ``seed:test``, ``indomain:test``: gold in the answer, declined; ``negatives:test``: declined (and for a redacted
  figure, said so); ``followups:test`` and ``followups2:test`` … ``followups6:test`` (written blind to the code on
  2026-12-01 … 2026-12-06; each with ``:dev`` beside it): gold in the answer of the second turn;
- trust: answers declined yet ``grounded`` (must be 0), citations whose quote is not the document text (must be 0).
Results: ``benchmarks/results/answer_quality.json``; a Markdown table on stdout.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import answer_data as A  # noqa: E402  (sets sys.path)

OUT = Path(__file__).resolve().parent / "results" / "answer_quality.json"
SETS = ("cmrc", "cross", "seed", "indomain", "negatives", "followups", "followups2", "followups3", "followups4",
        "followups5", "followups6")


def _first_sentence(answer: str) -> str:
    from jianghua.assistant.verify import split_output
    parts = split_output(answer)
    return parts[0] if parts else ""


def _plain_len(answer: str) -> int:
    from jianghua.evals import metrics as M
    return len(M.norm(M.strip_markers(answer)))


def run_cases(cases: list[A.Case], apps: dict, desc: str) -> dict:
    from tqdm import tqdm
    rows = []
    lat = []
    for c in tqdm(cases, desc=desc, unit="q", disable=not sys.stderr.isatty()):
        app = apps.get(c.kb) or apps.setdefault(c.kb, A.app_for(c.kb))
        t0 = time.perf_counter()
        r = A.ask_case(app, c)
        lat.append((time.perf_counter() - t0) * 1000)
        declined = bool(r["trace"]["declined"])
        docs = {}
        bad_quotes = 0
        for cit in r["citations"]:
            if cit["doc_id"] not in docs:
                docs[cit["doc_id"]] = app.kb.document(cit["doc_id"]).text
            if docs[cit["doc_id"]][cit["start"]:cit["end"]] != cit["quote"]:
                bad_quotes += 1
        rows.append({
            "id": c.id, "answerable": c.answerable, "kind": c.kind, "declined": declined,
            "reason": r["trace"].get("decline_reason"),
            "gold_in_answer": (not declined) and bool(c.gold) and A.answer_in(r["answer"], c.gold),
            "gold_in_first": (not declined) and bool(c.gold) and A.answer_in(_first_sentence(r["answer"]), c.gold),
            "length": _plain_len(r["answer"]) if not declined else 0, "grounded": bool(r["grounded"]),
            "bad_quotes": bad_quotes, "standalone": r["trace"]["standalone"],
            "p": r["trace"]["evidence"]["decision"]["probability"] if r["trace"].get("evidence") else None,
        })
    return summarise(rows, lat)


def summarise(rows: list[dict], lat: list[float]) -> dict:
    def share(pred, among):
        xs = [r for r in rows if among(r)]
        return round(sum(1 for r in xs if pred(r)) / len(xs), 4) if xs else None
    answered = [r for r in rows if not r["declined"]]
    ans = lambda r: r["answerable"]                       # noqa: E731
    return {
        "cases": len(rows),
        "answerable": sum(1 for r in rows if r["answerable"]),
        "gold_in_answer": share(lambda r: r["gold_in_answer"], ans),
        "gold_in_first_sentence": share(lambda r: r["gold_in_first"], ans),
        "declined_answerable": share(lambda r: r["declined"], ans),
        "declined_unanswerable": share(lambda r: r["declined"], lambda r: not r["answerable"]),
        "redacted_said": share(lambda r: r["reason"] == "redacted", lambda r: r["kind"] == "redacted"),
        "median_answer_chars": statistics.median([r["length"] for r in answered]) if answered else None,
        "declined_but_grounded": sum(1 for r in rows if r["declined"] and r["grounded"]),
        "quote_mismatches": sum(r["bad_quotes"] for r in rows),
        "ask_ms": {"p50": round(statistics.median(lat), 1) if lat else None,
                   "p95": round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1) if lat else None},
        "misses": [r["id"] for r in rows if r["answerable"] and not r["gold_in_answer"]][:40],
        "false_answers": [r["id"] for r in rows if not r["answerable"] and not r["declined"]][:40],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cmrc-limit", type=int, help="at most N CMRC dev questions (a random sample)")
    ap.add_argument("--cross-limit", type=int, default=400)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    wanted = [s for s in args.sets.split(",") if s]
    apps: dict = {}
    results = {}
    t0 = time.perf_counter()
    plan = {
        "cmrc": lambda: A.cmrc_cases("dev", args.cmrc_limit),
        "cross": lambda: A.cross_cases("dev", limit=args.cross_limit),
        "seed": lambda: A.eval_set_cases("seed:test", kb="seed"),
        "indomain": lambda: A.eval_set_cases("indomain:test"),
        "negatives": lambda: A.eval_set_cases("negatives:test"),
        "followups": lambda: A.eval_set_cases("followups:test"),
        "followups_dev": lambda: A.eval_set_cases("followups:dev"),
        "followups2": lambda: A.eval_set_cases("followups2:test", kb="sets2"),
        "followups2_dev": lambda: A.eval_set_cases("followups2:dev", kb="sets2"),
        "followups3": lambda: A.eval_set_cases("followups3:test", kb="sets3"),
        "followups3_dev": lambda: A.eval_set_cases("followups3:dev", kb="sets3"),
        "followups4": lambda: A.eval_set_cases("followups4:test", kb="sets4"),
        "followups4_dev": lambda: A.eval_set_cases("followups4:dev", kb="sets4"),
        "followups5": lambda: A.eval_set_cases("followups5:test", kb="sets5"),
        "followups5_dev": lambda: A.eval_set_cases("followups5:dev", kb="sets5"),
        "followups6": lambda: A.eval_set_cases("followups6:test", kb="sets6"),
        "followups6_dev": lambda: A.eval_set_cases("followups6:dev", kb="sets6"),
    }
    for name in ("followups", "followups2", "followups3", "followups4", "followups5", "followups6"):
        if name in wanted:
            wanted.append(f"{name}_dev")
    for name in wanted:
        results[name] = run_cases(plan[name](), apps, name)
        print(f"{name}: {json.dumps({k: v for k, v in results[name].items() if k not in ('misses', 'false_answers')}, ensure_ascii=False)}",
              file=sys.stderr)
    from jianghua.assistant.answerability import models
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    for r in results.values():
        r["measured"] = now
    previous = json.loads(args.out.read_text(encoding="utf-8")).get("results", {}) if args.out.is_file() else {}
    merged = {**previous, **results}        # a run of some sets keeps the others' last figures (each dated)
    out = {"created": now, "machine": f"{os.cpu_count()} cores; other processes may share them",
           "fitted_on": models().fitted_on.get("cases"), "results": merged,
           "elapsed_s": round(time.perf_counter() - t0, 1)}
    from jianghua.index.kb import atomic_write
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(to_markdown(merged))
    return 0


def to_markdown(results: dict) -> str:
    lines = ["| set | cases | gold in answer | gold in 1st sentence | declined (answerable) | declined (unanswerable) "
             "| median chars | ask p95 ms |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    fmt = lambda v: "—" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))   # noqa: E731
    for name, r in results.items():
        lines.append(f"| {name} | {r['cases']} | {fmt(r['gold_in_answer'])} | {fmt(r['gold_in_first_sentence'])} | "
                     f"{fmt(r['declined_answerable'])} | {fmt(r['declined_unanswerable'])} | "
                     f"{fmt(r['median_answer_chars'])} | {fmt(r['ask_ms']['p95'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
