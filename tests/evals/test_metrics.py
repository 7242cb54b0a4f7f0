"""Metrics on tiny hand-checkable inputs; each expected value is worked out in a comment."""
import math

import pytest

from jianghua.evals import metrics as M
from jianghua.evals.runner import EvalResult, compare, to_json, to_markdown

# Two gold answers in document A, one in B. Hits are (document stem, chunk text) in rank order.
QRELS = [("A", "10月底"), ("A", "心中有党"), ("B", "三会一课")]
HITS = [
    ("B", "本篇也说到10月底"),          # rank 1: 10月底 is A's answer, this chunk is B's → not relevant
    ("A", "整顿要在10 月底前完成"),      # rank 2: A's 10月底 (the space is whitespace) → qrel 0
    ("A", "无关"),                      # rank 3: nothing
    ("B", "落实“三会一课”制度"),         # rank 4: qrel 2
    ("A", "心中有党、心中有民"),          # rank 5: qrel 1
    ("A", "又是10月底"),                # rank 6: qrel 0 again (adds nothing to recall)
]


def test_norm_deletes_whitespace_only():
    assert M.norm(" 心中\u3000有党\n、 A b\u200b") == "心中有党、Ab"
    assert M.contains("整顿要在10 月底前", "10月底")
    assert not M.contains("abc", "")            # an empty needle matches nothing


def test_strip_markers():
    assert M.strip_markers("甲[1]乙［2］丙【3，4】丁[1, 2]。") == "甲乙丙丁。"


def test_match_answers_needs_gold_doc_and_answer_text():
    found = M.match_answers(HITS, QRELS)
    assert found == [frozenset(), {0}, frozenset(), {2}, {1}, {0}]


def test_recall_mrr_ndcg_by_hand():
    found = M.match_answers(HITS, QRELS)
    assert M.recall_at_k(found, 3, 1) == 0                 # rank 1 is irrelevant
    assert M.recall_at_k(found, 3, 2) == pytest.approx(1 / 3)  # {0}
    assert M.recall_at_k(found, 3, 4) == pytest.approx(2 / 3)  # {0, 2}
    assert M.recall_at_k(found, 3, 5) == 1.0                 # {0, 2, 1}
    assert M.mrr_at_k(found) == 0.5                          # first relevant at rank 2
    assert M.mrr_at_k(found, k=1) == 0.0
    assert M.first_rank(found) == 2
    # relevant at ranks 2, 4, 5, 6: DCG = 1/log2(3) + 1/log2(5) + 1/log2(6) + 1/log2(7)
    #                                   = 0.63093 + 0.43068 + 0.38685 + 0.35621 = 1.80467
    # the version holds 4 relevant chunks: IDCG = 1 + 0.63093 + 0.5 + 0.43068 = 2.56161 → 0.70451
    assert M.ndcg_at_k(found, 4) == pytest.approx(0.70451, abs=1e-5)
    dcg = sum(1 / math.log2(r + 1) for r in (2, 4, 5, 6))
    idcg = sum(1 / math.log2(r + 1) for r in (1, 2, 3, 4))
    assert M.ndcg_at_k(found, 4) == pytest.approx(dcg / idcg)
    assert M.ndcg_at_k([frozenset()], 0) == 0.0             # no chunk holds the answer: 0, not a division error
    with pytest.raises(ValueError):
        M.recall_at_k(found, 0, 5)


def test_gold_fact_strips_markers_before_matching():
    answer = "书记要做到心中有党[1]、心中有民。"
    assert M.gold_fact(answer, ["心中有党、心中有民"])      # 心中有党、心中有民 once [1] is gone
    assert not M.gold_fact(answer, ["心中有责"])
    assert M.answer_recall(answer, ["心中有党", "心中有责"]) == 0.5
    assert M.answer_recall(answer, []) is None


def test_citation_precision_by_hand():
    texts = {"d1": "要做到心中 有党、心中有民。", "d2": "另一篇"}
    cits = [{"doc_id": "d1", "quote": "心中有党"},    # gold doc, quote in its text (whitespace aside) → correct
            {"doc_id": "d2", "quote": "另一篇"},      # not a gold doc → wrong
            {"doc_id": "d1", "quote": "编造的话"},     # quote not in the document → wrong
            {"doc_id": "d1", "quote": ""}]           # empty quote → wrong
    assert M.citations_correct(cits, {"d1"}, texts) == [True, False, False, False]
    assert M.citation_precision(cits, {"d1"}, texts) == 0.25   # 1 of 4
    assert M.citation_precision([], {"d1"}, texts) is None


