"""Verification on real passages of the seed knowledge base: copied sentences pass; invented sentences, altered
numbers, altered quotations, sentences without a marker and template sentences with numbers are flagged. Then the
whole assistant with a generator double that mixes one real sentence with one invented one."""
from __future__ import annotations

import re

import pytest

from jianghua.assistant.chain import UNSUPPORTED_MARK, Assistant
from jianghua.assistant.citations import whole
from jianghua.assistant.generators import Capabilities, Composition, Generator
from jianghua.assistant.verify import check_sentence, split_output, verify
from jianghua.ingest.sentences import split_sentences

INVENTED = "全区今年共新建党支部128个"


def _sentences(text: str) -> list[str]:
    return [text[s.start:s.end].strip() for s in split_sentences(text)]


def _with_marker(sentence: str, n: int = 1) -> str:
    """'…整顿。' → '…整顿[1]。' (the marker before the final stop, as the generators write it)."""
    m = re.search(r"[。！？；]$", sentence)
    return f"{sentence[:-1]}[{n}]{m.group()}" if m else f"{sentence}[{n}]"


@pytest.fixture(scope="module")
def passage(seed_app) -> str:
    """A real passage holding a sentence with a number and a sentence with a “quoted phrase”."""
    for h in seed_app.searcher.search("软弱涣散党组织集中整顿 10月底完成", 8).hits:
        sents = _sentences(h.chunk.text)
        if any(re.search(r"\d", s) for s in sents) and any(re.search(r"“[^”]{2,}”", s) for s in sents):
            return h.chunk.text
    pytest.fail("no passage with both a number and a quotation among the hits")


@pytest.fixture(scope="module")
def number_sentence(passage) -> str:
    return next(s for s in _sentences(passage) if re.search(r"\d", s) and s.endswith(("。", "；")))


@pytest.fixture(scope="module")
def quote_sentence(passage) -> str:
    return next(s for s in _sentences(passage) if re.search(r"“[^”]{2,}”", s) and s.endswith(("。", "；")))


def test_verify_copied_sentence_supported(passage, number_sentence, quote_sentence):
    for s in (number_sentence, quote_sentence):
        c = check_sentence(_with_marker(s), {1: passage})
        assert c.supported, c
        assert c.citations == [1] and c.support == 1.0 and c.flags == []


def test_verify_invented_sentence_flagged(passage, number_sentence):
    assert "128" not in passage and "新建党支部" not in passage
    text = _with_marker(number_sentence) + f"{INVENTED}[1]。"
    checks, grounded = verify(text, {1: passage})
    assert len(checks) == 2
    assert checks[0].supported
    assert not checks[1].supported
    assert "number_not_in_source:128" in checks[1].flags
    assert grounded is False


def test_verify_altered_number_flagged(passage, number_sentence):
    x = re.search(r"\d+", number_sentence).group()
    y = str(int(x) + 1)
    while re.search(rf"(?<!\d){y}(?!\d)", passage):
        y = str(int(y) + 1)
    altered = number_sentence.replace(x, y, 1)
    c = check_sentence(_with_marker(altered), {1: passage})
    assert not c.supported
    assert f"number_not_in_source:{y}" in c.flags
    assert c.support >= 0.6        # the rest of the sentence still matches: the number alone sinks it


def test_verify_altered_quotation_flagged(passage, quote_sentence):
    phrase = re.search(r"“([^”]{2,})”", quote_sentence).group(1)
    changed = phrase[::-1] if phrase[::-1] != phrase else phrase + "化"
    assert f"“{changed}”" not in passage
    c = check_sentence(_with_marker(quote_sentence.replace(f"“{phrase}”", f"“{changed}”", 1)), {1: passage})
    assert not c.supported
    assert f"quote_not_in_source:{changed}" in c.flags


def test_verify_sentence_without_marker_flagged(passage, number_sentence):
    c = check_sentence(number_sentence, {1: passage})
    assert not c.supported
    assert c.flags == ["no_citation"]
    checks, grounded = verify(_with_marker(number_sentence) + number_sentence, {1: passage})
    assert [x.supported for x in checks] == [True, False] and grounded is False


def test_verify_template_sentence_with_number_flagged():
    checks, grounded = verify(f"我们坚决拥护、坚决落实。今年{INVENTED[4:]}。", {}, templates={0, 1})
    assert checks[0].supported and checks[0].flags == ["template"]
    assert not checks[1].supported
    assert "number_in_template:128" in checks[1].flags
    assert grounded is False
    # a number the user typed (the topic) may be repeated by the frame
    ok, grounded = verify("围绕落实128项任务，我们坚决拥护。", {}, templates={0}, user_text="落实128项任务")
    assert ok[0].supported and grounded is True


