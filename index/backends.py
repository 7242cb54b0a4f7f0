"""The parts that must scale, behind small Protocols, and the one place that picks a backend.

    JIANGHUA_BACKEND=embedded   SQLite store + BM25 over SQLite postings + a FAISS file (the default)
    JIANGHUA_BACKEND=milvus     the same SQLite store for documents, chunk rows and versions; passages, BM25 and
                                vectors in a Milvus collection (index/milvus_store.py) at JIANGHUA_MILVUS_URI:
                                a path ending .db runs Milvus Lite in-process, http://host:19530 a server

The rest of the code sees only these shapes: a ``PassageIndex`` the knowledge base keeps in step after each write
(``kb.mirror``), and a version view (``index.view.VersionView`` or ``index.milvus_search.MilvusView``) that
answers ``keyword_lists`` and ``dense_lists`` for one version.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from jianghua.index.kb import KnowledgeBase


@runtime_checkable
class PassageIndex(Protocol):
    """The search-side copy of the store: the FAISS mirror, or a Milvus collection. SQLite stays the truth."""

    max_id: int          # the largest vector id it holds (vector ids only grow)

    def load(self): ...

    def refresh(self, full: bool = False) -> bool:
        """Catch up with the store (``full``: also drop what a prune deleted). True if anything changed."""

    def versions_changed(self) -> None:
        """Called after a version is written (ingest, remove)."""

    def save(self) -> None: ...


@runtime_checkable
class KeywordSearch(Protocol):
    """Full-text candidates of one version: (chunk row, score) best first."""

    def keyword(self, text: str, version: int, k: int, doc_ids: list[str] | None = None) -> list[tuple[int, float]]:
        ...


@runtime_checkable
class DenseSearch(Protocol):
    """Nearest passages of one version by inner product: (chunk row, score) best first."""

    def dense(self, vector: np.ndarray, version: int, k: int,
              doc_ids: list[str] | None = None) -> list[tuple[int, float]]: ...


@runtime_checkable
class VersionMembership(Protocol):
    """Which chunk rows a version holds (the passage store with version membership)."""

    def version_numbers(self) -> list[int]: ...

    def version_rows(self, version: int) -> set[int]: ...


def milvus_uri(kb: "KnowledgeBase") -> str:
    return kb.settings.milvus_uri or str(Path(kb.dir) / "milvus.db")


def make_passage_index(kb: "KnowledgeBase") -> PassageIndex:
    if kb.settings.backend == "milvus":
        from jianghua.index.milvus_store import MilvusPassages, collection_name
        name = collection_name(kb.dir, kb.store.get_meta().get("created"))   # one collection per knowledge base
        return MilvusPassages(kb.store, milvus_uri(kb), kb.embedder.dim, name, kb.tokenizer())
    from jianghua.index.embedding import VectorMirror
    return VectorMirror(kb.store, Path(kb.dir) / "vectors.faiss", kb.embedder.dim)


def view_class(kb: "KnowledgeBase") -> type:
    if kb.settings.backend == "milvus":
        from jianghua.index.milvus_search import MilvusView
        return MilvusView
    from jianghua.index.view import VersionView
    return VersionView
