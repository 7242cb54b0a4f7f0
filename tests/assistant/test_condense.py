"""Follow-up questions without a language model: an ordinal follow-up pulls in that item of the previous answer,
a self-contained question stays as asked; the question the chain searched with is ``trace.standalone``."""
from __future__ import annotations

import re

import pytest

from assistant.chain import Assistant
from assistant.condense import condense_without_llm

LIST_QUESTION = "表态发言里基层组织建设方面检视出哪几个问题？"
FOLLOW_UP = "那第二条具体怎么做？"
SELF_CONTAINED = "乡镇党委书记在年终党建专项考核中排到全区后三位会受到什么处理？"


def _items(answer: str) -> list[str]:
    """The 一是/二是… items of an answer, markers removed (independent of condense's own parser)."""
    text = re.sub(r"\[\d+\]|〔[^〕]*〕", "", answer)
    found = re.findall(r"[一二三四五六七八九十]是(.+?)(?=[一二三四五六七八九十]是|$)", text)
    return [x.strip("。；，： \n") for x in found]


@pytest.fixture(scope="module")
def list_turn(seed_app) -> list[dict]:
    """A real first turn: the assistant's own answer listing 一是…二是…"""
    r = seed_app.ask(LIST_QUESTION)
    assert not r["trace"]["declined"]
    assert len(_items(r["answer"])) >= 2, r["answer"]
    return [{"role": "user", "content": LIST_QUESTION}, {"role": "assistant", "content": r["answer"]}]


def _key_terms(seed_app):
    view = seed_app.searcher.view()
    return lambda text: Assistant._key_terms(view, text)


def test_condense_ordinal_pulls_in_second_item(seed_app, list_turn):
    first, second = _items(list_turn[1]["content"])[:2]
    out = condense_without_llm(FOLLOW_UP, list_turn, _key_terms(seed_app))
    assert out.startswith(FOLLOW_UP)
    assert second in out
    assert first not in out


def test_condense_self_contained_question_unchanged(seed_app, list_turn):
    assert condense_without_llm(SELF_CONTAINED, list_turn, _key_terms(seed_app)) == SELF_CONTAINED
    assert condense_without_llm(FOLLOW_UP, [], _key_terms(seed_app)) == FOLLOW_UP


def test_condense_standalone_in_trace(seed_app, list_turn):
    second = _items(list_turn[1]["content"])[1]
    r = seed_app.ask(FOLLOW_UP, list_turn)
    assert r["trace"]["question"] == FOLLOW_UP
    assert r["trace"]["standalone"] != FOLLOW_UP
    assert second in r["trace"]["standalone"]
    assert r["trace"]["standalone"] == condense_without_llm(FOLLOW_UP, list_turn, _key_terms(seed_app))
    r2 = seed_app.ask(SELF_CONTAINED, list_turn)
    assert r2["trace"]["standalone"] == SELF_CONTAINED


def test_condense_followups_of_the_set_keep_their_question(seed_answers):
    """Every follow-up of the seed set is rewritten to a longer question that still starts with what was asked."""
    followups = [(q, r) for q, r in seed_answers.values() if q.type == "followup"]
    assert len(followups) == 7
    for q, r in followups:
        assert r["trace"]["standalone"].startswith(q.text), q.id
        assert len(r["trace"]["standalone"]) > len(q.text), q.id
