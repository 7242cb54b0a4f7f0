"""Fit the answer models (``assistant/answerability.json``) on development data only.

    python benchmarks/fit_answerability.py [--limit N] [--out assistant/answerability.json]

Development data (never the sets the README reports): CMRC 2018 *trial* questions asked of their own passages
(answerable) and of the seed and ``sets`` knowledge bases (not), the project's questions asked of the CMRC trial
passages (not), and the development halves (``:dev``) of ``seed``, ``indomain``, ``negatives`` and ``followups``.
Steps:
1. every case runs through the product's own chain up to the weighing (normalise, condense, retrieve, rank);
2. the sentence model: logistic regression over ``ranking.SENTENCE_FEATURES``, label = the sentence holds a gold
   answer (answerable cases whose passages hold one);
3. the sentences re-scored, the question-level features recomputed, and two answer models fitted (with and without
   dense features), label = the corpus can answer; each threshold maximises balanced accuracy on this data;
4. ``second_cut`` (when a second sentence joins the first) and ``context_chars`` (a shorter answer takes the
   sentences after its own), sentences chosen as the extractive answer chooses them: the pair with the most gold
   answers in the answer whose median answer stays ≤ 150 characters (``--second-cut-only`` refits just these two,
   the models kept); ``relevance_cut`` keeps 95% of correct answers relevant.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from pathlib import Path

import numpy as np

import answer_data as A  # noqa: E402  (sets sys.path)
from jianghua.assistant import answerability as AN
from jianghua.assistant import ranking as R

OUT = Path(__file__).resolve().parent.parent / "assistant" / "answerability.json"


EXTERNAL = ("cmrc-trial", "cross-trial")      # the other sets are the project's own, in-domain development halves


def case_weights(sets: list[str], y: np.ndarray, own_share: float | None) -> np.ndarray:
    """Per-case weights: each class weighs half; within a class, the project's own in-domain cases weigh
    ``own_share`` of it and CMRC/cross-corpus cases the rest (None: every case of a class alike — the in-domain cases
    are then ~7% of the data and their unanswerables barely move the fit)."""
    own = np.array([s not in EXTERNAL for s in sets])
    w = np.zeros(len(y))
    for label in (0.0, 1.0):
        cls = y == label
        if own_share is None or not (cls & own).any() or not (cls & ~own).any():
            w[cls] = 0.5 / max(1, cls.sum())
            continue
        w[cls & own] = 0.5 * own_share / (cls & own).sum()
        w[cls & ~own] = 0.5 * (1 - own_share) / (cls & ~own).sum()
    return w * len(y)


def fit_logistic(X: np.ndarray, y: np.ndarray, names, l2: float = 1.0, iters: int = 50,
                 weights: np.ndarray | None = None):
    """L2-regularised logistic regression by Newton's method on standardised features (``weights``: per case, e.g.
    ``case_weights``; None: every case alike)."""
    mean = X.mean(0)
    scale = X.std(0)
    scale[scale < 1e-6] = 1.0
    Z = (X - mean) / scale
    Z1 = np.hstack([Z, np.ones((len(Z), 1))])
    w = np.zeros(Z1.shape[1])
    sw = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    reg = np.full(Z1.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(Z1 @ w, -40, 40)))
        g = Z1.T @ (sw * (p - y)) + reg * w
        H = (Z1 * (sw * p * (1 - p))[:, None]).T @ Z1 + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return AN.Logistic(tuple(names), mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1]))


def best_threshold(p: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, dict]:
    """The cut maximising (weighted) balanced accuracy."""
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    best = (0.5, -1.0, {})
    pos, neg = y == 1, y == 0
    for t in np.linspace(0.05, 0.95, 91):
        tpr = float((w[pos] * (p[pos] >= t)).sum() / w[pos].sum()) if pos.any() else 0.0
        tnr = float((w[neg] * (p[neg] < t)).sum() / w[neg].sum()) if neg.any() else 0.0
        if tpr + tnr > best[1]:
            best = (float(t), tpr + tnr, {"answered_answerable": round(tpr, 4), "declined_unanswerable": round(tnr, 4)})
    return best[0], best[2]


def fit_cases() -> list[A.Case]:
    cases = A.cmrc_cases("trial") + A.cross_cases("trial", limit=300)
    for spec in ("seed:dev", "indomain:dev", "negatives:dev", "followups:dev"):
        cases += A.eval_set_cases(spec, kb="seed" if spec.startswith("seed") else "sets")
    return cases


CONTEXT_CHARS = (0, 100, 120, 130, 140, 150, 160)


def fit_second_cut(ans: list) -> tuple[float, int, dict, dict]:
    """``second_cut`` and ``context_chars``: the pair with the most gold answers in the answer (sentences chosen as
    the extractive answer chooses them) whose median answer stays ≤ 150 characters (ties: the higher cut, the
    shorter context); the grid ("cut/context": [share, median]); the ranking ceiling."""
    from jianghua.assistant.extractive import ExtractiveGenerator
    gen = ExtractiveGenerator()
    grid = {}
    for ctx in CONTEXT_CHARS:
        for cut in sorted({*np.linspace(0.0, 1.0, 21).round(3), 0.01, 0.02, 0.03, 0.04}):
            got, lengths = 0, []
            for c, t in ans:
                text = "".join(s.quote for s in gen.brief(t.evidence.ranked, float(cut), question=t.evidence.question,
                                                          context_chars=ctx))
                got += A.answer_in(text, c.gold)
                lengths.append(len(text))
            grid[(round(float(cut), 3), ctx)] = (got / max(1, len(ans)), statistics.median(lengths) if lengths else 0)
    ceiling = {"any_candidate": sum(any(A.answer_in(k.quote, c.gold) for k in t.evidence.ranked) for c, t in ans),
               **{f"top{n}": sum(any(A.answer_in(k.quote, c.gold) for k in t.evidence.ranked[:n]) for c, t in ans)
                  for n in (1, 2, 3)}, "cases": len(ans)}
    ok = {k: v for k, v in grid.items() if v[1] <= 150} or grid
    second_cut, context_chars = max(ok, key=lambda k: (ok[k][0], k[0], -k[1]))
    return second_cut, context_chars, {f"{k[0]}/{k[1]}": [round(v[0], 4), v[1]] for k, v in grid.items()}, ceiling


def refit_second_cut(runs: list, out_path: Path) -> int:
    """``--second-cut-only``: the stored models and relevance_cut kept, ``second_cut`` refitted."""
    from jianghua.index.kb import atomic_write
    ans = [(c, t) for c, t in runs if c.answerable and c.gold and t.evidence.ranked]
    second_cut, context_chars, grid, ceiling = fit_second_cut(ans)
    out = json.loads(out_path.read_text(encoding="utf-8"))
    out["second_cut"] = second_cut
    out["context_chars"] = context_chars
    out["fitted_on"].pop("second_cut_grid", None)
    out["fitted_on"]["second_cut_context_grid"] = grid
    out["fitted_on"]["second_cut_refitted"] = {"date": dt.date.today().isoformat(), "cases": len(ans),
                                               "sentence_ranking": ceiling}
    atomic_write(out_path, json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(f"second_cut {second_cut} context_chars {context_chars} (models kept) → {out_path}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, help="at most N CMRC trial questions (quick runs)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--own-share", type=float, default=None,
                    help="weight of the in-domain development cases within each class (default: as many as they are)")
    ap.add_argument("--rows", type=Path, help="also write each case's set, label and answer features (JSON lines)")
    ap.add_argument("--second-cut-only", action="store_true",
                    help="keep the stored models and relevance_cut; refit second_cut for the current composer")
    args = ap.parse_args(argv)
    from tqdm import tqdm

    cases = fit_cases()
    if args.limit:
        cmrc = [c for c in cases if c.set == "cmrc-trial"][: args.limit]
        cases = cmrc + [c for c in cases if c.set != "cmrc-trial"]
    runs = []
    apps = {}
    for c in tqdm(cases, desc="weighing", unit="q"):
        app = apps.get(c.kb) or apps.setdefault(c.kb, A.app_for(c.kb))
        turn = A.weigh_case(app, c)
        runs.append((c, turn))

    if args.second_cut_only:
        return refit_second_cut(runs, args.out)

    # 2. the sentence model
    Xs, ys = [], []
    for c, t in runs:
        if not c.answerable or not c.gold:
            continue
        labels = [A.answer_in(k.quote, c.gold) for k in t.evidence.ranked]
        if not any(labels):
            continue
        for k, lab in zip(t.evidence.ranked, labels):
            Xs.append([k.features[f] for f in R.SENTENCE_FEATURES])
            ys.append(1.0 if lab else 0.0)
    sentence = fit_logistic(np.array(Xs), np.array(ys), R.SENTENCE_FEATURES)

    # 3. the answer models, on features recomputed with the new sentence model
    rows = []
    for c, t in runs:
        ev = t.evidence
        R.score(ev.ranked, sentence)
        x = AN.features(ev.question, ev.ranked, t.hits, ev.dense, ev.kind)
        rows.append((c, t, x))
    y = np.array([1.0 if c.answerable else 0.0 for c, _, _ in rows])
    if args.rows:
        A.dump(args.rows, [{"id": c.id, "set": c.set, "answerable": c.answerable, "x": x} for c, _, x in rows])
    fitted = {}
    report = {}
    for name, feats, keep in (("answer_dense", AN.ANSWER_FEATURES, lambda x: "dense_top" in x),
                              ("answer_lexical", AN.LEXICAL_FEATURES, lambda x: True)):
        idx = [i for i, (_, _, x) in enumerate(rows) if keep(x)]
        X = np.array([[rows[i][2].get(f, 0.0) for f in feats] for i in idx])
        w = case_weights([rows[i][0].set for i in idx], y[idx], args.own_share)
        model = fit_logistic(X, y[idx], feats, weights=w)
        p = np.array([model.prob(rows[i][2]) for i in idx])
        model.threshold, report[name] = best_threshold(p, y[idx], w)
        report[name]["cases"] = len(idx)
        fitted[name] = model

    # 4. second_cut and relevance_cut, on the answerable cases the dense model answers
    ans = [(c, t) for c, t, x in rows if c.answerable and c.gold and t.evidence.ranked]
    second_cut, context_chars, grid, report["sentence_ranking"] = fit_second_cut(ans)
    covs = []
    for c, t in ans:
        for k in t.evidence.ranked[:3]:
            if A.answer_in(k.quote, c.gold):
                h = k.source.hit
                covs.append(t.evidence.question.coverage(f"{k.quote} {h.chunk.text}"))
                break
    relevance_cut = float(np.percentile(covs, 5)) if covs else 0.3

    counts = {}
    for c, _, _ in rows:
        counts[c.set] = counts.get(c.set, 0) + 1
    out = {
        "note": "fitted by benchmarks/fit_answerability.py on development data only; do not edit by hand",
        "fitted_on": {"date": dt.date.today().isoformat(), "cases": counts, "own_share": args.own_share,
                      "sentence_rows": len(ys),
                      "report": report, "second_cut_context_grid": grid},
        "second_cut": second_cut,
        "context_chars": context_chars,
        "relevance_cut": round(relevance_cut, 4),
        "sentence": sentence.to_dict(),
        "answer_dense": fitted["answer_dense"].to_dict(),
        "answer_lexical": fitted["answer_lexical"].to_dict(),
    }
    if args.out.exists():          # fitted apart (benchmarks/fit_sentence_dense.py): kept until refitted there
        kept = json.loads(args.out.read_text(encoding="utf-8")).get("sentence_dense")
        if kept:
            out["sentence_dense"] = kept
    from jianghua.index.kb import atomic_write
    atomic_write(args.out, json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps({k: out["fitted_on"][k] for k in ("cases", "report")}, ensure_ascii=False, indent=1))
    print(f"second_cut {second_cut}  context_chars {context_chars}  relevance_cut {relevance_cut:.3f}  → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
