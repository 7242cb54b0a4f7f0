"""Answers over the seed evaluation set (extractive generator, the default): the gold fact is in the answer, the
cited documents include a gold one, unanswerable questions are declined.

Floors. Until 2026-12 the answering rules were regular expressions written against these 66 questions (0.907
gold fact, 12/12 declined). They were replaced by models fitted on other data (CMRC 2018 trial, the ``:dev`` halves;
``benchmarks/fit_answerability.py``), which measure 43/54 = 0.796 gold fact and 5/12 in-domain unanswerables declined
on this set; the floors sit just below that. The figures the README reports come from ``benchmarks/answer_quality.py``
on sets nothing was fitted on. Cross-corpus questions (CMRC 2018 dev asked of the speeches) must be declined.
"""
from __future__ import annotations

import re

import pytest

from jianghua.samples import SEEDS

MIN_GOLD_FACT = 0.75
MIN_GOLD_DOC = 0.85
MIN_DECLINED_UNANSWERABLE = 4
MIN_CROSS_DECLINED = 0.9
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


def test_declined_answers_are_never_grounded(seed_answers, seed_app):
    """✓/grounded means supported *and* relevant: a decline is neither."""
    declined = [r for _, r in seed_answers.values() if r["trace"]["declined"]]
    declined.append(seed_app.ask("2023年全国GDP增长了多少？"))
    assert declined
    for r in declined:
        assert r["grounded"] is False
        assert r["answer"].startswith("资料中未")


def test_off_corpus_question_with_a_term_the_corpus_never_uses_is_declined(seed_app):
    r = seed_app.ask("2023年全国GDP增长了多少？")
    assert r["trace"]["declined"], r["answer"]
    terms = {t["term"]: t for t in r["trace"]["evidence"]["terms"]}
    assert terms["gdp"]["seen"] is False


@pytest.mark.parametrize("quoted", ["“八有”", '"八有"', "「八有」", "八有"])
def test_quotation_marks_do_not_change_the_answer(seed_app, quoted):
    r = seed_app.ask(f"标准化党员活动室的{quoted}标准包括哪些内容？")
    assert not r["trace"]["declined"], r["answer"]
    assert "有场所、有设施、有党旗" in _plain(r["answer"])
    assert r["trace"]["normalised"].count("“") == (0 if quoted == "八有" else 1)


def test_traditional_question_is_answered_like_the_simplified_one(seed_app):
    simp = seed_app.ask("标准化党员活动室的“八有”标准包括哪些内容？")
    trad = seed_app.ask("標準化黨員活動室的「八有」標準包括哪些內容？")
    assert trad["trace"]["normalised"] == simp["trace"]["normalised"]
    assert _plain(trad["answer"]) == _plain(simp["answer"])


def test_answer_opens_with_the_answer_not_a_title_or_meta_sentence(seed_answers):
    from jianghua.assistant.ranking import is_meta
    for q, r in seed_answers.values():
        if r["trace"]["declined"]:
            continue
        first = r["sentences"][0]["text"]
        assert not is_meta(first), (q.id, first)
        titles = {c["title"] for c in r["citations"]}
        assert re.sub(r"\[\d+\]|。$", "", first) not in titles, (q.id, first)


def test_follow_up_answer_differs_from_the_previous_answer(seed_app):
    first_q = "区直机关党组织存在哪些共性问题？"
    first = seed_app.ask(first_q)
    history = [{"role": "user", "content": first_q}, {"role": "assistant", "content": first["answer"]}]
    for follow in ("针对这些问题，要求什么时候整改到位？", "其中第二点具体怎么落实？"):
        r = seed_app.ask(follow, history)
        assert r["trace"]["standalone"] != follow
        assert _plain(r["answer"]) != _plain(first["answer"]), follow


def test_cross_corpus_questions_are_declined(seed_app):
    """CMRC 2018 dev questions (Wikipedia) asked of the party speeches: the corpus cannot answer any of them."""
    from jianghua.evals.data import load_set
    try:
        cross = load_set("cross")
    except Exception as e:                          # noqa: BLE001
        pytest.fail(f"the cross set needs ../shared/bench/cmrc2018 beside the repository: {e}")
    qs = cross.queries[:60]
    answered = [q.text for q in qs if not seed_app.ask(q.text)["trace"]["declined"]]
    share = 1 - len(answered) / len(qs)
    assert share >= MIN_CROSS_DECLINED, f"declined {share:.2f}; answered: {answered[:5]}"


# An amount of money written with its digits, and a date or time (the test's own patterns, not answer_type's)
AMOUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元")
WHEN = re.compile(r"\d+\s*(?:年|月|日|号)|[一二三四五六七八九十]+(?:月|日)|月底|年底|年初|年内|上半年|下半年")
SPEECH = "在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话.txt"


def test_an_answer_without_the_asked_kind_is_not_grounded(seed_app):
    """A question for an amount or a day answered by sentences that hold none is declined or flagged, whatever its
    bigram support. The seed speech blanks the figure out ("村级办公经费提高到*万元") and never says on which day the
    述职评议 meeting sat (only "今天"), so neither question can be answered with what it asks for."""
    text = (SEEDS / SPEECH).read_text(encoding="utf-8")
    assert "村级办公经费提高到*万元" in text and not AMOUNT.search(text[text.index("村级办公经费"):][:20])
    for q, kind in (("村级办公经费提高到每年多少？", AMOUNT), ("乡镇党委书记述职评议会议是哪天召开的？", WHEN)):
        r = seed_app.ask(q)
        if r["trace"]["declined"]:
            assert not r["grounded"] and r["citations"] == [], q
            continue
        if not any(kind.search(_plain(s["text"])) for s in r["sentences"]):
            assert not r["grounded"] and "answer_type_missing" in r["sentences"][0]["flags"], (q, r["answer"])
