"""Follow-up answers (assistant/weigh.py focus, extractive.clause_window, chain's conversation documents): a
follow-up is answered by its own words, inside the item or sentence it refers to, in the document the conversation
is about. Expected spans are read off the seed files, not produced by the code."""
from __future__ import annotations

import re

import pytest

from jianghua.assistant.chain import Turn
from jianghua.assistant.condense import own_words
from jianghua.assistant.said import clause_window
from jianghua.assistant.question import analyse
from jianghua.assistant.weigh import weigh
from jianghua.samples import SEEDS


def _plain(text: str) -> str:
    return re.sub(r"\[\d+\]|〔[^〕]*〕", "", text)


def _seed(name: str) -> str:
    return (SEEDS / f"{name}.txt").read_text(encoding="utf-8")


def test_own_words_drop_the_references():
    assert own_words("第三条建议要着力解决什么问题？") == "建议要着力解决什么问题？"
    assert own_words("那学校党建呢？") == "学校党建"
    assert own_words("其中个体工商户有多少户？") == "个体工商户有多少户？"
    assert own_words("针对这些问题，要求什么时候整改到位？") == "针对问题，要求什么时候整改到位？"
    assert own_words("乡镇党委书记会受到什么处理？") == "乡镇党委书记会受到什么处理？"
    assert own_words("紧接着下一个问题是什么？") == "问题是什么？"        # where to go on is no word of what is asked
    assert own_words("讲完作风，接下来他讲了什么？") == "讲完作风，他讲了什么？"


def test_clause_window_quotes_the_asked_part(seed_kb):
    """"…迅速制定了《整改落实方案》和《整改工作分工方案》，建立了整改工作台账，狠抓落实…": asked what else was set up,
    the part is the clause that says 建立 and the one after it, verbatim at its document offsets."""
    from jianghua.index.search import HybridSearcher
    s = HybridSearcher(seed_kb)
    hit = next(h for h in s.search("迅速制定了整改落实方案和整改工作分工方案", 5).hits if "整改工作台账" in h.chunk.text)
    from jianghua.assistant.evidence import sentences_of
    sent = next(x for x in sentences_of(hit) if "整改工作台账" in x.quote)
    view = s.view()
    focus = analyse("还建立了什么？", view.tokenizer.tokens, view.keyword.df, view.n_chunks)
    part = clause_window(sent, focus, view.tokenizer.tokens)
    assert part is not None and part.quote.startswith("建立了整改工作台账")
    doc = seed_kb.document(hit.chunk.doc_id).text
    assert doc[part.start:part.end] == part.quote and len(part.quote) < len(sent.quote)
    assert clause_window(sent, analyse("红烧肉怎么做？", view.tokenizer.tokens, view.keyword.df, view.n_chunks),
                         view.tokenizer.tokens) is None


def test_an_ordinal_follow_up_is_answered_inside_the_item(seed_app):
    """After the three 建议 are listed, "the third one: what problem must it solve?" is answered by the sentence of
    the third item's body that says 着力解决, not by the item's heading the first answer already gave."""
    text = _seed("市领导在基层党组织书记述职评议会议上的讲话")
    third = re.search(r"^三要[^。\n]+", text, re.M).group()
    body = text[text.index(third):]
    span = re.search(r"着力解决([^，。]+?)的问题", body).group(1)
    q1 = "市领导提出的3点建议分别是什么？"
    r1 = seed_app.ask(q1, [])
    assert third in _plain(r1["answer"])
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    r2 = seed_app.ask("第三条建议着力要解决的是什么问题？", history)
    answer = _plain(r2["answer"])
    assert span in answer, answer
    assert not answer.startswith(third)


def test_a_follow_up_stays_in_the_conversation_documents(seed_app):
    """A follow-up naming no document of its own is searched first in the document the previous answer quoted (one
    that names a document, year or type is scoped by that instead)."""
    q1 = "巡视组反馈意见后，全市各级党组织迅速制定了哪些方案？"
    r1 = seed_app.ask(q1, [])
    cited = {c["doc_id"] for c in r1["citations"]}
    assert cited
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    r2 = seed_app.ask("除了这两个方案，还建立了什么？", history)
    assert set(r2["trace"]["search"]["conversation_documents"]) >= cited
    assert "整改工作台账" in _plain(r2["answer"])
    assert _plain(r2["answer"]) != _plain(r1["answer"])


def test_a_demonstrative_with_a_classifier_leans_on_the_conversation():
    from jianghua.assistant.condense import condense_without_llm
    from jianghua.assistant.question import DEMONSTRATIVE_WORD
    history = [{"role": "user", "content": "2016年政府工作报告安排的财政赤字总额是多少？"},
               {"role": "assistant", "content": "今年拟安排财政赤字2.18万亿元[1]。"}]
    out = condense_without_llm("这笔赤字里中央和地方各占多少？", history)
    assert "2016年" in out and "这笔" not in out and out.endswith("中央和地方各占多少？")
    assert all(DEMONSTRATIVE_WORD.match(w) for w in ("这笔", "这些", "该项", "那两个"))
    assert not any(DEMONSTRATIVE_WORD.match(w) for w in ("这里", "赤字", "这样做"))


