"""Runs of sentences that a document's layout makes one unit: a paragraph's lead and what follows it, and
enumerations without item markers — clauses closing in ；, sentences or paragraphs in a row that open alike. Whether
such a run answers a question as a list is the caller's to decide (``enumeration.says_list``): the layout alone does
not say it is one.
"""
from __future__ import annotations

import re

from jianghua.assistant.citations import Source
from jianghua.assistant.evidence import sentences_of

LEAD_CHARS = 20


def place(src: Source) -> tuple[list[Source], int | None]:
    """The sentences of ``src``'s passage and the index of ``src`` among them (None when it is not one of them)."""
    sents = sentences_of(src.hit)
    return sents, next((i for i, s in enumerate(sents) if s.start == src.start), None)


def is_lead(src: Source, max_chars: int = LEAD_CHARS) -> bool:
    """A paragraph's lead: a short sentence that opens its paragraph and is followed by more of it ("积极实施创业就业
    工程。力争年内新增就业岗位5000个……"), the way a report states a topic before saying what it does about it."""
    c = src.hit.chunk
    t = src.quote.strip()
    if len(t) > max_chars or not t.endswith(("。", "：", ":")):
        return False
    before = c.text[:src.start - c.start]
    if before.strip() and not re.search(r"\n\s*$", before):
        return False
    sents, idx = place(src)
    if idx is None or idx + 1 >= len(sents):
        return False
    return "\n" not in c.text[src.end - c.start:sents[idx + 1].start - c.start]


def same_paragraph(a: Source, b: Source) -> bool:
    """``b`` comes after ``a`` in the same paragraph: of the same passage, or of the next one when a paragraph runs
    across passages (no line break after ``a`` in its passage nor before ``b`` in its own)."""
    ca, cb = a.hit.chunk, b.hit.chunk
    if ca.doc_id != cb.doc_id or b.start < a.end:
        return False
    if ca.id == cb.id:
        return "\n" not in ca.text[a.end - ca.start:b.start - ca.start]
    return (cb.start <= ca.end and "\n" not in ca.text[a.end - ca.start:]
            and "\n" not in cb.text[:max(0, b.start - cb.start)])


SEMI_ITEMS = 3


def _joined(a: Source, b: Source) -> bool:
    """``b`` follows ``a`` in the same paragraph (of one passage, or across two of the same document)."""
    if a.hit.chunk.doc_id != b.hit.chunk.doc_id or b.start < a.end:
        return False
    for c in (a.hit.chunk, b.hit.chunk):           # the text between them, from a passage that holds it
        if c.start <= a.end and b.start <= c.end:
            return "\n" not in c.text[a.end - c.start:b.start - c.start]
    return False


def _grow(size: int, at: int, link, leads) -> tuple[int, int]:
    """(first, last) of the run of positions ``0 … size-1`` linked pairwise (``link(k, k + 1)``) that ``at`` belongs
    to — or, when ``leads(at)``, the run after it."""
    i = at + 1 if leads(at) else at
    first, last = i, i
    while first > 0 and link(first - 1, first):
        first -= 1
    while last + 1 < size and link(last, last + 1):
        last += 1
    return first, last


def _next_to(a: Source, b: Source) -> bool:
    """``a`` stands right before ``b``: in its paragraph, or as the line ending in a colon above it."""
    return _joined(a, b) or _colon_above(a, b)


def _lead_before(strip: list[Source], i: int) -> Source | None:
    return strip[i - 1] if i > 0 and _next_to(strip[i - 1], strip[i]) else None


