"""Hybrid search (index/search.py) over the seed knowledge base: provenance, modes, fusion, validation."""
import pytest

from index.kb import KnowledgeBase
from index.search import HybridSearcher
from jianghua.errors import InputError, VersionError

QUERY = "软弱涣散村级党组织什么时候整顿完成"


@pytest.fixture(scope="module")
def searcher(seed_kb):
    return HybridSearcher(seed_kb)


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "dense"])
def test_hits_point_into_their_documents(seed_kb, searcher, mode):
    res = searcher.search(QUERY, k=8, mode=mode)
    assert len(res.hits) == 8
    docs = {d["doc_id"]: d for d in seed_kb.documents()}
    for h in res.hits:
        doc = seed_kb.document(h.chunk.doc_id)
        assert doc.text[h.chunk.start:h.chunk.end] == h.chunk.text
        assert h.title == docs[h.chunk.doc_id]["title"] and h.source == docs[h.chunk.doc_id]["source"]
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.chunk.id for h in res.hits}) == 8
    assert res.trace["mode"] == mode and res.trace["version"] == seed_kb.serving()


def test_single_list_modes_keep_their_list_order(searcher):
    kw = searcher.search(QUERY, k=10, mode="keyword").hits
    assert [h.keyword_rank for h in kw] == list(range(1, 11))
    de = searcher.search(QUERY, k=10, mode="dense").hits
    assert [h.dense_rank for h in de] == list(range(1, 11))
    assert all(h.keyword_rank is None for h in de)


def test_hybrid_scores_are_the_rrf_of_both_ranks(seed_kb, searcher):
    s = seed_kb.settings
    hits = searcher.search(QUERY, k=20).hits
    assert any(h.keyword_rank and h.dense_rank for h in hits)
    for h in hits:
        expected = sum(w / (s.rrf_k + r) for w, r in ((s.keyword_weight, h.keyword_rank),
                                                        (s.dense_weight, h.dense_rank)) if r)
        assert h.score == pytest.approx(expected)
    kw = [h.chunk.id for h in searcher.search(QUERY, k=50, mode="keyword").hits]
    de = [h.chunk.id for h in searcher.search(QUERY, k=50, mode="dense").hits]
    for h in hits:     # the ranks reported are the ranks in the single lists
        if h.keyword_rank:
            assert kw[h.keyword_rank - 1] == h.chunk.id
        if h.dense_rank:
            assert de[h.dense_rank - 1] == h.chunk.id


def test_full_dense_coverage_and_timings(searcher):
    res = searcher.search(QUERY, k=5)
    assert res.trace["dense_coverage"] == 1.0 and "note" not in res.trace
    assert res.trace["terms"] and {"keyword_ms", "dense_ms", "total_ms"} <= set(res.trace["timings"])


def test_keyword_only_settings_never_embed_the_query(seed_kb):
    kb = KnowledgeBase.open(seed_kb.settings.with_(dense_weight=0.0), embedder=seed_kb.embedder)
    res = HybridSearcher(kb).search(QUERY, k=5)
    assert res.hits and all(h.dense_rank is None for h in res.hits)
    assert "embed_query_ms" not in res.trace["timings"]


@pytest.mark.parametrize("kwargs", [dict(query=""), dict(query="   "), dict(query=QUERY, k=0),
                                    dict(query=QUERY, k=101), dict(query=QUERY, mode="semantic")])
def test_bad_requests(searcher, kwargs):
    with pytest.raises(InputError):
        searcher.search(**kwargs)


def test_unknown_version(searcher):
    with pytest.raises(VersionError):
        searcher.search(QUERY, version=99)


def test_a_query_of_stop_words_only_still_answers_by_meaning(searcher):
    res = searcher.search("是什么？", k=3)
    assert res.trace["terms"] == [] and len(res.hits) == 3
    assert all(h.keyword_rank is None for h in res.hits)


def test_a_repeated_query_is_embedded_once(seed_kb):
    searcher = HybridSearcher(seed_kb)
    calls = []
    real = seed_kb.embedder.embed_queries

    def counting(texts):
        calls.extend(texts)
        return real(texts)

    searcher.kb.embedder.embed_queries = counting
    try:
        first = searcher.search("三会一课制度怎么落实", 5)
        again = searcher.search("三会一课制度怎么落实", 5)
        other = searcher.search("软弱涣散党组织整顿", 5)
    finally:
        del searcher.kb.embedder.embed_queries
    assert calls == ["三会一课制度怎么落实", "软弱涣散党组织整顿"]
    assert [h.chunk.id for h in first.hits] == [h.chunk.id for h in again.hits]
    assert other.hits
