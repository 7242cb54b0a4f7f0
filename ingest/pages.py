"""Pages of paged formats (PDF, OFD, scans, images) and which of their text came from OCR, as document metadata.

A loader joins the pages of a file with ``PageJoiner``; it records, in offsets of the raw text, where each page
lies, which pages were read by OCR with their confidence, and the paragraphs recognised below
``ingest.ocr.LOW_CONFIDENCE``. ``document_meta`` moves those offsets onto the cleaned text (the one every chunk
offset refers to), and ``span_meta`` says, for a span of it (a chunk, a quoted sentence), its pages (第X页) and
whether it must be checked against the original (``"OCR识别，请核对原件"``).

Document.meta keys (all optional; none for unpaged formats):
``pages``: ``[[start, end], …]`` one span a page, page n at index n − 1; ``ocr_pages``: 1-based page numbers read by
OCR; ``ocr_confidence``: ``{"n": mean score}``; ``ocr_low``: ``[[start, end], …]`` the paragraphs recognised with low
confidence.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Loaded:
    """Raw text of a file, a title the format itself declares (HTML ``<title>``), and what a paged format records
    about its pages in raw-text offsets (``ingest.pages``: page spans, OCR'd pages and their confidence)."""

    text: str
    title_hint: str | None = None
    meta: dict = field(default_factory=dict, compare=False)


_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]) (?=[0-9A-Za-z])|"
                        r"(?<=[0-9A-Za-z]) (?=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef])")


def typographic_spaces(text: str) -> str:
    """A single space between a Chinese character and a digit or Latin letter dropped: fixed-layout producers write
    the typographic gap they leave there (autospacing) as a space character; Chinese text has none."""
    return _CJK_SPACE.sub("", text)


OCR_NOTE = "OCR识别，请核对原件"


class PageJoiner:
    """Pages appended in order, joined by a newline; ``meta`` holds their raw-text spans and OCR records."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.spans: list[list[int]] = []
        self.ocr: dict[str, float] = {}
        self.low: list[list[int]] = []

    def add(self, text: str, ocr=None, low: float | None = None, glue: str = "\n") -> None:
        """Append one page: its ``text``, or the ``ingest.ocr.OcrPage`` read from it (``low``: the threshold);
        ``glue`` goes between it and the page before (``""`` when a paragraph runs on from that page)."""
        if self.parts:
            self.parts.append(glue)
            self.n += len(glue)
        start = self.n
        if ocr is not None:
            from jianghua.ingest.ocr import LOW_CONFIDENCE

            low = LOW_CONFIDENCE if low is None else low
            at = start
            for p in ocr.paragraphs:
                if p.score < low:
                    self.low.append([at, at + len(p.text)])
                at += len(p.text) + 1
            text = ocr.text
            self.ocr[str(len(self.spans) + 1)] = round(ocr.confidence, 4)
        self.parts.append(text)
        self.n += len(text)
        self.spans.append([start, self.n])

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def meta(self) -> dict:
        meta: dict = {"pages": self.spans}
        if self.ocr:
            meta.update(ocr_pages=[int(k) for k in self.ocr], ocr_confidence=dict(self.ocr), ocr_low=self.low)
        return meta


def to_cleaned(offsets: list[tuple[int, int]], raw_pos: int, length: int) -> int:
    """The cleaned offset where raw offset ``raw_pos`` lands (the next kept character when it was dropped);
    ``offsets`` are ``ingest.cleaning.Cleaned.offsets``, ``length`` the cleaned text's length."""
    if not offsets:
        return min(raw_pos, length)
    raws = [o for _, o in offsets]
    i = bisect_right(raws, raw_pos) - 1
    if i < 0:
        return 0
    c, o = offsets[i]
    nxt = offsets[i + 1][0] if i + 1 < len(offsets) else length
    return min(c + raw_pos - o, nxt)


def document_meta(loaded_meta: dict, offsets: list[tuple[int, int]], length: int) -> dict:
    """``loaded_meta`` (raw offsets, see ``PageJoiner.meta``) with its spans moved onto the cleaned text."""
    out = dict(loaded_meta)
    for key in ("pages", "ocr_low"):
        if key in out:
            out[key] = [[to_cleaned(offsets, a, length), to_cleaned(offsets, b, length)] for a, b in out[key]]
    return out


def span_meta(doc_meta: dict, start: int, end: int) -> dict:
    """What a span ``[start, end)`` of a document's text needs in a citation: ``pages`` (1-based, the pages it
    lies on), ``ocr`` (True when any of it was read by OCR) and ``note`` (``OCR_NOTE`` when any of it was
    recognised with low confidence). Empty for a document without pages."""
    spans = doc_meta.get("pages") if doc_meta else None
    if not spans:
        return {}
    starts = [a for a, _ in spans]
    first = max(0, bisect_right(starts, start) - 1)
    last = max(first, bisect_left(starts, max(start, end - 1) + 1) - 1)
    pages = list(range(first + 1, last + 2))
    out: dict = {"pages": pages}
    ocr = set(doc_meta.get("ocr_pages") or ())
    if ocr & set(pages):
        out["ocr"] = True
        if any(a < end and start < b for a, b in doc_meta.get("ocr_low") or ()):
            out["note"] = OCR_NOTE
    return out


def page_label(pages: list[int]) -> str:
    """第3页, 第3–4页."""
    if not pages:
        return ""
    return f"第{pages[0]}页" if len(pages) == 1 else f"第{pages[0]}–{pages[-1]}页"


def chunk_meta(pages: str | list | None, ocr_pages: str | list | None, ocr_low: str | list | None, start: int,
               end: int) -> dict:
    """A stored chunk's page metadata from its document's (JSON as SQLite's ``json_extract`` returns it, or
    lists): ``span_meta`` of the chunk, plus ``paged`` — the document's page records, so that a citation of a span
    inside the chunk can say its own pages (``citation_fields``). Empty for an unpaged document."""
    import json

    def load(v):
        return json.loads(v) if isinstance(v, str) else v

    paged = {"pages": load(pages) or [], "ocr_pages": load(ocr_pages) or [], "ocr_low": load(ocr_low) or []}
    if not paged["pages"]:
        return {}
    return {"paged": paged, **span_meta(paged, start, end)}


def citation_fields(chunk_meta_: dict, start: int, end: int) -> dict:
    """What a citation of ``[start, end)`` adds for a paged document: ``pages`` (1-based), ``page_label``
    (第3页), ``ocr`` and ``note`` (``OCR_NOTE``) when they apply; nothing for an unpaged one."""
    paged = (chunk_meta_ or {}).get("paged")
    if not paged:
        return {}
    m = span_meta(paged, start, end)
    return {**m, "page_label": page_label(m["pages"])} if m else {}
