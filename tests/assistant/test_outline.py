"""A document's outline (assistant/outline.py): a question about a part of a document — "…工作打算，第三项是什么？",
"…分了几个部分？" — is answered from its numbered headings, cited where they stand. Expected headings are read off the
seed file."""
from __future__ import annotations

import re

from jianghua.assistant.outline import asked_part, children
from jianghua.assistant.question import analyse
from jianghua.samples import SEEDS

REPORT = "关于落实全面从严治党主体责任情况通报"


def _plain(text: str) -> str:
    return re.sub(r"\[\d+\]|〔[^〕]*〕", "", text)


def _plans() -> tuple[str, list[str]]:
    """The heading of the report's 2020 plans and the five （一）…（五） headings under it, from the file."""
    text = (SEEDS / f"{REPORT}.txt").read_text(encoding="utf-8")
    parent = next(ln.strip() for ln in text.splitlines() if ln.strip().endswith("2020年工作打算"))
    body = text[text.index(parent):]
    heads = re.findall(r"^（[一二三四五六七八九十]）[^。\n]+", body, re.M)
    return parent, heads


def _passages(seed_kb):
    from jianghua.index.search import HybridSearcher
    s = HybridSearcher(seed_kb)
    doc = next(h.chunk.doc_id for h in s.search("2020年工作打算", 5).hits if h.title == REPORT)
    return s, s.passages_of(doc)


def test_the_outline_is_the_headings_under_each_heading(seed_kb):
    parent, heads = _plans()
    _, passages = _passages(seed_kb)
    tree = children(passages)
    path = next(p for p in tree if p and p[-1] == parent)
    assert tree[path] == heads
    assert parent in tree[()]


def test_an_ordinal_names_the_heading_with_that_number(seed_kb):
    parent, heads = _plans()
    s, passages = _passages(seed_kb)
    view = s.view()
    q = analyse("情况通报里2020年的工作打算，第三项是什么？", view.tokenizer.tokens, view.keyword.df, view.n_chunks)
    part = asked_part(q, passages, 3)
    assert part is not None and part[0].quote.rstrip("。") == heads[2]
    doc = seed_kb.document(passages[0].chunk.doc_id).text
    assert doc[part[0].start:part[0].end] == part[0].quote                  # cited where it stands
    whole = asked_part(q, passages, None)
    assert [x.quote.rstrip("。") for x in whole] == [parent] + heads
    # a question whose words no heading holds gets nothing from the outline
    other = analyse("红烧肉怎么做？第三项是什么？", view.tokenizer.tokens, view.keyword.df, view.n_chunks)
    assert asked_part(other, passages, 3) is None


def test_asking_for_an_item_of_a_section_answers_with_it(seed_app):
    """Asked directly, and then "接下来那一项呢？": the third heading with what follows it, then the fourth."""
    _, heads = _plans()
    q1 = "情况通报里2020年的工作打算，第三项是什么？"
    r1 = seed_app.ask(q1, [])
    assert _plain(r1["answer"]).startswith(heads[2]), r1["answer"]
    history = [{"role": "user", "content": q1}, {"role": "assistant", "content": r1["answer"]}]
    r2 = seed_app.ask("接下来那一项呢？", history)
    assert r2["trace"]["standalone"] == q1.replace("第三项", "第四项")
    assert _plain(r2["answer"]).startswith(heads[3]), r2["answer"]


def test_a_list_question_about_a_section_gets_its_headings_grounded(seed_app):
    """"2020年的工作打算有哪几条？": the five headings in order, each cited and checked against its passage with the
    headings it sits under — so the items, whose own text does not repeat 2020年工作打算, are relevant and the answer
    grounded."""
    parent, heads = _plans()
    r = seed_app.ask("2020年的工作打算有哪几条？", [])
    answer = _plain(r["answer"])
    positions = [answer.find(h) for h in heads]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), answer
    assert r["grounded"], r["sentences"]
