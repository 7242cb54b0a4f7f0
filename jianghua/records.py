"""The records that flow through the pipeline: Document in, Chunk through, Hit out."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def content_hash(text: str, n: int = 16) -> str:
    """Stable hex id of a text (sha256 prefix)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


@dataclass(frozen=True)
class Document:
    """A cleaned source document. ``text`` is what every chunk offset refers to."""

    id: str
    title: str
    source: str
    text: str
    date: str | None = None
    speaker: str | None = None
    occasion: str | None = None
    meta: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``doc.text[start:end] == text``."""

    id: str
    doc_id: str
    text: str
    section: tuple[str, ...]
    start: int
    end: int
    meta: dict = field(default_factory=dict, compare=False)

    @staticmethod
    def make_id(doc_id: str, start: int, end: int, text: str) -> str:
        return content_hash(f"{doc_id}:{start}:{end}:{text}")


@dataclass
class Hit:
    """A retrieved chunk with its provenance and scores."""

    chunk: Chunk
    title: str
    source: str
    score: float
    keyword_rank: int | None = None
    dense_rank: int | None = None
    matched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        c = self.chunk
        return {
            "chunk_id": c.id, "doc_id": c.doc_id, "title": self.title, "source": self.source,
            "section": list(c.section), "start": c.start, "end": c.end, "text": c.text,
            "score": round(self.score, 6), "keyword_rank": self.keyword_rank,
            "dense_rank": self.dense_rank, "matched": self.matched,
        }
