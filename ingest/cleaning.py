"""Normalise raw text for chunking, keeping an exact map from cleaned offsets back to raw offsets.

Rules: line breaks (\\r\\n, \\r, \\n, U+2028/9, and a news photo's credit, which is dropped) become one \\n; blank
lines and boilerplate lines go; on each line leading and trailing whitespace goes, zero-width characters go, and every inner run of whitespace (space, tab,
U+3000, NBSP …) becomes one ASCII space. Nothing else changes: punctuation, full-width forms and ``*`` placeholders
are kept verbatim. Every cleaned character maps to the raw character it came from; it is the same character except
that a cleaned space maps to a raw whitespace character and a cleaned \\n maps to a raw line break (\\n or \\r) or to
the 摄 that ends a dropped photo credit.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from operator import itemgetter

# A news photo's credit ("新华社记者 鞠鹏/摄") in a page scraped to one line: it ends the caption before it, and the
# speech goes on right after it ("…/摄第一，创造了…"). The credit is dropped and read as a line break, so the text
# after it starts a line (an item marker there stays an item marker); the cleaned \n maps to the credit's 摄.
PHOTO_CREDIT = (r"[ \t\u3000]*(?:新华社|中新社|人民日报|人民网|央视|光明日报|经济日报)?记者[ \t\u3000]?"
                r"[\u4e00-\u9fff·]{2,5}(?:[、，,][\u4e00-\u9fff·]{2,5}){0,3}[ \t\u3000]?[/／][ \t\u3000]?摄")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029]")
_LINE_OR_CREDIT = re.compile(_LINE_BREAK.pattern + "|" + PHOTO_CREDIT)   # five times slower: only where a 摄 follows /
_SPACE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")

# Whole lines that are not part of the text: copy notices, end marks, page numbers.
BOILERPLATE = tuple(re.compile(p) for p in (
    r"本文系.{0,20}(原创|投稿|转载).{0,40}",                        # 本文系作者原创投稿，仅供学习参考，请勿照搬照抄！
    r".{0,30}(请勿照搬照抄|仅供学习参考|版权归原作者所有|如有侵权.{0,10}删除).{0,30}",
    r"(来源|转自|出处)[:：]\s*(网络|互联网|网友投稿|网友|网上|网络整理)[。.!！]?",
    r"[（(]\s*(全文完|完)\s*[)）]",
    r"[-－—–]\s*\d{1,4}\s*[-－—–]",                                  # - 3 -
    r"第\s*\d{1,4}\s*页(\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?",           # 第3页 共10页
))


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text and its offset map: sorted ``(cleaned_pos, raw_pos)`` breakpoints, linear in between."""

    text: str
    offsets: list[tuple[int, int]]

    def to_original(self, pos: int) -> int:
        """Raw offset of cleaned offset ``pos``; for a span end ``e`` use ``to_original(e - 1) + 1``."""
        if not 0 <= pos <= len(self.text):
            raise IndexError(f"offset {pos} outside the cleaned text (length {len(self.text)})")
        if not self.offsets:
            return pos
        c, o = self.offsets[bisect_right(self.offsets, pos, key=itemgetter(0)) - 1]
        return o + pos - c


def clean(raw: str) -> Cleaned:
    """Clean ``raw`` (see the module docstring for the rules)."""
    out: list[str] = []
    offsets: list[tuple[int, int]] = []
    n = 0
    pending_break: int | None = None

    def emit(s: str, at: int) -> None:
        nonlocal n
        if not offsets or offsets[-1][1] + n - offsets[-1][0] != at:
            offsets.append((n, at))
        out.append(s)
        n += len(s)

    cut = licence_tail(raw)
    for start, end, brk in _lines(raw):
        if start >= cut:
            break
        pieces = _pieces(raw, start, end)
        if not pieces or is_boilerplate("".join(s for s, _ in pieces)):
            continue
        if pending_break is not None and out:
            emit("\n", pending_break)
        for s, at in pieces:
            emit(s, at)
        pending_break = brk
    return Cleaned("".join(out), offsets)


_LICENCE_START = re.compile(r"(?m)^[ \t\u3000]*本作品(?:是|在|采用|属于|来自|依据|根据)")
_LICENCE_WORDS = re.compile(r"公有领域|Public domain|知识共享|Creative Commons|CC[- ]BY|著作权法")


def licence_tail(raw: str) -> int:
    """Where a trailing licence block starts (wikisource's "本作品是…属于公有领域 … Public domain"), else len(raw).
    Only a block in the last quarter of the text (or its last 5,000 characters) that names a licence counts."""
    window = max(len(raw) * 3 // 4, len(raw) - 5000)
    for m in _LICENCE_START.finditer(raw, window):
        if _LICENCE_WORDS.search(raw, m.start()):
            return m.start()
    return len(raw)


def is_boilerplate(line: str) -> bool:
    """Whether a cleaned line is a copy notice, an end mark or a page number."""
    return any(p.fullmatch(line) for p in BOILERPLATE)


def _lines(raw: str):
    """(start, end, index of the break char or None) per line; for \\r\\n the index of its \\n."""
    start = 0
    breaks = _LINE_OR_CREDIT if "/摄" in raw or "／摄" in raw or re.search(r"[/／][ \t\u3000]摄", raw) else _LINE_BREAK
    for m in breaks.finditer(raw):
        yield start, m.start(), m.end() - 1
        start = m.end()
    if start < len(raw):
        yield start, len(raw), None


def _pieces(raw: str, start: int, end: int) -> list[tuple[str, int]]:
    """A line as (text, raw offset) pieces: outer whitespace dropped, inner runs one space, zero-width gone."""
    pieces: list[tuple[str, int]] = []
    pos = start
    for m in _SPACE.finditer(raw, start, end):
        if m.start() > pos:
            pieces.append((raw[pos:m.start()], pos))
        if pieces and m.end() < end:
            first = next((i for i in range(m.start(), m.end()) if raw[i] not in _ZERO_WIDTH), None)
            if first is not None:
                pieces.append((" ", first))
        pos = m.end()
    if pos < end:
        pieces.append((raw[pos:end], pos))
    return pieces
