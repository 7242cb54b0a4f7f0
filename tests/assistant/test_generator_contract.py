"""One contract for every generator: the extractive one and the OpenAI-compatible one (against a scripted server on
loopback, tests/fake_llm.py, so each case is deterministic) go through the same cases — decline on no evidence
without asking a model, markers that name a passage, verbatim quotes, a stream whose text is the answer's, every
sentence cited by a passage that supports it or flagged — and the model generator through what a server does:
errors, timeouts, a stream cut mid-way. Every case is run twice, asked (``ask``) and streamed (``ask_stream``, the
result event read after its deltas). The live-model tests (test_openai_generator.py) add a real llama.cpp model."""
from __future__ import annotations

import re
import time

import pytest

from jianghua.assistant.attribution import normalise_markers
from jianghua.assistant.chain import UNSUPPORTED_MARK, Assistant
from jianghua.index.search import HybridSearcher
from jianghua.errors import GeneratorError
from tests.fake_llm import INVENTED, FakeLLM

QUESTION = "软弱涣散村党组织整顿要在什么时候之前完成？"
OFF_TOPIC = "红烧肉怎么做才好吃？"
TOPIC = "落实全面从严治党主体责任"
MARKER = re.compile(r"\[(\d+)\]")


def _plain(text: str) -> str:
    """The text without markers of any form (a model streams its own, 【1】; the result shows [n]) and flags."""
    return re.sub(r"\s", "", MARKER.sub("", normalise_markers(text)).replace(UNSUPPORTED_MARK, ""))


@pytest.fixture(scope="module")
def fake():
    with FakeLLM() as f:
        yield f


def _assistant(seed_kb, fake, model: str | None, timeout: float = 30.0) -> Assistant:
    if model is None:
        return Assistant(HybridSearcher(seed_kb), seed_kb.settings)
    settings = seed_kb.settings.with_(generator="openai", openai_base_url=fake.base_url, openai_model=model,
                                      openai_timeout=timeout, max_tokens=200)
    return Assistant(HybridSearcher(seed_kb), settings)


@pytest.fixture(scope="module", params=["extractive", "openai"])
def gen(request, seed_kb, fake):
    return request.param, _assistant(seed_kb, fake, None if request.param == "extractive" else "echo")


@pytest.fixture(params=["ask", "stream"])
def how(request) -> str:
    return request.param


def _answer(a: Assistant, question: str, how: str, history=()) -> dict:
    """The answer, asked or streamed: a stream is text deltas, then one result event, which is returned."""
    if how == "ask":
        return a.ask(question, list(history))
    events = list(a.ask_stream(question, list(history)))
    assert [e["type"] for e in events] == ["delta"] * (len(events) - 1) + ["result"], events
    assert all(isinstance(e["text"], str) for e in events[:-1])
    return {k: v for k, v in events[-1].items() if k != "type"}


def test_declines_without_evidence_and_asks_no_model(gen, how, fake):
    name, a = gen
    before = len(fake.requests)
    r = _answer(a, OFF_TOPIC, how)
    assert r["trace"]["declined"] and not r["grounded"] and not r["citations"]
    assert "资料中未找到" in r["answer"]
    assert len(fake.requests) == before


def test_markers_name_passages_and_quotes_are_verbatim(gen, how, seed_kb):
    name, a = gen
    r = _answer(a, QUESTION, how)
    assert not r["trace"]["declined"]
    ns = {c["n"] for c in r["citations"]}
    assert ns and {int(n) for n in MARKER.findall(r["answer"])} <= ns
    assert not r["trace"]["invalid_markers"]
    for c in r["citations"]:
        assert seed_kb.document(c["doc_id"]).text[c["start"]:c["end"]] == c["quote"]
        assert c["origin"] in ("model", "attributed")


