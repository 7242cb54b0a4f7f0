"""Citations: passages numbered for the generator, markers [n] in the output, and the source list.

Every marker points at a retrieved passage. Markers are renumbered by first use; a marker that names no passage
is removed from the text and reported. A citation's ``quote`` is the document text at ``start:end``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from jianghua.ingest.pages import citation_fields
from jianghua.records import Hit

MARKER = re.compile(r"\[(\d{1,3})\]")
MARKERS_RUN = re.compile(r"(?:\[\d{1,3}\])+")


@dataclass
class Source:
    """A passage offered to the generator: a hit, or a sentence span inside one."""

    hit: Hit
    start: int          # document offsets of the quoted span (inside the hit's chunk)
    end: int

    @property
    def quote(self) -> str:
        c = self.hit.chunk
        return c.text[self.start - c.start:self.end - c.start]

    def entry(self, n: int) -> dict:
        c = self.hit.chunk
        return {"n": n, "chunk_id": c.id, "doc_id": c.doc_id, "title": self.hit.title, "source": self.hit.source,
                "section": list(c.section), "start": self.start, "end": self.end, "quote": self.quote,
                **citation_fields(c.meta, self.start, self.end)}       # pages, page_label, ocr, note: paged formats


def whole(hit: Hit) -> Source:
    return Source(hit, hit.chunk.start, hit.chunk.end)


def context_block(sources: list[Source]) -> str:
    """The numbered passages as the prompts show them."""
    parts = []
    for i, s in enumerate(sources, 1):
        sec = " › ".join(s.hit.chunk.section)
        head = f"[{i}] 《{s.hit.title}》" + (f" {sec}" if sec else "")
        parts.append(f"{head}\n{s.quote}")
    return "\n\n".join(parts)


def renumber(text: str, sources: list[Source]) -> tuple[str, list[dict], dict[int, int], list[str]]:
    """Renumber markers by first use. Returns (text, citations, old→new map, invalid markers removed)."""
    mapping: dict[int, int] = {}
    invalid: list[str] = []
    citations: list[dict] = []

    def sub(m: re.Match) -> str:
        old = int(m.group(1))
        if not 1 <= old <= len(sources):
            invalid.append(m.group(0))
            return ""
        if old not in mapping:
            mapping[old] = len(mapping) + 1
            citations.append(sources[old - 1].entry(mapping[old]))
        return f"[{mapping[old]}]"

    out = MARKER.sub(sub, text)
    out = re.sub(r"(\[\d+\])(?:\1)+", r"\1", out)       # [1][1] → [1]
    return out, citations, mapping, invalid


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)
