"""Question normalisation and content terms: each rule on its own, with inputs a user would type."""
from __future__ import annotations

import pytest

from jianghua.assistant.question import QUESTION_WORDS, analyse, choose_script, normalise, to_simplified


@pytest.mark.parametrize("typed, expected", [
    ("标准化党员活动室的「八有」标准包括哪些内容？", "标准化党员活动室的“八有”标准包括哪些内容？"),
    ("标准化党员活动室的『八有』标准包括哪些内容？", "标准化党员活动室的“八有”标准包括哪些内容？"),
    ('标准化党员活动室的"八有"标准包括哪些内容？', "标准化党员活动室的“八有”标准包括哪些内容？"),
    ("标准化党员活动室的‘八有’标准包括哪些内容？", "标准化党员活动室的“八有”标准包括哪些内容？"),
    ("２０２４年ＧＤＰ增长目标是多少？", "2024年GDP增长目标是多少？"),
    ("三会一课\u3000是什么？", "三会一课 是什么？"),
    ("增长５．５％左右", "增长5.5%左右"),
])
def test_normalise_quotes_fullwidth_and_spaces(typed, expected):
    assert normalise(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("存量房贷利息少付了，咋做到的？", "存量房贷利息少付了，怎么做到的？"),
    ("效果咋样？", "效果怎么样？"),
    ("爱国卫生运动说到底算个啥？", "爱国卫生运动说到底算个什么？"),
    ("为啥要一体推进不敢腐、不能腐、不想腐？", "为什么要一体推进不敢腐、不能腐、不想腐？"),
    ("啥时候整改到位？", "什么时候整改到位？"),
])
def test_normalise_writes_spoken_question_words_as_written_ones(typed, expected, seed_kb):
    """No official text says 咋 or 啥: left as they are, they count as salient words the corpus lacks."""
    assert normalise(typed) == expected
    from jianghua.index.search import HybridSearcher
    view = HybridSearcher(seed_kb).view()
    assert not any(w in view.tokenizer.tokens(normalise(typed)) for w in ("咋", "啥"))


def test_normalise_keeps_chinese_punctuation():
    q = "各级党组织书记，在主体责任中要做到什么？"
    assert normalise(q) == q


def test_traditional_question_becomes_simplified_for_a_simplified_corpus(seed_kb):
    from jianghua.index.search import HybridSearcher
    view = HybridSearcher(seed_kb).view()
    trad = "標準化黨員活動室的建設標準包括哪些內容？"
    assert to_simplified(trad) == "标准化党员活动室的建设标准包括哪些内容？"
    assert choose_script(trad, view.tokenizer.tokens, view.keyword.df) == "标准化党员活动室的建设标准包括哪些内容？"
    # a question the corpus knows as typed is left alone
    simp = "三会一课是什么？"
    assert choose_script(simp, view.tokenizer.tokens, view.keyword.df) == simp


def test_choose_script_keeps_traditional_when_the_corpus_is_traditional():
    corpus_terms = {"黨員", "活動室", "標準"}
    tokens = lambda t: [w for w in ("黨員", "活動室", "標準", "党员", "活动室", "标准") if w in t]  # noqa: E731
    df = lambda w: 1 if w in corpus_terms else 0                                                  # noqa: E731
    assert choose_script("黨員活動室標準", tokens, df) == "黨員活動室標準"


def _analyse(text, corpus: dict[str, int], n=100):
    # like the product's tokenizer: lower-cased tokens
    tokens = lambda t: [w.lower() for w in corpus | {"2023年": 0, "GDP": 0, "增长": 0, "多少": 0} if w in t]  # noqa: E731
    return analyse(text, tokens, lambda w: corpus.get(w, 0), n)


def test_question_words_are_not_content():
    q = _analyse("村干部报酬是多少？", {"村干部": 3, "报酬": 2, "多少": 50})
    assert [t.text for t in q.terms] == ["村干部", "报酬"]
    assert "多少" in QUESTION_WORDS


def test_a_count_the_question_asks_in_is_not_content():
    # "提升哪三种“力”": the passage lists three items, it does not say 三种 — an unseen 三种 is no evidence against it
    tokens = lambda t: ["提升", "哪三种", "三种", "力", "分", "哪几个", "方面", "党的", "一大", "三个代表"]   # noqa: E731
    df = {"提升": 5, "力": 9, "分": 4, "方面": 30, "党的": 20, "一大": 2, "三个代表": 3}
    q = analyse("要提升哪三种力，分了哪几个方面，党的一大和三个代表", tokens, lambda w: df.get(w, 0), 100)
    assert [t.text for t in q.terms] == ["提升", "力", "分", "党的", "一大", "三个代表"]
    assert q.unseen_share == 0


def test_an_ordinal_pointing_at_an_item_is_not_content():
    # "…任务，第一项是什么？": 第一项 says where the answer is, not what it is about (and is rare, so it would weigh
    # most); in 第一个五年计划 the ordinal is part of a name and stays
    tokens = lambda t: [w for w in ("政府", "任务", "第一", "第一项", "第一个", "五年计划") if w in t]    # noqa: E731
    df = {"政府": 30, "任务": 20, "第一": 5, "第一项": 1, "第一个": 3, "五年计划": 2}
    q = analyse("政府工作任务，第一项是什么？", tokens, lambda w: df.get(w, 0), 100)
    assert [x.text for x in q.terms] == ["政府", "任务"]
    q = analyse("第一个五年计划是哪一年开始的？", tokens, lambda w: df.get(w, 0), 100)
    assert "第一" in [x.text for x in q.terms] and "五年计划" in [x.text for x in q.terms]
    # 第二个 / 第三种 point as 第二项 does; 怎么表述的 / 原话 ask for the wording, not a subject
    tokens = lambda t: [w for w in ("第二个", "表述", "原话", "打算", "建设") if w in t]    # noqa: E731
    q = analyse("其中第二个是怎么表述的？原话呢？", tokens, lambda w: 3, 100)
    assert q.terms == []


def test_a_term_the_corpus_never_uses_counts_against_answering():
    q = _analyse("2023年全国GDP增长了多少？", {"增长": 20})
    unseen = {t.text for t in q.terms if not t.seen}
    assert "gdp" in unseen
    assert q.unseen_share > 0.5
    # and its weight is the highest: the rarest possible term
    assert max(q.terms, key=lambda t: t.weight).text in unseen


def test_unseen_compound_with_known_parts_is_a_segmentation_artefact():
    tokens = lambda t: ["村干部报酬", "村干部", "报酬"]                          # noqa: E731
    df = {"村干部": 3, "报酬": 2}.get
    q = analyse("村干部报酬", tokens, lambda w: df(w) or 0, 100)
    assert [t.text for t in q.terms] == ["村干部", "报酬"]
    assert q.unseen_share == 0


def test_coverage_counts_substrings_and_keeps_unseen_terms_in_the_denominator():
    q = _analyse("2023年GDP增长多少", {"增长": 20})
    assert 0 < q.coverage("经济增长较快") < 0.5
    assert q.coverage("2023年GDP增长5%") == pytest.approx(1.0)


def test_quoted_phrases_are_kept():
    q = _analyse("标准化党员活动室的“八有”标准包括哪些内容？", {"八有": 1, "标准": 4})
    assert q.quoted == ["八有"]
