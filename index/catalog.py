"""The documents of one knowledge-base version with the metadata search can scope by (year, date, type, speaker,
title), and which document each chunk row belongs to.

Values come from the documents table (filled at ingest by ``ingest.metadata``); a document ingested before a field
existed gets it from its title and source name here (``ingest.doctype``), so an older knowledge base scopes too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from jianghua.index.store import Store
from jianghua.ingest.doctype import document_type, fallback_year

TITLE_GRAM = 5          # title n-grams a question must repeat to name a document
TITLE_GRAM_MAX_DF = 3   # n-grams in more titles than this are generic (政府工作报告, 全国代表大会)
_TITLE_NOISE = re.compile(r"[\s_（）()《》“”\"'：:，,、·—\-]|共产党员网$")


@dataclass(frozen=True)
class DocInfo:
    id: str
    title: str
    source: str
    date: str | None
    year: int | None
    type: str | None
    speaker: str | None
    occasion: str | None

    def as_dict(self) -> dict:
        return {"doc_id": self.id, "title": self.title, "date": self.date, "year": self.year, "type": self.type,
                "speaker": self.speaker}


def norm_title(s: str) -> str:
    return _TITLE_NOISE.sub("", s or "")


class Catalog:
    """Documents of a version (index ``i`` = position in ``docs``) and ``doc_of_row[chunk row] = i`` (-1: none)."""

    def __init__(self, docs: list[DocInfo], rows: np.ndarray, row_docs: np.ndarray, size: int):
        self.docs = docs
        self.index = {d.id: i for i, d in enumerate(docs)}
        self.doc_of_row = np.full(size, -1, np.int32)
        self.doc_of_row[rows] = row_docs
        years = [d.year for d in docs if d.year]
        self.latest_year = max(years) if years else None
        self.years = np.array([d.year or 0 for d in docs], np.int32)
        grams: dict[str, set[int]] = {}
        for i, d in enumerate(docs):
            t = norm_title(d.title)
            for j in range(len(t) - TITLE_GRAM + 1):
                grams.setdefault(t[j:j + TITLE_GRAM], set()).add(i)
        self.title_grams = {g: s for g, s in grams.items() if len(s) <= TITLE_GRAM_MAX_DF}
        self.speakers = sorted({d.speaker for d in docs if d.speaker and len(d.speaker) >= 2}, key=len, reverse=True)

    @classmethod
    def load(cls, store: Store, version: int, size: int) -> "Catalog":
        rows = store.catalog_documents(version)
        docs = []
        for did, title, source, date, speaker, occasion, typ in rows:
            date = date or fallback_year(title, PurePath(source).name)
            docs.append(DocInfo(did, title, source, date, int(date[:4]) if date else None,
                                typ or document_type(title), speaker, occasion))
        index = {d.id: i for i, d in enumerate(docs)}
        pairs = store.chunk_docs(version)
        r = np.array([p[0] for p in pairs], np.int64)
        d = np.array([index.get(p[1], -1) for p in pairs], np.int32)
        return cls(docs, r, d, size)

    def mask(self, doc_ids) -> np.ndarray:
        m = np.zeros(len(self.docs), bool)
        m[[self.index[i] for i in doc_ids if i in self.index]] = True
        return m

    def row_mask(self, doc_mask: np.ndarray) -> np.ndarray:
        """Chunk-row mask of the documents in ``doc_mask``."""
        ok = self.doc_of_row >= 0
        out = np.zeros(len(self.doc_of_row), bool)
        out[ok] = doc_mask[self.doc_of_row[ok]]
        return out

    def named_by_title(self, query: str) -> tuple[set[int], int]:
        """Documents whose title the query quotes (≥ 2 overlapping distinctive n-grams: 6 characters or more in a
        row), and the most characters one of them has in common with the query."""
        q = norm_title(query)
        hits: dict[int, set[int]] = {}
        for j in range(len(q) - TITLE_GRAM + 1):
            for i in self.title_grams.get(q[j:j + TITLE_GRAM], ()):
                hits.setdefault(i, set()).add(j)
        named = {i: len(p) for i, p in hits.items() if len(p) >= 2}
        return set(named), (max(named.values()) + TITLE_GRAM - 1 if named else 0)

    def describe(self, doc_mask: np.ndarray, n: int = 5) -> list[dict]:
        return [self.docs[i].as_dict() for i in np.flatnonzero(doc_mask)[:n]]
