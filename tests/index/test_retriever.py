"""The hybrid searcher behind langchain's BaseRetriever interface."""
from pathlib import Path

from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from jianghua.index.retriever import JianghuaRetriever
from jianghua.index.search import HybridSearcher


def test_retriever_returns_the_searchers_hits_as_langchain_documents(seed_kb):
    searcher = HybridSearcher(seed_kb)
    retriever = JianghuaRetriever(searcher=searcher, k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("三会一课制度落实")
    hits = searcher.search("三会一课制度落实", 4).hits
    assert [d.metadata["chunk_id"] for d in docs] == [h.chunk.id for h in hits]
    for d, h in zip(docs, hits):
        assert isinstance(d, LCDocument)
        assert d.page_content == h.chunk.text
        assert d.metadata["section"] == list(h.chunk.section)
        assert (d.metadata["start"], d.metadata["end"]) == (h.chunk.start, h.chunk.end)
        text = seed_kb.document(d.metadata["doc_id"]).text
        assert text[d.metadata["start"]:d.metadata["end"]] == d.page_content
        raw = "".join(Path(d.metadata["source"]).read_text(encoding="utf-8").split())     # the seed file itself
        assert "".join(d.page_content.split()) in raw
    assert "三会一课" in docs[0].page_content            # what was asked for, not just what the searcher returned