def test_verify_marker_after_closing_quote_stays_with_its_sentence(seed_kb):
    """A source sentence ending in 。” gets its marker after the quote mark (…职责。”[1]); the marker belongs to
    that sentence, not to the next one (found on seed query q002)."""
    doc = next(d for d in seed_kb.documents() if d["title"] == "全面从严治党表态发言")
    text = seed_kb.document(doc["doc_id"]).text
    quoted = next(s for s in _sentences(text) if s.endswith("。”"))
    other = next(s for s in _sentences(text) if s.endswith("。") and "“" not in s and len(s) > 15)
    parts = split_output(f"{quoted}[1]{other[:-1]}[2]。")
    assert [len(re.findall(r"\[\d+\]", p)) for p in parts] == [1, 1], parts
    checks, grounded = verify(f"{quoted}[1]{other[:-1]}[2]。", {1: text, 2: text})
    assert [c.citations for c in checks] == [[1], [2]]
    assert grounded is True


def test_verify_extractive_answers_of_the_set_are_grounded(seed_answers):
    """The extractive generator answers with verbatim source sentences, each with its marker: every sentence of
    every answer it gives is supported (``grounded`` also asks relevance, and a decline is never grounded)."""
    bad = {q.id: [s["text"][:30] + " " + ",".join(s["flags"]) for s in r["sentences"] if not s["supported"]]
           for q, r in seed_answers.values() if not r["trace"]["declined"]}
    assert {k: v for k, v in bad.items() if v} == {}
    assert all(not r["grounded"] for _, r in seed_answers.values() if r["trace"]["declined"])
    for q, r in seed_answers.values():
        assert UNSUPPORTED_MARK not in r["answer"], q.id


# -- the whole assistant with a generator double -------------------------------------------------------------------
class FixedTextGeneratorDouble:
    """Test double for the Generator protocol: answers with one real sentence of the best passage (cited [1]) and
    one invented sentence (cited [2], the second passage), whatever the question."""

    name = "fixed-text-double"
    capabilities = Capabilities()

    def __init__(self):
        self.real = None

    def compose(self, job) -> Composition:
        first, second = job.hits[0], job.hits[1]
        self.real = next(s for s in _sentences(first.chunk.text) if s.endswith("。") and len(s) >= 12)
        assert "128" not in second.chunk.text
        parts = [_with_marker(self.real, 1), f"{INVENTED}[2]。"]
        return Composition([whole(first), whole(second)], iter(parts))


def test_verify_assistant_marks_invented_sentence(seed_app):
    double = FixedTextGeneratorDouble()
    assert isinstance(double, Generator)
    r = Assistant(seed_app.searcher, seed_app.settings, generator=double).ask("软弱涣散党组织整顿什么时候完成？", [])
    assert r["trace"]["declined"] is False and r["trace"]["generator"] == "fixed-text-double"
    assert r["grounded"] is False
    assert [s["supported"] for s in r["sentences"]] == [True, False]
    assert "number_not_in_source:128" in r["sentences"][1]["flags"]
    assert f"{INVENTED}[2]{UNSUPPORTED_MARK}。" in r["answer"]
    assert r["answer"].startswith(_with_marker(double.real, 1))
    assert r["answer"].count(UNSUPPORTED_MARK) == 1


# --- the question's own words are not claims (a model restates the question, then answers from the source) ---

ASKED = "社区两委换届时，涉黑涉恶的情形被列进了哪一张资格负面清单？"


@pytest.fixture(scope="module")
def list_passage(seed_app) -> str:
    for h in seed_app.searcher.search(ASKED, 8).hits:
        if "“十不宜”清单" in h.chunk.text:
            return h.chunk.text
    pytest.fail("the passage naming the “十不宜” list was not retrieved")


def test_restated_question_with_sourced_answer_supported_given_the_question(list_passage):
    asked = "居委会选举时，有黑恶背景的人会被写进哪个名单？"
    said = "居委会选举时，有黑恶背景的人会被写进“十不宜”清单[1]。"
    alone = check_sentence(said, {1: list_passage})
    given = check_sentence(said, {1: list_passage}, given=asked)
    assert not alone.supported and "low_support" in alone.flags      # the asker's wording is not in the source
    assert given.supported and given.support > alone.support, given


def test_given_question_does_not_support_an_invented_answer(list_passage):
    said = "社区两委换届时，涉黑涉恶的情形被列进了干部考核末位淘汰名单[1]。"
    assert "末位淘汰" not in list_passage
    c = check_sentence(said, {1: list_passage}, given=ASKED)
    assert not c.supported and "low_support" in c.flags


def test_sentence_that_only_repeats_the_question_is_not_supported(list_passage):
    c = check_sentence("社区两委换届时涉黑涉恶的情形被列进了资格负面清单[1]。", {1: list_passage}, given=ASKED)
    assert not c.supported


def test_lead_in_claims_nothing(passage, number_sentence):
    plain = check_sentence(_with_marker(number_sentence), {1: passage})
    led = check_sentence("根据资料内容，" + _with_marker(number_sentence), {1: passage})
    assert led.support == plain.support == 1.0 and led.supported
