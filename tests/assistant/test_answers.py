"""Answers over the seed evaluation set (extractive generator, the default): the gold fact is in the answer, the
cited documents include a gold one, unanswerable questions are declined.

Thresholds: the product target for the gold-fact share is 0.9; the lead measured ~0.87–0.9 and tunes toward it.
The floor here is 0.85 and must not be lowered.
"""
from __future__ import annotations

import re

MIN_GOLD_FACT = 0.85
MIN_GOLD_DOC = 0.85
MIN_DECLINED_UNANSWERABLE = 10
OFF_TOPIC = "红烧肉怎么做才好吃？"


def _plain(text: str) -> str:
    """Markers removed, whitespace removed: how a gold span is looked for in an answer."""
    return re.sub(r"\s+", "", re.sub(r"\[\d+\]", "", text or ""))


def _report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\n[seed set] {line}")


def test_answers_gold_fact_share(seed_answers, seed_set, capsys):
    answerable = [(q, r) for q, r in seed_answers.values() if q.answerable]
    assert len(answerable) == 54
    hits, misses = 0, []
    for q, r in answerable:
        spans = [_plain(x.answer) for x in seed_set.qrels_for(q.id)]
        assert spans and all(spans), q.id
        answer = _plain(r["answer"])
        if not r["trace"]["declined"] and any(s in answer for s in spans):
            hits += 1
        else:
            misses.append(f"{q.id}({q.type}{', declined' if r['trace']['declined'] else ''})")
    share = hits / len(answerable)
    _report(capsys, f"gold fact {hits}/{len(answerable)} = {share:.3f}; misses: {', '.join(misses) or 'none'}")
    assert share >= MIN_GOLD_FACT, f"gold-fact share {share:.3f} < {MIN_GOLD_FACT}; misses: {misses}"


def test_answers_cite_a_gold_document(seed_answers, seed_set, doc_stem, capsys):
    answered = [(q, r) for q, r in seed_answers.values() if q.answerable and not r["trace"]["declined"]]
    assert answered
    misses = []
    for q, r in answered:
        gold = {x.doc for x in seed_set.qrels_for(q.id)}
        assert gold <= set(doc_stem.values()), f"{q.id}: gold document not in the seed KB: {gold}"
        cited = {doc_stem[c["doc_id"]] for c in r["citations"]}
        if not cited & gold:
            misses.append(q.id)
    share = 1 - len(misses) / len(answered)
    _report(capsys, f"gold document cited in {len(answered) - len(misses)}/{len(answered)} answered = {share:.3f}; "
                    f"misses: {', '.join(misses) or 'none'}")
    assert share >= MIN_GOLD_DOC, f"gold-document share {share:.3f} < {MIN_GOLD_DOC}; misses: {misses}"


def test_answers_unanswerable_declined(seed_answers, capsys):
    unanswerable = [(q, r) for q, r in seed_answers.values() if not q.answerable]
    assert len(unanswerable) == 12
    declined = [(q, r) for q, r in unanswerable if r["trace"]["declined"]]
    answered = [q.id for q, r in unanswerable if not r["trace"]["declined"]]
    _report(capsys, f"unanswerable declined {len(declined)}/12; answered anyway: {', '.join(answered) or 'none'}")
    assert len(declined) >= MIN_DECLINED_UNANSWERABLE, f"answered anyway: {answered}"
    for q, r in declined:
        assert r["citations"] == [], q.id
        assert not re.search(r"\[\d+\]", r["answer"]), q.id
        assert r["closest"], f"{q.id}: a declined answer must offer the closest passages"
        assert all(c["chunk_id"] and c["text"] for c in r["closest"]), q.id


def test_answers_declined_answers_of_the_set_are_consistent(seed_answers):
    """Whatever was declined (answerable or not) carries no citations and offers closest passages; whatever was
    answered carries citations and no closest list."""
    for q, r in seed_answers.values():
        if r["trace"]["declined"]:
            assert r["citations"] == [] and r["closest"], q.id
        else:
            assert r["citations"] and r["closest"] == [], q.id


def test_answers_off_topic_declined(seed_app):
    r = seed_app.ask(OFF_TOPIC)
    assert r["trace"]["declined"] is True, r["answer"]
    assert r["citations"] == []
    assert r["closest"]
    assert not re.search(r"\[\d+\]", r["answer"])