def test_faithfulness():
    sents = [{"supported": True}, {"supported": False}, {"supported": True}]
    assert M.faithfulness(sents) == pytest.approx(2 / 3)
    assert M.faithfulness([]) is None


DRAFT = "开场白，我表态如下。\n一是抓好整改[1]。二是坚持统一是关键的要求。\n三是完成5个党组织整顿，10月底前[2]，覆盖100%。\n结尾，坚决落实。"


def test_draft_structure_by_hand():
    st = M.draft_structure(DRAFT)
    assert st["ok"]
    assert st["opening"] == "开场白，我表态如下。"
    # 统一是 is not a marker (统 before 一是); 二是 runs to 三是, 三是 to the end of its paragraph
    assert st["measures"] == ["一是抓好整改[1]。", "二是坚持统一是关键的要求。\n", "三是完成5个党组织整顿，10月底前[2]，覆盖100%。"]
    assert st["closing"] == "结尾，坚决落实。"
    assert not M.draft_structure("一是甲。二是乙。三是丙。")["ok"]        # no opening, no closing
    assert not M.draft_structure("开头。\n一是甲。\n二是乙。\n结尾。")["ok"]  # only two measures
    assert not M.draft_structure("开头。\n一是甲。三是丙。二是乙。\n结尾。")["ok"]  # out of order: only 一是, 二是


def test_draft_measures_terms_numbers_length():
    st = M.draft_structure(DRAFT)
    assert M.measures_cited(st["measures"]) == pytest.approx(2 / 3)    # 一是 [1], 三是 [2]; 二是 none
    assert M.measures_cited(st["measures"], [{"text": "二是坚持统一是关键的要求。", "citations": [3]}]) == 1.0
    assert M.terms_share(DRAFT, ["抓好整改", "坚决 落实", "一岗双责"]) == pytest.approx(2 / 3)
    # numbers after removing [1], [2]: 5, 10, 100; quotes hold 5 and 10 → 2/3
    assert M.numbers(DRAFT) == ["5", "10", "100"]
    assert M.numbers_grounded(DRAFT, ["整顿5个党组织", "10月底前完成"]) == pytest.approx(2 / 3)
    assert M.numbers_grounded("没有数字", ["5"]) is None
    # "一二三四五[1] 六": 6 characters once the marker and the space go; target 10 → |6 − 10| / 10 = 0.4
    assert M.draft_length("一二三四五[1] 六") == 6
    assert M.length_error("一二三四五[1] 六", 10) == pytest.approx(0.4)


def test_percentiles_and_mean():
    assert M.percentile([4, 1, 3, 2], 50) == 2.5                 # between 2 and 3
    assert M.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)  # position 0.95 × 3 = 2.85 → 3 + 0.85
    assert M.percentile([], 50) is None
    assert M.latency_summary({"search.total_ms": [1, 2, 3], "empty": []}) == {
        "search.total_ms": {"p50": 2, "p95": pytest.approx(2.9), "n": 3}}
    assert M.mean([True, False, None, 1.0]) == pytest.approx(2 / 3)
    assert M.mean([None]) is None


def _result(version, recall, fa):
    metrics = {"recall@5": recall, "mrr@10": 0.5, "gold_fact": None, "false_abstention": fa}
    return EvalResult("tiny", version, "keyword", metrics, {"queries": 2, "answerable": 1, "unanswerable": 1,
                                                           "drafts": 0},
                      latency={"search.total_ms": {"p50": 2.0, "p95": 3.0, "n": 2}})


def test_compare_and_renderers():
    a, b = _result(1, 0.75, 0.0), _result(2, 0.5, 0.25)
    c = compare(a, b)
    assert c.deltas == {"recall@5": -0.25, "mrr@10": 0.0, "gold_fact": None, "false_abstention": 0.25}
    assert c.latency_deltas == {"search.total_ms": 0.0}
    md = to_markdown(c)
    assert "| recall@5 | 0.750 | 0.500 | -0.250 ▼ |" in md
    assert "| false_abstention | 0.000 | 0.250 | +0.250 ▼ |" in md   # lower is better: a rise is worse
    assert "gold_fact" not in md                                     # measured by neither side
    single = to_markdown(a)
    assert "| recall@5 | 0.750 |" in single and "| search.total_ms | 2.0 | 3.0 | 2 |" in single
    d = to_json(c)
    assert d["deltas"]["recall@5"] == -0.25 and d["a"]["version"] == 1
    assert EvalResult.from_dict(a.to_dict()) == a
