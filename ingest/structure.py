"""Heading levels of 公文 and speeches, and the section path of every paragraph.

A paragraph is one line of the cleaned text. Recognised, from the top:
  level 1  一、  第一章/第一编/第一部分  第一个方面  第一点（感受/体会/意见）
  level 2  （一）  第一条
  level 3  1.  1、  1．
  level 4  （1）
  level 5  enumerations that open a line or a sentence: 一要… 二要…, 一是… 二是…, 首先/其次/最后 are not headings.
A heading line short enough is a heading alone; a long line that opens with a marker is a heading sentence
followed by body text ("（一）政治站位进一步提升。全市…"): its heading is the first clause.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CN = "一二三四五六七八九十百零〇"
LEVELS: list[tuple[int, re.Pattern]] = [
    (1, re.compile(rf"^[{CN}]{{1,3}}、")),
    (1, re.compile(rf"^第[{CN}\d]{{1,3}}(?:章|编|部分)")),
    (1, re.compile(rf"^第[{CN}]{{1,3}}(?:个方面|方面|点|个问题|项)")),
    (2, re.compile(rf"^[（(][{CN}]{{1,3}}[）)]")),
    (2, re.compile(rf"^第[{CN}\d]{{1,4}}条")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
]
# 一把手 and 一以贯之 open sentences as words, not as enumeration items
ENUM = re.compile(rf"^(?!一把手|一以贯之)[{CN}]{{1,2}}(?:是|要|抓|在|把|以|靠)(?![是要])")
ENUM_LEVEL = 5
CLOSING = re.compile(r"^(?:同志们|以上发言|我就讲到这里|最后，同志们)")
_HEAD_END = re.compile(r"[。！？；：:]")


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    path: tuple[str, ...]      # headings above and including this paragraph's own
    top: int                   # index of the top-level section (0 = before the first level-1 heading)
    level: int | None          # heading level of this paragraph, None for body text


def heading_level(line: str) -> int | None:
    for level, pat in LEVELS:
        if pat.match(line):
            return level
    if ENUM.match(line):
        return ENUM_LEVEL
    return None


def heading_text(line: str, max_len: int = 60) -> str:
    """The heading part of a line: the whole line when short, else its first clause."""
    line = line.strip()
    m = _HEAD_END.search(line)
    if m is None:
        return line if len(line) <= max_len else _cut(line, max_len)
    if m.end() >= len(line) - 1 and len(line) <= max_len:
        return line[: m.start()] if m.group() in "。；" else line
    head = line[: m.start()]
    return head if len(head) <= max_len else _cut(head, max_len)


def _cut(s: str, n: int) -> str:
    comma = s.rfind("，", 0, n)
    return s[:comma] if comma >= 8 else s[:n]


def paragraphs(text: str) -> list[Paragraph]:
    """Every non-blank line of ``text`` with its section path."""
    out: list[Paragraph] = []
    stack: list[tuple[int, str]] = []
    top = 0
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        level = heading_level(stripped)
        if level is not None:
            if level == 1:
                top += 1
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading_text(stripped)))
        elif top and CLOSING.match(stripped):
            top += 1          # closing remarks ("同志们，…") belong to no section
            stack.clear()
        out.append(Paragraph(start + lead, start + lead + len(stripped), tuple(h for _, h in stack), top, level))
    return out


def enumeration_label(sentence: str) -> str | None:
    """'二是办法不够多' for a sentence that opens an in-paragraph enumeration item."""
    s = sentence.lstrip("，,；; ")
    if ENUM.match(s):
        return heading_text(s, 40)
    return None