def test_an_off_topic_question_in_a_conversation_is_still_declined(seed_app):
    """The retry with the previous topic (for a question that leans on it without saying so) must not make an
    off-topic question answerable."""
    q1 = "巡视组反馈意见后，全市各级党组织迅速制定了哪些方案？"
    r1 = seed_app.ask(q1, [])
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    for q in ("红烧肉怎么做才好吃？", "2023年全国GDP增长了多少？", "明天北京的天气怎么样？"):
        r = seed_app.ask(q, history)
        assert r["trace"]["declined"], (q, r["answer"])
        assert not r["grounded"]


def _after_first_answer(seed_app, follow_up: str):
    """The first answer of the 通报 and the answer to ``follow_up`` asked after it."""
    q1 = "巡视组反馈意见后，全市各级党组织迅速制定了哪些方案？"
    r1 = seed_app.ask(q1, [])
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    r2 = seed_app.ask(follow_up, history)
    assert not r2["trace"]["declined"], r2["answer"]
    first, c = r1["citations"][0], r2["citations"][0]
    assert c["doc_id"] == first["doc_id"] and c["start"] >= first["end"], (c, first)   # after what was quoted
    return r1, r2, history


def test_what_comes_next_is_read_after_the_quoted_passage(seed_app):
    """"接着讲了什么？" after an answer: the answer comes from the same document, after what was quoted."""
    _, r2, _ = _after_first_answer(seed_app, "通报接着讲了什么？")
    assert r2["trace"]["search"].get("continued_from")


@pytest.mark.parametrize("first, beyond", [
    ("区直机关党组织存在哪些共性问题？", "除了这些问题，还提了哪些整改要求？"),
    ("全面从严治党表态发言里，检视出了哪些问题？", "除了这些问题之外，还讲了哪些下一步打算？"),
])
def test_a_follow_up_asking_beyond_the_previous_answer_does_not_repeat_it(seed_app, first, beyond):
    """"除了…/…之外/还提了什么" asks for what the previous answer did not say: none of its sentences comes back."""
    r1 = seed_app.ask(first)
    assert r1["sentences"] and not r1["trace"].get("declined")
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": r1["answer"]}]
    r2 = seed_app.ask(beyond, history)
    said = {s["text"] for s in r1["sentences"]}
    assert r2["sentences"] and not any(s["text"] in said for s in r2["sentences"]), r2["answer"]


def test_a_follow_up_that_reads_as_complete_also_searches_the_conversation_documents(seed_app):
    """Asked in a conversation, "党员活动室要达到什么标准？" is not condensed (it reads as complete), yet the documents the
    previous answer quoted are searched too; the same question alone is not."""
    q1 = "巡视组反馈意见后，全市各级党组织迅速制定了哪些方案？"
    r1 = seed_app.ask(q1, [])
    cited = {c["doc_id"] for c in r1["citations"]}
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    q2 = "党员活动室要达到什么标准？"
    r2 = seed_app.ask(q2, history)
    assert r2["trace"]["standalone"] == q2
    assert set(r2["trace"]["search"].get("conversation_documents", [])) >= cited
    assert "conversation_documents" not in seed_app.ask(q2, [])["trace"]["search"]


def test_a_bare_request_for_the_next_passage_is_answered_from_it(seed_app):
    """"下一段讲的是什么？" holds no word to weigh: what follows the quoted passage is the answer, in the document's
    order; a continuation word in front of an unrelated question does not make it one."""
    r1, r2, history = _after_first_answer(seed_app, "下一段讲的是什么？")
    assert r2["trace"]["evidence"]["decision"]["features"].get("continued") == 1.0
    said = {(x["chunk_id"], x["start"]) for x in r1["citations"]}
    assert not said & {(x["chunk_id"], x["start"]) for x in r2["citations"]}      # nothing said before is repeated
    r3 = seed_app.ask("接着问一下，红烧肉怎么做才好吃？", history)
    assert r3["trace"]["declined"], r3["answer"]


