"""Reviewing an update question by question: which questions a candidate version answers differently from the
serving one, which of those changed because of a document the candidate adds, and the reviewer's acceptance of a
change as the question's new gold.

Accepted golds belong to the knowledge base, not to the bundled set (``evals.golds``): ``run_eval`` applies them
to every evaluation of that knowledge base (the gate's too), so a question a new speech made answerable counts as
answerable from then on.
"""
from __future__ import annotations

import datetime as dt
from difflib import SequenceMatcher
from pathlib import Path

from jianghua.evals.data import EvalSet
from jianghua.evals.golds import add_accepted, base_name
from jianghua.evals.metrics import strip_markers
from jianghua.errors import InputError

def outcome(row: dict) -> str:
    """A question's outcome in one run, for telling what changed."""
    if row.get("declined"):
        return "declined"
    if row.get("type") == "unanswerable":
        return "answered"                    # should have been declined
    return "correct" if row.get("gold_fact") else "wrong"


def differences(before: dict, after: dict, added_docs: dict[str, str]) -> list[dict]:
    """Per question whose outcome or answer differs between two runs' rows (``before``: serving, ``after``:
    candidate): both answers and citations, and the added documents (doc_id → title) the new answer cites."""
    old = {r["id"]: r for r in before.get("rows", [])}
    out = []
    for new in after.get("rows", []):
        prev = old.get(new["id"])
        if prev is None:
            continue
        o, n = outcome(prev), outcome(new)
        if o == n and prev.get("answer") == new.get("answer"):
            continue
        ids = sorted({c["doc_id"] for c in new.get("citations", []) if c.get("doc_id") in added_docs})
        out.append({"id": new["id"], "text": new.get("text", ""), "type": new.get("type"), "before": o, "after": n,
                    "outcome_changed": o != n, "answer_before": prev.get("answer", ""),
                    "answer_after": new.get("answer", ""), "citations_before": prev.get("citations", []),
                    "citations_after": new.get("citations", []), "added_ids": ids,
                    "added_documents": [added_docs[i] for i in ids]})
    return out


def document_changes(serving: list[dict], candidate: list[dict]) -> dict[str, list[dict]]:
    """The candidate's documents against the serving version's: added, replaced (same source, new content) and
    removed; each a document row as ``KnowledgeBase.documents`` gives it."""
    old = {d["doc_id"]: d for d in serving}
    new = {d["doc_id"]: d for d in candidate}
    gone = [old[i] for i in old if i not in new]
    came = [new[i] for i in new if i not in old]
    by_source = {d["source"]: d for d in gone}
    replaced = [dict(d, replaces=by_source[d["source"]]["doc_id"]) for d in came if d["source"] in by_source]
    kept = {d["replaces"] for d in replaced}
    return {"added": [d for d in came if d["source"] not in by_source], "replaced": replaced,
            "removed": [d for d in gone if d["doc_id"] not in kept]}


def review(app, candidate, baseline, set_path=None, progress_cb=None) -> dict:
    """Evaluate ``candidate`` and ``baseline`` on the configured set (or ``set_path``); the comparison, the
    documents the candidate changes and the questions it answers differently. The application object's ``review``
    runs this one evaluation at a time."""
    from jianghua.evals.data import configured_set, load_set
    from jianghua.evals.runner import compare, evaluate_versions, to_json, to_markdown
    es = load_set(set_path if set_path is not None else configured_set(app.settings))
    kb = app.kb
    runs = [kb.resolve(candidate), kb.resolve(baseline)]
    after, before = evaluate_versions(app, es, runs, on_progress=progress_cb)
    cmp = compare(before, after)
    docs_c, docs_b = kb.documents(runs[0]), kb.documents(runs[1])
    changes = document_changes(docs_b, docs_c)
    added = {d["doc_id"]: d["title"] for d in changes["added"] + changes["replaced"]}
    return {"result": to_json(after, rows=False), "comparison": to_json(cmp, rows=False), "markdown": to_markdown(cmp),
            "documents": changes, "questions": differences(before.to_dict(), after.to_dict(), added),
            "set": es.name, "candidate": runs[0], "serving": runs[1],
            "stems": {d["doc_id"]: Path(d["source"]).stem for d in docs_c}}


def _span(answer: str, quote: str) -> str:
    """The longest run of ``quote`` (document text) that the answer also holds: a gold both the passage and the
    answer contain."""
    text = strip_markers(answer)
    m = SequenceMatcher(None, quote, text, autojunk=False).find_longest_match(0, len(quote), 0, len(text))
    return quote[m.a:m.a + m.size].strip("，。；：、 ")


def accept(kb, es: EvalSet, diff: dict, stems: dict[str, str], who: str, candidate: int, serving: int) -> dict:
    """Record the candidate's answer to ``diff``'s question as its gold: declined → unanswerable; answered → the
    document it cites (an added one first) and the passage span the answer holds. ``stems``: doc_id → the stem the
    runner names it by. Returns the record."""
    who = (who or "").strip()
    if not who:
        raise InputError("the reviewer's name is empty: say who accepts the change")
    q = next((q for q in es.queries if q.id == diff["id"]), None)
    if q is None:
        raise InputError(f"no question {diff['id']!r} in the evaluation set {es.name}")
    before = {"type": q.type, "qrels": [{"doc": r.doc, "answer": r.answer} for r in es.qrels_for(q.id)]}
    if diff["after"] == "declined":
        after = {"type": "unanswerable", "qrels": []}
    else:
        cites = sorted(diff["citations_after"], key=lambda c: c.get("doc_id") not in diff.get("added_ids", ()))
        golds = []
        for c in cites:
            span = _span(diff["answer_after"], c.get("quote") or "")
            if len(span) >= 6 and c.get("doc_id") in stems:
                golds.append({"doc": stems[c["doc_id"]], "answer": span})
                break
        if not golds:
            raise InputError(f"question {q.id}: the new answer holds no passage text to keep as gold")
        after = {"type": q.type if q.type != "unanswerable" else "fact", "qrels": golds}
    record = {"set": base_name(es.name), "query_id": q.id, "text": q.text, "before": before, "after": after,
              "accepted_by": who, "accepted_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "candidate": candidate, "serving": serving, "added_documents": diff.get("added_documents", [])}
    add_accepted(kb, record)
    return record
