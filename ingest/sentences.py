"""Sentence splitting for Chinese official prose.

Sentences end at 。！？； (and their ASCII twins ! ? ;), at "……", and at line ends. A terminator inside “…”
(or 「…」『…』) does not end a sentence, except when the quote closes right after it (…职责。”): then the sentence ends
after the closing quote. Quote depth resets at every line end, so an unbalanced quote cannot swallow a document.
"""
from __future__ import annotations

from dataclasses import dataclass

TERMINATORS = set("。！？；!?;")
OPEN_Q = set("“「『")
CLOSE_Q = set("”」』")
TRAILERS = set("”」』）)】'\"")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of ``text[start:end]`` as offsets into ``text``; leading/trailing whitespace excluded."""
    end = len(text) if end is None else end
    out: list[Sentence] = []
    depth = 0
    s = start
    i = start
    while i < end:
        ch = text[i]
        cut = None
        if ch == "\n":
            depth = 0
            cut = i
        elif ch in OPEN_Q:
            depth += 1
        elif ch in CLOSE_Q:
            depth = max(0, depth - 1)
        elif ch in TERMINATORS or (ch == "…" and i + 1 < end and text[i + 1] == "…"):
            j = i + (2 if ch == "…" else 1)
            while j < end and text[j] in TERMINATORS:
                j += 1
            if depth == 0 or (j < end and text[j] in CLOSE_Q):
                while j < end and text[j] in TRAILERS:
                    if text[j] in CLOSE_Q:
                        depth = max(0, depth - 1)
                    j += 1
                if depth == 0:
                    _emit(text, s, j, out)
                    s = i = j
                    continue
            i = j
            continue
        if cut is not None:
            _emit(text, s, cut, out)
            s = cut + 1
        i += 1
    _emit(text, s, end, out)
    return out


def _emit(text: str, s: int, e: int, out: list[Sentence]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append(Sentence(s, e))
