"""Fit the sentence re-weighing (``sentence_dense`` in ``assistant/answerability.json``) on development data only.

    python benchmarks/fit_sentence_dense.py [--limit N] [--write]

Once the chain has decided to answer, the best ``top`` sentences are re-weighed by the cosine of each one's own
vector and the question's (``assistant/weigh.py: rerank_dense``). This script runs every answerable case of CMRC
2018 *trial* and of the ``:dev`` halves of ``seed``, ``indomain`` and ``followups`` through the chain up to the
weighing with the re-weighing off, embeds the best sentences once, and counts for each (top, weight) on a grid how
often the first sentence holds a gold answer (the first sentence of an extractive answer). It reports the two
halves of the data apart (a weight that helps on one half only is noise), then — with ``--write`` — stores the best
pair, and checks the full answers (gold in the answer, in its first sentence, median length) on CMRC trial with the
re-weighing off and on. The README's figures come from ``answer_quality.py`` on CMRC dev and the ``:test`` halves.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
from pathlib import Path

import answer_data as A  # noqa: E402  (sets sys.path)
from jianghua.assistant import answerability as AN

OUT = Path(__file__).resolve().parent.parent / "assistant" / "answerability.json"
TOPS = (3, 5, 8, 12)
WEIGHTS = (0, 5, 10, 15, 20, 25, 30, 40, 60)


def dev_cases(limit: int | None) -> list[A.Case]:
    cases = A.cmrc_cases("trial", limit)
    for spec in ("seed:dev", "indomain:dev", "followups:dev"):
        cases += [c for c in A.eval_set_cases(spec) if c.answerable and c.gold]
    return cases


def collect(cases: list[A.Case], max_top: int) -> list[dict]:
    """Per case the first ``max_top`` sentences as ranked without re-weighing: score, gold label, cosine."""
    from tqdm import tqdm
    AN.models().sentence_dense = None
    apps: dict = {}
    rows = []
    for c in tqdm(cases, desc="weigh", unit="q", disable=not sys.stderr.isatty()):
        app = apps.get(c.kb) or apps.setdefault(c.kb, A.app_for(c.kb))
        turn = A.weigh_case(app, c)
        ev = turn.evidence
        if ev is None or not ev.decision.answer or not ev.ranked:
            continue
        head = ev.ranked[:max_top]
        sims = app.assistant.searcher.sentence_similarity(turn.standalone, [x.quote for x in head])
        if sims is None:
            raise SystemExit("dense search is off for these knowledge bases: nothing to fit")
        rows.append({"id": c.id, "set": c.set, "scores": [x.score for x in head], "sims": sims,
                     "gold": [A.answer_in(x.quote, c.gold) for x in head]})
    return rows


def first_gold(row: dict, top: int, weight: float) -> bool:
    n = min(top, len(row["scores"]))
    sims = row["sims"][:n]
    best = max(sims)

    def z(i):
        p = min(max(row["scores"][i], 1e-9), 1 - 1e-9)
        return math.log(p / (1 - p)) + weight * (sims[i] - best)
    order = sorted(range(n), key=lambda i: -z(i))
    return bool(row["gold"][order[0]])


def grid(rows: list[dict]) -> dict:
    halves = (rows[0::2], rows[1::2])
    out = {}
    for top in TOPS:
        for w in WEIGHTS:
            out[f"{top}/{w}"] = [sum(first_gold(r, top, w) for r in h) for h in halves]
    return out


def full_answers(limit: int | None) -> dict:
    """Gold in the answer / first sentence and median length on CMRC trial, as the product answers."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("answer_quality", Path(__file__).with_name("answer_quality.py"))
    aq = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(aq)
    _first_sentence, _plain_len = aq._first_sentence, aq._plain_len
    app = A.app_for("cmrc-trial")
    got = first = 0
    lens = []
    cases = A.cmrc_cases("trial", limit)
    for c in cases:
        r = A.ask_case(app, c)
        if r["trace"]["declined"]:
            continue
        got += A.answer_in(r["answer"], c.gold)
        first += A.answer_in(_first_sentence(r["answer"]), c.gold)
        lens.append(_plain_len(r["answer"]))
    n = len(cases)
    return {"gold_in_answer": round(got / n, 4), "gold_first_sentence": round(first / n, 4),
            "median_chars": statistics.median(lens) if lens else None, "cases": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="CMRC trial questions (default: all 1,000)")
    ap.add_argument("--write", action="store_true", help="store the best pair in answerability.json and check it")
    args = ap.parse_args()
    rows = collect(dev_cases(args.limit), max(TOPS))
    g = grid(rows)
    base = g[f"{TOPS[0]}/0"]
    print(f"{len(rows)} answered cases; first sentence holds gold without re-weighing: {sum(base)} "
          f"(halves {base[0]}/{base[1]})")
    for key, (a, b) in sorted(g.items(), key=lambda kv: -sum(kv[1])):
        print(f"top/weight {key:>6}: {a + b:5d}  (halves {a - base[0]:+d} / {b - base[1]:+d})")
    best = max(g, key=lambda k: (sum(g[k]), -int(k.split("/")[1]), -int(k.split("/")[0])))
    top, weight = (int(x) for x in best.split("/"))
    if not args.write:
        return
    d = json.loads(OUT.read_text(encoding="utf-8"))
    d["sentence_dense"] = {"top": top, "weight": weight, "fitted": {
        "date": dt.date.today().isoformat(), "on": "cmrc-trial + seed/indomain/followups :dev (answerable)",
        "answered_cases": len(rows), "first_sentence_gold": {"without": sum(base), "with": sum(g[best])},
        "grid": {k: sum(v) for k, v in g.items()}}}
    AN.models().sentence_dense = None
    d["sentence_dense"]["fitted"]["trial_answers"] = {"without": full_answers(args.limit)}
    OUT.write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    AN.models.cache_clear()
    d["sentence_dense"]["fitted"]["trial_answers"]["with"] = full_answers(args.limit)
    OUT.write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(d["sentence_dense"], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
