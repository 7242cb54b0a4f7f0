"""The answer chain's steps and what a generator declares: a generator's ``capabilities`` decide who condenses a
follow-up (never its type); each step returns a new state and leaves its input as it was; a generator that does
not offer what it declares is refused when the assistant is built; closing a stream closes the composition."""
from __future__ import annotations

import dataclasses
import re

import pytest

from jianghua.assistant.chain import Assistant, Turn
from jianghua.assistant.citations import whole
from jianghua.assistant.composition import Capabilities, Composition
from jianghua.assistant.extractive import ExtractiveGenerator

LIST_QUESTION = "表态发言里基层组织建设方面检视出哪几个问题？"
FOLLOW_UP = "那第二条具体怎么做？"
REWRITE = "表态发言里基层组织建设方面检视出的第二条问题具体怎么做？"     # what the writing double answers
QUESTION = "软弱涣散村党组织整顿要在什么时候之前完成？"


def _items(answer: str) -> list[str]:
    """The 一是/二是… items of an answer, markers removed (independent of the condenser's own parser)."""
    text = re.sub(r"\[\d+\]|〔[^〕]*〕", "", answer)
    return [x.strip("。；，： \n") for x in re.findall(r"[一二三四五六七八九十]是(.+?)(?=[一二三四五六七八九十]是|$)", text)]


class WritingDouble:
    """Test double for a generator that can write free text (a ``Writer``): composes as the extractive generator
    does, answers every free-text request with ``REWRITE`` and records the requests. Its capabilities are given."""

    name = "writing-double"

    def __init__(self, capabilities: Capabilities):
        self.capabilities = capabilities
        self.requests: list = []
        self.extractive = ExtractiveGenerator()

    def compose(self, job) -> Composition:
        return self.extractive.compose(job)

    def messages(self, system: str, history: list[dict], question: str) -> list:
        return [system, *history, question]

    def stream_text(self, messages) -> object:
        self.requests.append(messages)
        yield REWRITE


@pytest.fixture(scope="module")
def list_turn(seed_app) -> list[dict]:
    r = seed_app.ask(LIST_QUESTION)
    assert len(_items(r["answer"])) >= 2, r["answer"]
    return [{"role": "user", "content": LIST_QUESTION}, {"role": "assistant", "content": r["answer"]}]


def test_a_generator_without_condense_gets_the_extractive_condenser(seed_app, list_turn):
    double = WritingDouble(Capabilities(stream=True, draft=True))
    r = Assistant(seed_app.searcher, seed_app.settings, generator=double).ask(FOLLOW_UP, list_turn)
    assert double.requests == []                          # never asked to rewrite, though it could write
    standalone = r["trace"]["standalone"]
    assert standalone != REWRITE
    assert _items(list_turn[1]["content"])[1][:20] in standalone      # the second item, pulled in without a model


def test_a_generator_with_condense_rewrites_the_follow_up(seed_app, list_turn):
    double = WritingDouble(Capabilities(condense=True))
    r = Assistant(seed_app.searcher, seed_app.settings, generator=double).ask(FOLLOW_UP, list_turn)
    assert len(double.requests) == 1
    assert FOLLOW_UP in str(double.requests[0][0].content)            # the condense prompt holds the follow-up
    assert r["trace"]["standalone"] == REWRITE


def test_a_question_without_history_is_not_condensed_by_a_model(seed_app):
    double = WritingDouble(Capabilities(condense=True))
    r = Assistant(seed_app.searcher, seed_app.settings, generator=double).ask(QUESTION, [])
    assert double.requests == [] and r["trace"]["standalone"] == QUESTION


def test_steps_return_a_new_state_and_leave_theirs(seed_app):
    a = Assistant(seed_app.searcher, seed_app.settings)
    start = Turn(QUESTION, [])
    turn = a.prepare.invoke(start)
    assert start.hits == [] and start.evidence is None and start.timings == {} and start.standalone == ""
    assert turn.standalone == QUESTION and turn.hits and turn.evidence is not None
    assert set(turn.timings) == {"condense_ms", "retrieve_ms", "weigh_ms"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        turn.hits = []


class NoWriter:
    """Declares it condenses but has no messages()/stream_text()."""

    name = "no-writer"
    capabilities = Capabilities(condense=True)

    def compose(self, job) -> Composition:
        raise AssertionError("never composes")


class NoCapabilities:
    name = "no-capabilities"

    def compose(self, job) -> Composition:
        raise AssertionError("never composes")


@pytest.mark.parametrize("generator, says", [(NoWriter(), "no-writer"), (NoCapabilities(), "capabilities")])
def test_a_generator_that_does_not_offer_what_it_declares_is_refused(seed_app, generator, says):
    with pytest.raises(TypeError, match=says):
        Assistant(seed_app.searcher, seed_app.settings, generator=generator)


def test_closing_a_stream_closes_the_composition(seed_app):
    log: list[str] = []

    class Closing:
        name = "closing-double"
        capabilities = Capabilities(stream=True)

        def compose(self, job) -> Composition:
            def deltas():
                try:
                    yield "第一句。"
                    log.append("second asked")
                    yield "第二句。"
                finally:
                    log.append("closed")
            return Composition([whole(job.hits[0])], deltas())

    events = Assistant(seed_app.searcher, seed_app.settings, generator=Closing()).ask_stream(QUESTION, [])
    assert next(events) == {"type": "delta", "text": "第一句。"}
    events.close()
    assert log == ["closed"]
