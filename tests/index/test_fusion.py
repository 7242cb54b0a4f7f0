"""Reciprocal rank fusion (index/fusion.py)."""
import pytest

from jianghua.index.fusion import rrf


def test_scores_are_weighted_reciprocal_ranks():
    fused = dict(rrf([["a", "b", "c"], ["c", "a"]], [1.0, 2.0], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 2 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 2 / 61)


def test_order_is_by_fused_score():
    fused = rrf([["a", "b", "c"], ["c", "a"]], [1.0, 2.0], k=60)
    assert [i for i, _ in fused] == ["c", "a", "b"]
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)


def test_agreement_beats_a_single_first_place():
    # second in both lists outranks first in only one
    fused = rrf([["x", "both"], ["y", "both"]], [1.0, 1.0], k=60)
    assert fused[0][0] == "both"


def test_zero_weight_ignores_a_list():
    fused = rrf([["a", "b"], ["z"]], [1.0, 0.0])
    assert [i for i, _ in fused] == ["a", "b"]


def test_smaller_k_rewards_the_top_more():
    lists = [["a", "b", "c", "d"], ["d", "c", "b", "a"]]
    top_small_k = dict(rrf(lists, [1.0, 1.2], k=1))
    top_big_k = dict(rrf(lists, [1.0, 1.2], k=1000))
    assert max(top_small_k, key=top_small_k.get) == "d"
    # with k large, ranks matter little: the scores nearly coincide
    assert max(top_big_k.values()) - min(top_big_k.values()) < 1e-3


def test_ties_keep_first_seen_order_and_empty_lists():
    fused = rrf([["a", "b"], ["b", "a"]], [1.0, 1.0])
    assert [i for i, _ in fused] == ["a", "b"]
    assert rrf([[], []], [1.0, 1.0]) == []


def test_one_weight_per_list():
    with pytest.raises(ValueError):
        rrf([["a"], ["b"]], [1.0])
