"""The hybrid searcher as a langchain ``BaseRetriever``, for use in other langchain pipelines."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class JianghuaRetriever(BaseRetriever):
    """``JianghuaRetriever(searcher=HybridSearcher(kb), k=5).invoke("问题")`` → langchain Documents whose metadata
    carries the hit's chunk id, document, section path, offsets, fused score and ranks."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: Any
    k: int = 5
    version: Any = None
    mode: str = "hybrid"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        res = self.searcher.search(query, self.k, version=self.version, mode=self.mode)
        out = []
        for h in res.hits:
            meta = h.to_dict()
            text = meta.pop("text")
            out.append(LCDocument(page_content=text, metadata=meta))
        return out
