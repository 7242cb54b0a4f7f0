"""Follow-up questions without a language model: an ordinal follow-up pulls in that item of the previous answer,
a self-contained question stays as asked; the question the chain searched with is ``trace.standalone``."""
from __future__ import annotations

import re

import pytest

from jianghua.assistant.condense import condense_without_llm

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


def test_condense_ordinal_pulls_in_second_item(seed_app, list_turn):
    first, second = _items(list_turn[1]["content"])[:2]
    out = condense_without_llm(FOLLOW_UP, list_turn)
    assert out.endswith("具体怎么做？")
    assert second[:20] in out
    assert first not in out


def test_condense_self_contained_question_unchanged(seed_app, list_turn):
    assert condense_without_llm(SELF_CONTAINED, list_turn) == SELF_CONTAINED
    assert condense_without_llm(FOLLOW_UP, []) == FOLLOW_UP


def test_condense_standalone_in_trace(seed_app, list_turn):
    first, second = _items(list_turn[1]["content"])[:2]
    r = seed_app.ask(FOLLOW_UP, list_turn)
    assert r["trace"]["question"] == FOLLOW_UP
    standalone = r["trace"]["standalone"]
    # the second item (read off the first answer here), what the follow-up asks, and nothing of the first item
    assert second[:20] in standalone and standalone.endswith("具体怎么做？") and first not in standalone, standalone
    # the follow-up's answer says something the first answer did not
    assert r["answer"] != list_turn[1]["content"]
    r2 = seed_app.ask(SELF_CONTAINED, list_turn)
    assert r2["trace"]["standalone"] == SELF_CONTAINED


def test_condense_followups_of_the_set_keep_their_question(seed_answers):
    """Every follow-up of the seed set is rewritten to a standalone question: it names something of the previous
    turn that the follow-up itself does not, and keeps what the follow-up asks (its last characters)."""
    followups = [(q, r) for q, r in seed_answers.values() if q.type == "followup"]
    assert len(followups) == 7
    for q, r in followups:
        standalone = r["trace"]["standalone"]
        previous = "".join(t["content"] for t in q.history)
        if standalone == q.text:            # a follow-up that names its own subject may stand alone
            continue
        assert any(ch not in q.text and ch in previous for ch in standalone), q.id
        assert standalone.endswith(q.text[-4:]), q.id
    rewritten = [q for q, r in followups if r["trace"]["standalone"] != q.text]
    assert len(rewritten) >= 5, [q.id for q in rewritten]
