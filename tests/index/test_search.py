"""Hybrid search (index/search.py) over the seed knowledge base: provenance, modes, fusion, validation."""
import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
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


# -- scope, filters and stages (issue 12) -----------------------------------------------------------------------
def test_explicit_filters_restrict_every_hit(seed_kb, searcher):
    docs = {d["title"]: d for d in seed_kb.documents()}
    target = docs["全面从严治党表态发言"]["doc_id"]
    res = searcher.search("基层党组织建设", k=10, doc_id=target)
    assert res.hits and {h.chunk.doc_id for h in res.hits} == {target}
    assert res.trace["scope"]["applied"] and res.trace["scope"]["hard"]
    res = searcher.search("基层党组织建设", k=10, type="通报")
    assert res.hits and {h.title for h in res.hits} == {"关于落实全面从严治党主体责任情况通报"}
    res = searcher.search("基层党组织建设", k=10, type=["通报", "表态发言"], mode="keyword")
    assert {h.title for h in res.hits} == {"关于落实全面从严治党主体责任情况通报", "全面从严治党表态发言"}


def test_a_filter_nothing_matches_returns_no_hits(searcher):
    res = searcher.search("基层党组织建设", k=5, year=1901)
    assert res.hits == [] and res.trace["scope"]["note"]


def test_a_named_document_comes_first_and_the_trace_says_so(searcher):
    res = searcher.search("表态发言里说基层组织建设的差距在哪里？", k=8)
    assert res.hits[0].title == "全面从严治党表态发言"
    sc = res.trace["scope"]
    assert sc["applied"] and not sc["hard"] and sc["named"]["type"] == ["表态发言"]
    assert len({h.title for h in res.hits}) > 1             # a boost, not a filter: other documents follow
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)


def test_heading_and_title_fields_find_the_section(searcher):
    res = searcher.search("机关党建的整改", k=3)
    assert res.hits[0].chunk.section[0] == "一、坚持改字为先，抓紧抓好整改落实工作"
    assert res.hits[0].title == "在区直机关党建推进会上的讲话"


def test_boilerplate_leaves_the_keyword_query(searcher):
    res = searcher.search("打算怎样整顿软弱涣散党组织？", k=3)
    assert "打算" in res.trace["terms"] and "打算" not in res.trace["keyword_terms"]
    assert res.trace["rewrite"]["dropped"]


def test_with_every_stage_off_the_search_is_the_plain_fusion(seed_kb):
    s = HybridSearcher(seed_kb)
    s.stages = {k: False for k in s.stages}
    res = s.search("表态发言里说基层组织建设的差距在哪里？", k=10)
    assert not res.trace["scope"]["applied"] and res.trace["stages"] == []
    assert res.trace["keyword_terms"] == res.trace["terms"]
    st = seed_kb.settings
    for h in res.hits:
        expected = sum(w / (st.rrf_k + r) for w, r in ((st.keyword_weight, h.keyword_rank),
                                                         (st.dense_weight, h.dense_rank)) if r)
        assert h.score == pytest.approx(expected)


# -- sentence similarity (the answer's second ranking stage) --------------------------------------------------------

def test_sentence_similarity_is_the_cosine_of_query_and_passage_vectors(seed_kb):
    import numpy as np
    searcher = HybridSearcher(seed_kb)
    hit = searcher.search(QUERY, k=1).hits[0]
    texts = [s for s in hit.chunk.text.split("。") if s][:3]
    sims = searcher.sentence_similarity(QUERY, texts)
    q = seed_kb.embedder.embed_query(QUERY)
    want = seed_kb.embedder.embed_passages(texts) @ q
    assert np.allclose(sims, want, atol=1e-5)
    assert all(-1.0 <= s <= 1.0 for s in sims)


def test_sentence_vectors_are_embedded_once(seed_kb):
    searcher = HybridSearcher(seed_kb)
    calls = []
    real = seed_kb.embedder.embed_passages

    def counting(texts):
        calls.append(list(texts))
        return real(texts)

    searcher.kb.embedder.embed_passages = counting
    try:
        searcher.sentence_similarity(QUERY, ["村级党组织整顿完成。", "党员发展工作。"])
        searcher.sentence_similarity("党员发展", ["党员发展工作。", "新的一句话。", "新的一句话。"])
    finally:
        del searcher.kb.embedder.embed_passages
    assert calls == [["村级党组织整顿完成。", "党员发展工作。"], ["新的一句话。"]]


def test_sentence_similarity_is_off_with_dense_search(seed_kb):
    kb = KnowledgeBase.open(seed_kb.settings.with_(dense_weight=0.0), embedder=seed_kb.embedder)
    assert HybridSearcher(kb).sentence_similarity(QUERY, ["村级党组织整顿完成。"]) is None