def test_the_stream_is_the_answer(gen):
    name, a = gen
    events = list(a.ask_stream(QUESTION, []))
    deltas = [e["text"] for e in events if e["type"] == "delta"]
    result = events[-1]
    assert result["type"] == "result" and len(deltas) >= 1
    assert _plain("".join(deltas)) == _plain(result["answer"])


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"[\s，。、；：！？“”（）《》]", "", text)
    return {t[i:i + 2] for i in range(len(t) - 1)}


def test_every_sentence_cited_and_supported_or_flagged(gen, how):
    """Whether a supported sentence is borne out by the passages it cites is read here, not taken from verify.py:
    most of its character pairs and every number in it are in those passages' quotes."""
    name, a = gen
    r = _answer(a, QUESTION, how)
    assert r["sentences"] and any(s["supported"] for s in r["sentences"])
    quotes = {c["n"]: c["quote"] for c in r["citations"]}
    for s in r["sentences"]:
        if s["supported"]:
            assert s["citations"] and set(s["citations"]) <= set(quotes), s
            text = MARKER.sub("", s["text"])
            cited = "\n".join(quotes[n] for n in s["citations"])
            pairs = _bigrams(text)
            assert len(pairs & _bigrams(cited)) >= 0.8 * len(pairs), (s, cited[:80])
            assert all(re.search(rf"(?<!\d){re.escape(x)}(?!\d)", cited) for x in NUMBER.findall(text)), (s, cited)
        else:
            assert s["flags"], s
            assert s["citations"] or "no_citation" in s["flags"], s


def test_the_model_path_normalises_attributes_and_flags(seed_kb, fake, how):
    """The scripted model cites passage 1 as 【1】, passage 2 not at all, and invents a figure: the first is the
    model's citation, the second is attributed, the invented figure is flagged and visibly marked."""
    r = _answer(_assistant(seed_kb, fake, "echo"), QUESTION, how)
    origins = {c["origin"] for c in r["citations"]}
    assert origins == {"model", "attributed"}, r["citations"]
    invented = next(s for s in r["sentences"] if "98765" in s["text"])
    assert not invented["supported"] and any(f.startswith("number_not_in_source") or f == "no_citation"
                                             for f in invented["flags"])
    assert UNSUPPORTED_MARK in r["answer"] and not r["grounded"]
    assert "【" not in r["answer"]


def test_a_model_draft_is_checked_like_an_answer(seed_kb, fake):
    r = _assistant(seed_kb, fake, "echo").draft(TOPIC, None, 300)
    assert r["citations"] and {c["origin"] for c in r["citations"]} <= {"model", "attributed"}
    assert "attributed" in {c["origin"] for c in r["citations"]}
    for c in r["citations"]:
        assert seed_kb.document(c["doc_id"]).text[c["start"]:c["end"]] == c["quote"]
    bad = [s for s in r["sentences"] if INVENTED[:6] in s["text"]]
    assert bad and not bad[0]["supported"] and not r["grounded"]


def test_a_server_error_names_the_endpoint(seed_kb, fake, how):
    a = _assistant(seed_kb, fake, "error")
    with pytest.raises(GeneratorError, match=re.escape(fake.base_url)):
        _answer(a, QUESTION, how)


def test_a_timeout_is_an_error_not_a_hang(seed_kb, fake):
    a = _assistant(seed_kb, fake, "slow", timeout=2.0)
    t0 = time.monotonic()
    with pytest.raises(GeneratorError, match=re.escape(fake.base_url)):
        a.ask(QUESTION, [])
    assert time.monotonic() - t0 < 15          # two tries (max_retries=1) of 2 s each, plus the search


def test_a_stream_cut_midway_is_an_error_not_a_short_answer(seed_kb, fake):
    a = _assistant(seed_kb, fake, "cut")
    with pytest.raises(GeneratorError):
        a.ask(QUESTION, [])
    got = []
    with pytest.raises(GeneratorError):
        for e in a.ask_stream(QUESTION, []):
            got.append(e)
    assert got and all(e["type"] == "delta" for e in got)      # deltas arrived, then the error; no result
