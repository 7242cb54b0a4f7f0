"""Run an evaluation set through the application object and collect metrics (definitions: evals/metrics.py).

``run_eval`` pins one knowledge-base version for the whole run (a promotion meanwhile changes nothing), and asks
exactly what users ask: ``Jianghua.search`` for retrieval, ``Jianghua.ask`` for answers, ``Jianghua.draft`` for
drafts. Retrieval of a follow-up question searches the earlier user turns joined with the question (search has no
conversation of its own). Unanswerable questions count only for abstention.
"""
from __future__ import annotations

import importlib.util
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from jianghua.evals import metrics as M
from jianghua.evals.data import EvalSet, Query, load_set
from jianghua.evals.golds import apply_accepted
from jianghua.errors import JianghuaError

K = 10
RETRIEVAL = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWERS = ("gold_fact", "answer_recall", "context_recall", "citation_precision", "faithfulness", "abstention_accuracy",
           "false_abstention")
DRAFTS = ("draft_structure", "draft_measures_cited", "draft_terms", "draft_numbers_grounded", "draft_length_error")
LOWER_IS_BETTER = {"false_abstention", "draft_length_error"}


class Evaluated(Protocol):
    """What the runner evaluates: the application object (``jianghua.app.Jianghua`` satisfies it). ``kb`` resolves
    versions and reads the documents and passages of the version evaluated."""
    settings: object
    kb: object

    def search(self, query: str, k: int = 5, version=None, mode: str = "hybrid") -> dict: ...

    def ask(self, question: str, history: list[dict] | None = None, version=None) -> dict: ...

    def draft(self, topic: str, occasion: str | None = None, length: int = 600, version=None) -> dict: ...


@dataclass
class EvalResult:
    set_name: str
    version: int
    mode: str
    metrics: dict[str, float | None]
    counts: dict[str, int]
    rows: list[dict] = field(default_factory=list)
    drafts: list[dict] = field(default_factory=list)
    latency: dict[str, dict] = field(default_factory=dict)
    by_type: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "EvalResult":
        return cls(**d)


@dataclass
class Comparison:
    a: EvalResult
    b: EvalResult
    deltas: dict[str, float | None]             # b − a, per metric
    latency_deltas: dict[str, float | None]     # b − a, p50 per stage (ms)

    def to_dict(self) -> dict:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "deltas": self.deltas,
                "latency_deltas": self.latency_deltas}


def assistant_available() -> bool:
    return importlib.util.find_spec("jianghua.assistant.chain") is not None


def replay(app, q: Query, version=None) -> list[dict]:
    """The query's history, with the assistant's own answer filled in after each user turn that has none: a
    follow-up set may give only the user's first question, and the second is asked after the product's answer."""
    out: list[dict] = []
    for i, t in enumerate(q.history):
        out.append(dict(t))
        nxt = q.history[i + 1] if i + 1 < len(q.history) else None
        if t.get("role") == "user" and (nxt is None or nxt.get("role") != "assistant"):
            out.append({"role": "assistant",
                        "content": app.ask(str(t.get("content", "")), out[:-1], version=version).get("answer", "")})
    return out


def search_text(q: Query) -> str:
    earlier = [t["content"] for t in q.history if t.get("role") == "user"]
    return " ".join([*earlier, q.text])


def _timings(trace: dict | None) -> dict[str, float]:
    t = (trace or {}).get("timings") or {}
    return {k: float(v) for k, v in t.items() if isinstance(v, (int, float))}


