"""Weighing (assistant/weigh.py): the second ranking stage by each sentence's own vector re-orders only the best
few sentences, never changes the decision to answer, and is a no-op without vectors."""
from __future__ import annotations

from pathlib import Path

import pytest

from jianghua.assistant import answerability
from jianghua.assistant.chain import Turn
from jianghua.assistant.weigh import rerank_dense, weigh

QUESTIONS = ("软弱涣散村党组织整顿要在什么时候之前完成？", "区直机关党组织存在哪些共性问题？",
             "标准化党员活动室的“八有”标准包括哪些内容？")


def _weigh(app, question: str, similar):
    turn = app.assistant.prepare.invoke(Turn(question, []))
    view = turn.view
    return turn, weigh(turn.standalone, turn.hits, view.tokenizer.tokens, view.keyword.df, max(1, view.n_chunks),
                       app.assistant.searcher.dense_similarity(turn.standalone, turn.hits), similar=similar)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_second_stage_reorders_the_best_few_and_keeps_the_decision(seed_app, question):
    searcher = seed_app.assistant.searcher
    turn, plain = _weigh(seed_app, question, None)
    _, reweighed = _weigh(seed_app, question, lambda texts: searcher.sentence_similarity(turn.standalone, texts))
    cfg = answerability.models().sentence_dense
    assert cfg and cfg["weight"] > 0
    assert reweighed.decision.as_dict() == plain.decision.as_dict()
    assert plain.decision.answer
    k = int(cfg["top"])
    head = {c.quote for c in plain.ranked[:k]}
    assert reweighed.ranked[0].quote in head
    sims = searcher.sentence_similarity(turn.standalone, [c.quote for c in plain.ranked[:k]])
    closest = plain.ranked[:k][sims.index(max(sims))].quote
    # the sentence closest to the question keeps its score; the others can only lose
    before = {c.quote: c.score for c in plain.ranked}
    after = {c.quote: c.score for c in reweighed.ranked}
    assert after[closest] == pytest.approx(before[closest])
    assert all(after[q] <= before[q] + 1e-12 for q in head)
    assert all(after[q] == before[q] for q in before if q not in head)


def test_weight_zero_or_no_vectors_leave_the_ranking_as_it_was(seed_app):
    turn, plain = _weigh(seed_app, QUESTIONS[0], None)
    order = [c.quote for c in plain.ranked]
    same = rerank_dense(list(plain.ranked), lambda texts: [0.5] * len(texts), 5, 0.0)
    assert [c.quote for c in same] == order
    same = rerank_dense(list(plain.ranked), lambda texts: None, 5, 15.0)
    assert [c.quote for c in same] == order


def test_a_closer_sentence_overtakes_by_its_weight_times_the_cosine_gap(seed_app):
    import math
    _, plain = _weigh(seed_app, QUESTIONS[1], None)
    first, second = plain.ranked[0].quote, plain.ranked[1].quote

    def logit(p):
        return math.log(p / (1 - p))
    lead = logit(plain.ranked[0].score) - logit(plain.ranked[1].score)
    sims = lambda texts: [0.8 if t == second else 0.7 for t in texts]   # noqa: E731  second is closer by 0.1
    out = rerank_dense(list(plain.ranked), sims, 5, (lead + 0.5) / 0.1)
    assert out[0].quote == second and out[0].features["sentence_dense"] == 0.8
    assert out[1].quote == first
    _, plain = _weigh(seed_app, QUESTIONS[1], None)          # rerank_dense re-scores the candidates it is given
    out = rerank_dense(list(plain.ranked), sims, 5, max(0.0, lead - 0.5) / 0.1)
    assert out[0].quote == first


REPORTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre" / "gov_work_reports_wikisource"


@pytest.mark.skipif(not REPORTS.is_dir(), reason="shared corpus not beside the repository")
def test_a_named_report_answers_before_another_year_saying_the_same(tmp_path):
    """Four real 政府工作报告 (2016–2019) set a 城镇新增就业 target each, in the same words. Asked of a named year,
    some year's best sentence comes from another year's report on words alone; with the named documents given
    (the search trace's ``hit_documents``), the best sentence is the named year's, every year."""
    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.settings import Settings

    years = (2016, 2017, 2018, 2019)
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    kb.ingest([next(REPORTS.glob(f"*_{y}_*.txt")) for y in years], progress=False, embed=False)
    searcher = HybridSearcher(kb)
    view = searcher.view(None)
    year_of = lambda c: int(Path(c.source.hit.source).name.split("_")[1])      # noqa: E731
    plain, named = [], []
    for y in years:
        q = f"{y}年政府工作报告提出城镇新增就业目标是多少？"
        res = searcher.search(q, 8)
        args = (q, res.hits, view.tokenizer.tokens, view.keyword.df, view.n_chunks)
        plain.append(year_of(weigh(*args).ranked[0]))
        named.append(year_of(weigh(*args, named=set(res.trace["scope"]["hit_documents"])).ranked[0]))
    assert named == list(years)
    assert plain != list(years)             # the reason for the rule


@pytest.mark.skipif(not REPORTS.is_dir(), reason="shared corpus not beside the repository")
def test_a_follow_up_about_a_part_of_the_previous_answer_is_answered_from_it(tmp_path):
    """"其中中央财政拿了多少？" after an answer quoting "两年新增4万亿元投资，其中中央财政投资1.26万亿元，…" (the 2013
    report; the sentence read off the file): that sentence holds the follow-up's words and a figure, and comes first,
    although other years' reports have sentences on 中央财政 spending that score higher on words alone."""
    import re as _re

    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.settings import Settings

    files = [next(REPORTS.glob(f"*_{y}_*.txt")) for y in (2010, 2012, 2013)]
    said = _re.search(r"[^。]*其中中央财政投资[^。]*。", files[2].read_text(encoding="utf-8")).group()
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    kb.ingest(files, progress=False, embed=False)
    searcher = HybridSearcher(kb)
    view = searcher.view(None)
    q = "其中中央财政拿了多少？"
    hits = searcher.search(q, 8).hits
    hits += [h for h in searcher.search(said, 3, mode="keyword").hits if h.chunk.id not in {x.chunk.id for x in hits}]
    args = (q, hits, view.tokenizer.tokens, view.keyword.df, view.n_chunks)
    plain = weigh(*args, previous=[said], focus="中央财政拿了多少？")
    within = weigh(*args, previous=[said], focus="中央财政拿了多少？", within=True)
    assert within.within and within.ranked[0].quote == said
    assert plain.ranked[0].quote != said and not plain.within        # the reason for the rule