def test_the_previous_sentence_a_follow_up_points_at_answers_it_alone(seed_kb):
    """A follow-up whose own words point at one of the previous answer's sentences ("围绕这个方针，要提升哪几种能力？")
    is answered by that sentence alone; words no sentence holds choose none."""
    from jianghua.assistant.evidence import sentences_of
    from jianghua.assistant.said import asked_of
    from jianghua.index.search import HybridSearcher
    s = HybridSearcher(seed_kb)
    hit = next(h for h in s.search("迅速制定了整改落实方案和整改工作分工方案", 5).hits if "整改工作台账" in h.chunk.text)
    sents = sentences_of(hit)
    first = next(x for x in sents if "整改工作台账" in x.quote)
    other = next(x for x in sents if x.start != first.start and "整改工作台账" not in x.quote and len(x.quote) > 10)
    view = s.view()
    ask = lambda text: analyse(text, view.tokenizer.tokens, view.keyword.df, view.n_chunks)   # noqa: E731
    chosen = asked_of([other, first], [], ask("那个整改工作台账是怎么建的？"), view.tokenizer.tokens)
    assert chosen is first
    assert asked_of([other, first], [], ask("红烧肉怎么做？"), view.tokenizer.tokens) is None
    assert asked_of([first], [], ask("那个整改工作台账是怎么建的？"), view.tokenizer.tokens) is None
    # a new sentence holding the same words is a rival only when it scores at least half as well (another year's
    # report saying the same, demoted by the named scope, does not keep the previous answer's sentence from answering)
    from jianghua.assistant.ranking import Candidate
    weak = Candidate(first, {}, 0, 0.05)
    q = ask("那个整改工作台账是怎么建的？")
    assert asked_of([other, first], [weak], q, view.tokenizer.tokens) is None
    ranked = [Candidate(first, {}, 0, 0.5), Candidate(other, {}, 1, 0.4)]
    assert asked_of([other, first], [weak], q, view.tokenizer.tokens, ranked) is first
    assert asked_of([other, first], [Candidate(first, {}, 0, 0.3)], q, view.tokenizer.tokens, ranked) is None


def test_a_bare_ordinal_follow_up_gets_the_item_with_what_it_says(seed_app):
    """After the five 2020 工作打算 are listed by their headings, "第三条讲的是什么？" (no words of its own) is answered
    by the third item and the sentence after it in its paragraph — both read off the seed file —, not by the
    heading alone, the list again or another text."""
    text = _seed("关于落实全面从严治党主体责任情况通报")
    plans = text[text.index("2020年工作打算"):]
    item, body = re.search(r"^(（三）[^。\n]+。)([^。\n]+。)", plans, re.M).groups()
    q1 = "情况通报里2020年的工作打算有哪几条？"
    r1 = seed_app.ask(q1, [])
    assert item.rstrip("。") in _plain(r1["answer"])
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    r2 = seed_app.ask("第三条讲的是什么？", history)
    answer = _plain(r2["answer"])
    assert answer.startswith(item), answer
    assert body in answer, answer
    assert "（四）" not in answer and answer != _plain(r1["answer"])


def test_a_follow_ups_own_words_are_looked_for_in_the_conversations_documents(seed_app):
    """A colloquial follow-up's own words may be in none of the passages retrieved for it ("效果咋样？"), yet the
    document the conversation is about uses them: then it is not declined for that. Words the documents never use
    (红烧肉) still are."""
    q1 = "巡视组反馈意见后，全市各级党组织迅速制定了哪些方案？"
    r1 = seed_app.ask(q1, [])
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    assistant = seed_app.assistant
    turn = assistant._retrieve(assistant._condense(Turn("整改效果咋样？", history, None)))
    docs = turn.search_trace.get("conversation_documents") or turn.search_trace["scope"]["hit_documents"]
    assert docs == [r1["citations"][0]["doc_id"]]
    text = next(p for p in SEEDS.glob("*.txt") if "整改落实方案" in p.read_text(encoding="utf-8")).read_text(encoding="utf-8")
    assert "效果" in text and "红烧肉" not in text
    assert assistant._used_by_documents(turn, ["效果"])
    assert not assistant._used_by_documents(turn, ["红烧肉"])


def test_the_off_focus_decline_spares_words_the_documents_use(seed_kb):
    """The rule itself: a follow-up none of whose own words is in the passages is declined — unless the documents of
    the conversation use them (``used_by_documents``). The word is one of the 通报's that the passages retrieved for
    the question do not hold, picked here from the file."""
    from jianghua.index.search import HybridSearcher
    s = HybridSearcher(seed_kb)
    view = s.view()
    q = "巡视组反馈意见后，全市各级党组织迅速制定了哪些方案？"
    hits = s.search(q, 6).hits
    seen = " ".join(" ".join([h.title, *h.chunk.section, h.chunk.text]) for h in hits)
    doc = next(p for p in SEEDS.glob("*.txt") if "整改落实方案" in p.read_text(encoding="utf-8")).read_text(encoding="utf-8")
    word = next(w for w in view.tokenizer.tokens(doc) if len(w) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
                and w not in seen and all(t not in seen for t in view.tokenizer.tokens(w)))
    args = (q + f"{word}咋样？", hits, view.tokenizer.tokens, view.keyword.df, view.n_chunks)
    assert weigh(*args).decision.answer
    off = weigh(*args, focus=f"{word}咋样？", used_by_documents=lambda terms: False)
    spared = weigh(*args, focus=f"{word}咋样？", used_by_documents=lambda terms: word in terms)
    assert not off.decision.answer and off.decision.features.get("focus_found") == 0.0, word
    assert spared.decision.answer, word