def run_eval(app: Evaluated, eval_set: EvalSet | str | Path | None = None, version=None, progress: bool = True,
             mode: str = "hybrid", answers: bool | None = None, drafts: bool | None = None,
             on_step: Callable[[int, int], None] | None = None) -> EvalResult:
    """Evaluate one version (default: the serving one). ``answers``/``drafts``: None = when the assistant exists.
    ``on_step(done, total)``: called after each query and draft (for progress bars other than tqdm's)."""
    t_start = time.perf_counter()
    es = eval_set if isinstance(eval_set, EvalSet) else load_set(eval_set)
    kb = app.kb
    es = apply_accepted(es, kb)          # the golds a reviewer accepted for this knowledge base
    v = kb.resolve(version)
    have_assistant = assistant_available()
    answers = have_assistant if answers is None else answers
    drafts = have_assistant if drafts is None else drafts
    if (answers or drafts) and not have_assistant:
        raise JianghuaError("the assistant (assistant.chain) is not installed: evaluate retrieval only")
    notes = [] if have_assistant else ["the assistant is not installed: answer and draft metrics not evaluated"]

    stem = {d["doc_id"]: Path(d["source"]).stem for d in kb.documents(v)}
    ids_of: dict[str, set[str]] = {}
    for doc_id, s in stem.items():
        ids_of.setdefault(s, set()).add(doc_id)
    missing = sorted({r.doc for rs in es.qrels.values() for r in rs} - set(ids_of))
    if missing:
        notes.append(f"gold documents not in version {v}: {', '.join(missing)}")
    vchunks = kb.store.version_chunk_texts(v)
    chunks = [(stem.get(d, ""), t) for _, d, t in vchunks]
    chunk_by_id = {cid: (stem.get(d, ""), t) for cid, d, t in vchunks}
    doc_text_cache: dict[str, str] = {}

    def doc_text(doc_id: str) -> str:
        if doc_id not in doc_text_cache:
            doc_text_cache[doc_id] = kb.document(doc_id).text if doc_id in stem else ""
        return doc_text_cache[doc_id]

    lat: dict[str, list[float]] = {}

    def timed(kind: str, fn, *a, **kw):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        lat.setdefault(f"{kind}.wall_ms", []).append((time.perf_counter() - t0) * 1000)
        for stage, ms in _timings(out.get("trace")).items():
            lat.setdefault(f"{kind}.{stage}", []).append(ms)
        return out

    total = len(es.queries) + (len(es.drafts) if drafts else 0)
    from tqdm import tqdm
    bar = tqdm(total=total, desc=f"eval {es.name} v{v} {mode}", unit="q", disable=not progress)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        bar.update()
        if on_step is not None:
            on_step(done, total)

    rows = []
    coverage = 1.0
    for q in es.queries:
        row: dict = {"id": q.id, "type": q.type}
        qrels = [(r.doc, r.answer) for r in es.qrels_for(q.id)]
        if q.answerable:
            res = timed("search", app.search, search_text(q), K, version=v, mode=mode)
            if res["trace"].get("embedded") is not None:
                coverage = min(coverage, res["trace"].get("dense_coverage", 1.0))
            hits = [(stem.get(h["doc_id"], ""), h["text"]) for h in res["hits"]]
            found = M.match_answers(hits, qrels)
            n_rel = sum(1 for f in M.match_answers(chunks, qrels) if f)
            row.update({f"recall@{k}": M.recall_at_k(found, len(qrels), k) for k in (1, 5, 10)})
            row.update({"mrr@10": M.mrr_at_k(found), "ndcg@10": M.ndcg_at_k(found, n_rel), "rank": M.first_rank(found),
                        "relevant_chunks": n_rel, "hits": [h["chunk_id"] for h in res["hits"]]})
        if answers:
            out = timed("ask", app.ask, q.text, replay(app, q, v), version=v)
            declined = bool((out.get("trace") or {}).get("declined"))
            row.update({"declined": declined, "answer": out.get("answer", ""), "text": q.text,
                        "citations": [{k: c.get(k) for k in ("n", "doc_id", "title", "quote")}
                                      for c in out.get("citations") or []]})
            sents = [] if declined else out.get("sentences") or []
            row["supported_sentences"] = [sum(bool(s.get("supported")) for s in sents), len(sents)]
            if q.answerable:
                golds = [a for _, a in qrels]
                gold_ids = set().union(*(ids_of.get(d, set()) for d, _ in qrels))
                cits = out.get("citations") or []
                used = [chunk_by_id.get(h.get("chunk_id"), ("", "")) for h in (out.get("trace") or {}).get("hits", [])]
                ok = M.citations_correct(cits, gold_ids, {c.get("doc_id"): doc_text(c.get("doc_id")) for c in cits})
                row.update({"gold_fact": (not declined) and M.gold_fact(out.get("answer", ""), golds),
                            "answer_recall": 0.0 if declined else M.answer_recall(out.get("answer", ""), golds),
                            "context_recall": M.recall_at_k(M.match_answers(used, qrels), len(qrels), len(used)),
                            "citations_correct": [sum(ok), len(ok)]})
        rows.append(row)
        step()

    draft_rows = []
    if drafts:
        for case in es.drafts:
            out = timed("draft", app.draft, case.topic, case.occasion, case.length, version=v)
            text = out.get("draft", "")
            st = M.draft_structure(text)
            quotes = [c.get("quote") or "" for c in out.get("citations") or []]
            draft_rows.append({"id": case.id, "structure": st["ok"], "measures": len(st["measures"]),
                               "measures_cited": M.measures_cited(st["measures"], out.get("sentences") or []),
                               "terms": M.terms_share(text, case.terms),
                               "numbers_grounded": M.numbers_grounded(text, quotes),
                               "length": M.draft_length(text), "length_error": M.length_error(text, case.length)})
            step()
    bar.close()

    if coverage < 1.0:
        notes.append(f"dense search covered only {coverage:.0%} of version {v}'s chunks (not all embedded yet)")
    metrics = _aggregate(rows, draft_rows, answers, drafts)
    by_type = {}
    for typ in sorted({r["type"] for r in rows}):
        sub = _aggregate([r for r in rows if r["type"] == typ], [], answers, False)
        by_type[typ] = {k: sub[k] for k in ("recall@5", "mrr@10", "gold_fact", "faithfulness", "abstention_accuracy")
                        if sub.get(k) is not None}
    counts = {"queries": len(rows), "answerable": sum(q.answerable for q in es.queries),
              "unanswerable": sum(not q.answerable for q in es.queries), "drafts": len(draft_rows)}
    s = app.settings
    if mode == "hybrid" and (s.dense_weight == 0 or s.keyword_weight == 0):   # name what actually ran
        mode = "keyword" if s.dense_weight == 0 else "dense"
    config = {"embedder": s.embedder, "keyword_weight": s.keyword_weight, "dense_weight": s.dense_weight,
              "k": K, "set": str(es.root), "answers": bool(answers), "drafts": bool(drafts)}
    return EvalResult(es.name, v, mode, metrics, counts, rows, draft_rows, M.latency_summary(lat), by_type, notes,
                      config, round(time.perf_counter() - t_start, 3))