def semicolon_listing(strip: list[Source], idx: int, limit: int) -> tuple[Source | None, list[Source]] | None:
    """(lead, items) of the unmarked enumeration ``strip[idx]`` leads or belongs to: clauses of one paragraph each
    ending in ；, the last in 。 ("推进财税体制改革，…；推进金融体制改革，…；…。"), at least ``SEMI_ITEMS`` of them; the
    lead is the sentence before them in the paragraph, or a line ending in a colon right above it."""
    semi = lambda i: strip[i].quote.rstrip().endswith(("；", ";"))       # noqa: E731
    first, last = _grow(len(strip), idx, lambda k, n: semi(k) and _joined(strip[k], strip[n]),
                        lambda i: not semi(i) and i + 1 < len(strip) and semi(i + 1)
                        and _next_to(strip[i], strip[i + 1]))
    if last - first + 1 < SEMI_ITEMS:
        return None
    return _lead_before(strip, first), strip[first:last + 1][:limit]


PARALLEL_OPENING = 3


# who says it (习近平指出，/ 他强调，) opens a report's paragraphs alike without making them a list
ATTRIBUTION = re.compile(r"^\s*[\u4e00-\u9fff]{1,4}(?:指出|强调|表示|说|要求|认为|提出|谈到|宣布)[，,：:]")


def _opening(s: Source) -> str:
    """The first ``PARALLEL_OPENING`` characters of a sentence, after who says it."""
    return re.sub(r"[^\u4e00-\u9fff]", "", ATTRIBUTION.sub("", s.quote))[:PARALLEL_OPENING]


def parallel_listing(strip: list[Source], idx: int, limit: int) -> tuple[Source | None, list[Source]] | None:
    """(lead, items) of the parallel sentences ``strip[idx]`` leads or belongs to: at least ``SEMI_ITEMS`` sentences
    in a row of one paragraph opening with the same ``PARALLEL_OPENING`` characters ("要建立…体系。要建立…体系。
    要建立…体系。"); the lead is the sentence before them in the paragraph."""
    same = lambda a, b: (_joined(strip[a], strip[b]) and len(_opening(strip[a])) == PARALLEL_OPENING  # noqa: E731
                         and _opening(strip[a]) == _opening(strip[b]))
    first, last = _grow(len(strip), idx, same,
                        lambda i: i + 2 < len(strip) and same(i + 1, i + 2) and not same(i, i + 1)
                        and _next_to(strip[i], strip[i + 1]))
    if last - first + 1 < SEMI_ITEMS:
        return None
    return _lead_before(strip, first), strip[first:last + 1][:limit]


def parallel_paragraphs(strip: list[Source], idx: int, limit: int) -> tuple[Source | None, list[Source]] | None:
    """(lead, items) of the paragraphs in a row ``strip[idx]`` leads or belongs to whose first sentences open with
    the same ``PARALLEL_OPENING`` characters ("必须坚持…" five times), at least ``SEMI_ITEMS`` of them; the items are
    those first sentences, the lead the line ending in a colon above them."""
    heads = [k for k in range(len(strip)) if k == 0 or not _joined(strip[k - 1], strip[k])]
    if not heads:
        return None
    mine = max((n for n, k in enumerate(heads) if k <= idx), default=0)     # the paragraph of strip[idx]
    alike = lambda n, m: (len(_opening(strip[heads[n]])) == PARALLEL_OPENING        # noqa: E731
                          and _opening(strip[heads[n]]) == _opening(strip[heads[m]]))
    first, last = _grow(len(heads), mine, alike,
                        lambda m: m + 2 < len(heads) and alike(m + 1, m + 2) and not alike(m, m + 1))
    if last - first + 1 < SEMI_ITEMS:
        return None
    at = heads[first]
    lead = strip[at - 1] if at > 0 and strip[at - 1].quote.rstrip().endswith(("：", ":")) else None
    return lead, [strip[heads[n]] for n in range(first, last + 1)][:limit]


def _colon_above(a: Source, b: Source) -> bool:
    """``a`` is a line ending in a colon right above ``b`` ("改革的重点领域和关键环节是：" over its items)."""
    return (a.hit.chunk.doc_id == b.hit.chunk.doc_id and a.quote.rstrip().endswith(("：", ":"))
            and 0 <= b.start - a.end <= 8)
