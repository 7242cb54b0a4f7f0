"""BM25 keyword index (index/keyword.py) on a corpus small enough to check by hand, and through a real KB."""
import math

import numpy as np
import pytest

from jianghua.index.embedding import passage_text
from jianghua.index.kb import KnowledgeBase
from jianghua.index.keyword import KeywordIndex, postings_rows
from jianghua.index.search import HybridSearcher
from jianghua.index.store import Store
from jianghua.settings import Settings

K1, B = 1.2, 0.75        # the usual BM25 parameters (Lucene, Elasticsearch)

# chunk row -> tokens. Row 4 exists in the store but not in the version searched.
CORPUS = {
    1: ["党建", "责任", "责任"],
    2: ["党建", "基层"],
    3: ["作风", "基层", "基层", "基层"],
    4: ["责任", "责任", "责任", "基层"],
}
MEMBERS = [1, 2, 3]


def bm25(query: list[str], corpus: dict[int, list[str]], members: list[int]) -> dict[int, float]:
    """BM25 written out from its definition: idf = ln(1 + (N - df + 0.5) / (df + 0.5))."""
    docs = {r: corpus[r] for r in members}
    n = len(docs)
    avgdl = sum(len(t) for t in docs.values()) / n
    scores = {}
    for r, toks in docs.items():
        s = 0.0
        for term in dict.fromkeys(query):
            df = sum(1 for t in docs.values() if term in t)
            tf = toks.count(term)
            if tf == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(toks) / avgdl))
        if s > 0:
            scores[r] = s
    return scores


@pytest.fixture
def index(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.create()
    with store.transaction() as c:
        for row, toks in CORPUS.items():
            c.executemany("INSERT INTO postings(term, chunk, tf) VALUES(?,?,?)", postings_rows(row, toks))
    size = max(CORPUS) + 1
    member = np.zeros(size, bool)
    member[MEMBERS] = True
    lengths = np.ones(size, np.float32)
    for row, toks in CORPUS.items():
        lengths[row] = len(toks)
    yield KeywordIndex(store.postings, member, lengths)
    store.close()


def test_postings_rows_count_terms():
    assert sorted(postings_rows(7, ["a", "b", "a"])) == [("a", 7, 2), ("b", 7, 1)]


@pytest.mark.parametrize("query", [["责任"], ["基层"], ["党建", "责任"], ["基层", "作风", "党建"], ["责任", "责任"]])
def test_scores_match_the_formula(index, query):
    expected = bm25(query, CORPUS, MEMBERS)
    res = index.search(query, 10)
    got = dict(zip(res.rows.tolist(), res.scores.tolist()))
    assert got.keys() == expected.keys()
    for r in expected:
        assert got[r] == pytest.approx(expected[r], rel=1e-5)
    assert list(res.scores) == sorted(res.scores, reverse=True)


def test_only_the_version_rows_count(index):
    # row 4 holds "责任" three times but is not in the version: neither a hit nor counted in df/N/avgdl
    res = index.search(["责任"], 10)
    assert 4 not in res.rows.tolist()
    assert index.n == 3 and index.avgdl == pytest.approx((3 + 2 + 4) / 3)


def test_matched_terms_and_unknown_terms(index):
    res = index.search(["党建", "基层", "不存在的词"], 10)
    assert set(res.matched[1]) == {"党建"}
    assert set(res.matched[2]) == {"党建", "基层"}
    assert set(res.matched[3]) == {"基层"}
    assert len(index.search(["不存在的词"], 10).rows) == 0
    assert len(index.search([], 10).rows) == 0


def test_k_limits_and_ties_by_row(index):
    res = index.search(["党建"], 1)
    assert len(res.rows) == 1
    # rows 1 and 2 both hold 党建 once; row 2 is shorter, so it scores higher
    assert res.rows[0] == 2


def test_idf(index):
    assert index.idf("基层") == pytest.approx(math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)))
    assert index.idf("不存在的词") == pytest.approx(math.log(1 + 3.5 / 0.5))


# -- through a real knowledge base (jieba tokens, stored postings) -------------------------------------------------
DOCS = [
    "一、加强基层党建\n基层党组织要落实主体责任。各级党组织书记要履行第一责任人职责。",
    "一、转变工作作风\n坚决反对形式主义、官僚主义，力戒作风漂浮。",
    "一、推进乡村振兴\n发展特色产业，壮大村级集体经济，带动群众增收。",
]


def make_docs(texts):
    from jianghua.ingest.documents import document_from_text
    return [document_from_text(t, source=f"doc{i}.txt") for i, t in enumerate(texts)]


def test_kb_keyword_scores_match_the_formula(tmp_path):
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0), create=True)
    kb.ingest_documents(make_docs(DOCS), progress=False, embed=False)
    tok = kb.tokenizer()
    rows = kb.store.conn().execute('SELECT rowid, section, text FROM chunks').fetchall()
    corpus = {r: tok.tokens(passage_text(sec, text)) for r, sec, text in rows}
    query = "基层党组织书记的责任"
    terms = tok.tokens(query)
    expected = bm25(terms, corpus, list(corpus))
    searcher = HybridSearcher(kb)
    raw = searcher.view().keyword.search(terms, 10)
    assert dict(zip(raw.rows.tolist(), raw.scores.tolist())) == pytest.approx(expected, rel=1e-5)
    res = searcher.search(query, k=10, mode="keyword")
    got = {h.chunk.meta["row"]: h for h in res.hits}
    assert set(got) == set(expected)
    ranked = sorted(expected, key=lambda r: -expected[r])
    assert [h.chunk.meta["row"] for h in res.hits] == ranked
    assert res.trace["terms"] == terms
    top = res.hits[0]
    assert top.keyword_rank == 1 and top.dense_rank is None and set(top.matched) <= set(terms)
    kb.close()


def test_kb_version_statistics_are_its_own(tmp_path):
    """A version scores the same whatever later versions the store holds."""
    docs = make_docs(DOCS)
    a = KnowledgeBase.open(Settings(kb=tmp_path / "a", dense_weight=0), create=True)
    a.ingest_documents(docs[:2], progress=False, embed=False)
    a.ingest_documents(docs[2:], progress=False, embed=False)            # version 2 adds a document
    b = KnowledgeBase.open(Settings(kb=tmp_path / "b", dense_weight=0), create=True)
    b.ingest_documents(docs[:2], progress=False, embed=False)
    q = "基层党组织责任和作风"
    ra = HybridSearcher(a).search(q, k=10, version=1, mode="keyword").hits
    rb = HybridSearcher(b).search(q, k=10, version=1, mode="keyword").hits
    assert [h.chunk.id for h in ra] == [h.chunk.id for h in rb]
    terms = a.tokenizer().tokens(q)
    ka = HybridSearcher(a).view(1).keyword.search(terms, 10)
    kb_ = HybridSearcher(b).view(1).keyword.search(terms, 10)
    assert ka.scores.tolist() == pytest.approx(kb_.scores.tolist(), rel=1e-6)
    # while version 2 (one more chunk, so another N and avgdl) scores the same chunks differently
    k2 = HybridSearcher(a).view(2).keyword
    assert k2.n == 3 and HybridSearcher(a).view(1).keyword.n == 2
    assert k2.search(terms, 10).scores.tolist() != pytest.approx(ka.scores.tolist(), rel=1e-6)
    a.close()
    b.close()