def evaluate_versions(app: Evaluated, es: EvalSet, versions: list[int], *, progress: bool = False,
                      on_progress: Callable[[int, int], None] | None = None, **kw) -> list[EvalResult]:
    """Each of ``versions`` evaluated on one set, in order (the one way two versions are compared: ``compare`` the
    results). ``on_progress(done, total)`` counts the queries and drafts of all runs; ``kw`` goes to ``run_eval``."""
    results = []
    for i, v in enumerate(versions):
        step = None if on_progress is None else (
            lambda done, total, i=i: on_progress(i * total + done, len(versions) * total))
        results.append(run_eval(app, es, version=v, progress=progress, on_step=step, **kw))
    return results


def _aggregate(rows: list[dict], draft_rows: list[dict], answers: bool, drafts: bool) -> dict[str, float | None]:
    ans = [r for r in rows if r["type"] != "unanswerable"]
    out: dict[str, float | None] = {m: M.mean(r.get(m) for r in ans) for m in RETRIEVAL}
    if answers:
        unans = [r for r in rows if r["type"] == "unanswerable"]
        cit = [r["citations_correct"] for r in ans]
        sup = [r["supported_sentences"] for r in rows]
        out.update({
            "gold_fact": M.mean(r["gold_fact"] for r in ans),
            "answer_recall": M.mean(r["answer_recall"] for r in ans),
            "context_recall": M.mean(r["context_recall"] for r in ans),
            "citation_precision": sum(c[0] for c in cit) / sum(c[1] for c in cit) if sum(c[1] for c in cit) else None,
            "faithfulness": sum(s[0] for s in sup) / sum(s[1] for s in sup) if sum(s[1] for s in sup) else None,
            "abstention_accuracy": M.mean(r["declined"] for r in unans),
            "false_abstention": M.mean(r["declined"] for r in ans)})
    else:
        out.update(dict.fromkeys(ANSWERS))
    if drafts:
        out.update({"draft_structure": M.mean(r["structure"] for r in draft_rows),
                    "draft_measures_cited": M.mean(r["measures_cited"] for r in draft_rows),
                    "draft_terms": M.mean(r["terms"] for r in draft_rows),
                    "draft_numbers_grounded": M.mean(r["numbers_grounded"] for r in draft_rows),
                    "draft_length_error": M.mean(r["length_error"] for r in draft_rows)})
    else:
        out.update(dict.fromkeys(DRAFTS))
    return out


