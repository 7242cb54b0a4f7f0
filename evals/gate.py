"""The promotion gate: a candidate version may serve only if no headline metric falls by more than the tolerance.

Both versions are evaluated now, on the same set (``settings.eval_set`` / $JIANGHUA_EVAL_SET, else the seed set),
through the same application object. Answer metrics are compared only when the assistant is installed; a metric
that either side could not measure is listed as skipped, never counted as a drop.
"""
from __future__ import annotations

from jianghua.evals.data import configured_set, load_set
from jianghua.evals.runner import Evaluated, compare, evaluate_versions, to_markdown

HEADLINE = ("recall@5", "mrr@10", "gold_fact", "faithfulness", "abstention_accuracy")


def run_gate(app: Evaluated, candidate: int, serving: int, progress: bool = False,
             eval_set=None) -> tuple[bool, dict]:
    """``(ok, report)``; report: message, tolerance, drops, skipped, both results and their comparison. The caller
    hands this to ``index.versions.promote`` (storage does not call the evaluator)."""
    tol = float(app.settings.gate_tolerance)
    es = load_set(eval_set if eval_set is not None else configured_set(app.settings))
    before, after = evaluate_versions(app, es, [serving, candidate], progress=progress)
    cmp = compare(before, after)
    drops, skipped = [], []
    for m in HEADLINE:
        a, b = before.metrics.get(m), after.metrics.get(m)
        if a is None or b is None:
            skipped.append(m)
        elif a - b > tol + 1e-12:
            drops.append({"metric": m, "serving": a, "candidate": b, "delta": b - a})
    ok = not drops
    if ok:
        message = (f"version {candidate} passes the gate against version {serving} on set {es.name!r} "
                   f"(tolerance {tol:g})")
    else:
        named = "; ".join(f"{d['metric']} {d['serving']:.3f} → {d['candidate']:.3f}" for d in drops)
        message = (f"version {candidate} regressed against serving version {serving} on set {es.name!r} "
                   f"(tolerance {tol:g}): {named}. Fix the candidate, or promote with --force")
    report = {"ok": ok, "message": message, "set": es.name, "tolerance": tol, "headline": list(HEADLINE),
              "drops": drops, "skipped": skipped, "serving": before.to_dict(), "candidate": after.to_dict(),
              "deltas": cmp.deltas, "markdown": to_markdown(cmp)}
    for r in (report["serving"], report["candidate"]):   # the report is stored in versions.eval: keep it small
        r.pop("rows"), r.pop("drafts")
    return ok, report
