"""Chunks: runs of whole sentences inside one top-level section, about ``size`` characters each.

A chunk never cuts a sentence and never crosses a top-level section. It closes when the next sentence would push it
past ``size``, or before a heading, once it holds at least a third of that; or at a paragraph end once it holds
``size × 0.7``.
A sentence longer than ``size`` is not cut: it joins a chunk still under a third of ``size``, else
starts its own. Only a run longer than the hard cap, ``2 × size`` (unpunctuated text, a table flattened into one
line), is cut, into pieces of at most ``size`` characters (after the last comma or space in the second half of a
piece when there is one): no chunk is ever longer than the cap, and a megabyte without punctuation becomes
ordinary chunks (each embeds in a fraction of a second, so background embedding stays in short slices). ``overlap`` repeats that many trailing sentences of the
previous chunk (same section only). ``doc.text[chunk.start:chunk.end] == chunk.text`` always holds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from jianghua.ingest.pages import chunk_meta
from jianghua.ingest.sentences import split_sentences
from jianghua.ingest.structure import enumeration_label, paragraphs
from jianghua.records import Chunk, Document


@dataclass(frozen=True)
class ChunkerSettings:
    size: int = 400
    overlap: int = 0

    def as_dict(self) -> dict:
        return {"chunker": "sentence-section", "size": self.size, "overlap": self.overlap}

    @property
    def hard_max(self) -> int:
        """No chunk is longer than this (no chunk of the seed or genre corpora comes near it at 400)."""
        return 2 * self.size


_SOFT_BREAK = re.compile(r"[，、：:,\s]")


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    path: tuple[str, ...]
    top: int
    para_end: bool          # last sentence of its paragraph
    heading: bool           # first sentence of a heading paragraph


def _units(text: str, size: int, hard_max: int) -> list[_Unit]:
    units: list[_Unit] = []
    for p in paragraphs(text):
        sents = split_sentences(text, p.start, p.end)
        enum: str | None = None
        for k, s in enumerate(sents):
            label = enumeration_label(text[s.start:min(s.end, s.start + 200)]) if p.level is None else None
            if label:
                enum = label
            path = p.path + ((enum,) if enum else ())
            pieces = [(s.start, s.end)] if s.end - s.start <= hard_max else _pieces(text, s.start, s.end, size)
            for j, (a, b) in enumerate(pieces):
                units.append(_Unit(a, b, path, p.top, k == len(sents) - 1 and j == len(pieces) - 1,
                                   k == 0 and j == 0 and p.level is not None))
    return units


def _pieces(text: str, start: int, end: int, most: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut into spans of at most ``most`` characters, preferring a soft break."""
    out = []
    while end - start > most:
        cut = start + most
        soft = None
        for m in _SOFT_BREAK.finditer(text, start + most // 2, cut):
            soft = m.end()
        cut = soft or cut
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def _common_path(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    first = paths[0]
    n = len(first)
    for p in paths[1:]:
        n = min(n, len(p))
        for i in range(n):
            if p[i] != first[i]:
                n = i
                break
    return first[:n]


def chunk_document(doc: Document, settings: ChunkerSettings = ChunkerSettings()) -> list[Chunk]:
    text = doc.text
    paged = doc.meta or {}           # page records of paged formats (ingest.pages): 第X页 and OCR in chunk.meta
    units = _units(text, settings.size, settings.hard_max)
    chunks: list[Chunk] = []
    group: list[_Unit] = []
    carry: list[_Unit] = []

    def close():
        nonlocal group, carry
        if not group:
            return
        start, end = group[0].start, group[-1].end
        body = text[start:end]
        path = _common_path([u.path for u in group])      # the headings every sentence shares
        chunks.append(Chunk(id=Chunk.make_id(doc.id, start, end, body), doc_id=doc.id, text=body,
                            section=path, start=start, end=end, meta=chunk_meta(paged.get("pages"),
                                                                                paged.get("ocr_pages"),
                                                                                paged.get("ocr_low"), start, end)))
        fresh = group[len(carry):]
        carry = fresh[-settings.overlap:] if settings.overlap and len(fresh) > settings.overlap else []
        group = list(carry)

    size, hard_max = settings.size, settings.hard_max
    for u in units:
        length = group[-1].end - group[0].start if group else 0
        if group and u.top != group[-1].top:
            if len(group) > len(carry):      # a group holding only the carried overlap is not a chunk
                close()
            group, carry = [], []
        elif group and length >= size / 3 and len(group) > len(carry) and (
                u.heading or length + (u.end - u.start) > size):
            close()
        elif group and u.end - group[0].start > hard_max and len(group) > len(carry):
            close()                          # the cap: a long piece never joins a chunk it would push past it
        if group and u.end - group[0].start > hard_max:
            group, carry = [], []            # nor the overlap carried into the next one
        group.append(u)
        length = group[-1].end - group[0].start
        if u.para_end and length >= size * 0.7:
            close()
    if len(group) > len(carry):
        close()
    return chunks