def compare(a: EvalResult, b: EvalResult) -> Comparison:
    """``b`` against ``a``: deltas b − a (None where either side was not evaluated)."""
    deltas = {k: (b.metrics[k] - a.metrics[k]) if a.metrics.get(k) is not None and b.metrics.get(k) is not None
              else None for k in a.metrics}
    lat = {k: (b.latency[k]["p50"] - a.latency[k]["p50"]) if k in b.latency else None for k in a.latency}
    return Comparison(a, b, deltas, lat)


# -- renderers --------------------------------------------------------------------------------------------------
def to_json(x: EvalResult | Comparison, rows: bool = True) -> dict:
    d = x.to_dict()
    if not rows:
        for r in ([d["a"], d["b"]] if isinstance(x, Comparison) else [d]):
            r.pop("rows"), r.pop("drafts")
    return d


def _f(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "—"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def _label(r: EvalResult) -> str:
    return f"v{r.version} ({r.mode})"


def to_markdown(x: EvalResult | Comparison) -> str:
    if isinstance(x, EvalResult):
        lines = [f"**{x.set_name}** — version {x.version}, {x.mode}, {x.counts['queries']} queries "
                 f"({x.counts['unanswerable']} unanswerable), {x.counts['drafts']} drafts, {x.elapsed_s:.1f} s", "",
                 f"| metric | {_label(x)} |", "|---|---:|"]
        lines += [f"| {k} | {_f(v)} |" for k, v in x.metrics.items() if v is not None]
        if x.latency:
            lines += ["", "| stage | p50 ms | p95 ms | n |", "|---|---:|---:|---:|"]
            lines += [f"| {k} | {v['p50']:.1f} | {v['p95']:.1f} | {v['n']} |" for k, v in x.latency.items()]
        notes = x.notes
    else:
        a, b = x.a, x.b
        lines = [f"**{a.set_name}** — {_label(a)} vs {_label(b)}", "",
                 f"| metric | {_label(a)} | {_label(b)} | Δ |", "|---|---:|---:|---:|"]
        for k, d in x.deltas.items():
            if a.metrics.get(k) is None and b.metrics.get(k) is None:
                continue
            worse = d is not None and (d > 0 if k in LOWER_IS_BETTER else d < 0) and abs(d) > 1e-9
            lines.append(f"| {k} | {_f(a.metrics.get(k))} | {_f(b.metrics.get(k))} | {_f(d, True)}{' ▼' if worse else ''} |")
        if a.latency:
            lines += ["", f"| stage p50 ms | {_label(a)} | {_label(b)} | Δ |", "|---|---:|---:|---:|"]
            for k, d in x.latency_deltas.items():
                bv = b.latency.get(k, {}).get("p50")
                lines.append(f"| {k} | {a.latency[k]['p50']:.1f} | {'—' if bv is None else f'{bv:.1f}'} | "
                             f"{'—' if d is None else f'{d:+.1f}'} |")
        notes = list(dict.fromkeys(a.notes + b.notes))
    lines += [""] + [f"_note: {n}_" for n in notes] if notes else []
    return "\n".join(lines)
