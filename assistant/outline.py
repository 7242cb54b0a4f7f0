"""A document's outline — its numbered headings as the chunker found them — and the part of it a question asks for.

Official documents are written to an outline: 三、2025年政府工作任务 holds （一）…（十）, a 述职 speech's 一要…三要. Each
passage carries the headings it sits under (``Chunk.section``), so the outline is the passages' heading paths in
document order, completed by the marked lines under each heading. A question about a part of it ("政府工作任务，第一项
是什么？", "…分了哪几个部分？", "部署了哪些政府工作任务？") is answered from the outline: the heading that holds enough of the question's words
(those of the document's title and its ordinal aside) and the headings under it — all of them, or the one its ordinal names by its own number (（二） for 第二项).
Each heading is quoted where it stands in a passage's text, so it is cited like any sentence.
"""
from __future__ import annotations

import re
from dataclasses import replace

from jianghua.assistant.citations import Source
from jianghua.assistant.enumeration import item_marker
from jianghua.records import Hit


def children(passages: list[Hit]) -> dict[tuple[str, ...], list[str]]:
    """Each heading path → the headings directly under it, in document order: the headings the passages carry
    (``Chunk.section``) and, the chunker marking only a passage's first one, the lines under that heading that open
    with the same family of markers (（一）…, 一、…, 1. …), numbered in sequence."""
    out = _section_children(passages)
    for path, kids in out.items():
        if path:
            out[path] = _with_lines(path, kids, passages)
    return out


def _section_children(passages: list[Hit]) -> dict[tuple[str, ...], list[str]]:
    """Each heading path → the headings the passages carry directly under it (``children`` without the lines)."""
    out: dict[tuple[str, ...], list[str]] = {}
    for h in passages:
        path = tuple(s.strip() for s in h.chunk.section if s.strip())
        for depth in range(len(path)):
            kids = out.setdefault(path[:depth], [])
            if path[depth] not in kids:
                kids.append(path[depth])
    return out


def _with_lines(path: tuple[str, ...], kids: list[str], passages: list[Hit]) -> list[str]:
    """``kids`` and the marked lines of the passages under ``path`` of the same family, in document order, when
    together they number 1, 2, 3 … without a gap."""
    marks = [item_marker(k) for k in kids]
    families = {m[0] for m in marks if m is not None}
    if len(families) > 1:
        return kids
    found: dict[str, int] = {}
    for h in passages:
        if tuple(s.strip() for s in h.chunk.section[:len(path)]) != path:
            continue
        at = 0
        for line in h.chunk.text.split("\n"):
            m = item_marker(line)
            if m is not None and (not families or m[0] in families):
                head = re.match(r"^[^。！？；\n]+", line.strip())
                if head and len(head.group()) <= 60:
                    found.setdefault(head.group(), h.chunk.start + at)
                    families = families or {m[0]}
            at += len(line) + 1
    for k in kids:
        found.setdefault(k, 10 ** 9)
    ordered = [k for k, _ in sorted(found.items(), key=lambda kv: kv[1])]
    numbers = [(item_marker(k) or ("", 0))[1] for k in ordered]
    return ordered if numbers == list(range(1, len(ordered) + 1)) else kids


def locate(heading: str, passages: list[Hit]) -> Source | None:
    """The heading's span in the first passage whose text holds it (None when no passage's text does)."""
    for h in passages:
        i = h.chunk.text.find(heading)
        if i >= 0:
            end = i + len(heading)
            if h.chunk.text[end:end + 1] in ("。", "；"):
                end += 1
            return Source(h, h.chunk.start + i, h.chunk.start + end)
    return None


# share of the question's own words (``_asked_terms``) a parent heading must hold: chosen on the dev halves (a
# heading sharing one word of a long question — 建设…体系 — is not the part it asks about)
MIN_COVER = 0.4
ORDINAL_TERM = re.compile(r"^(?:第[一二三四五六七八九十\d]+(?:项|条|点|个|部分|方面|对|句)?|[一二三四五六七八九十]+(?:项|条|点|个|部分|方面|对|句))$")


def _asked_terms(question, title: str):
    """The question without the words its document's title holds (every part shares them) and its ordinal's words."""
    terms = [t for t in question.terms if t.text not in (title or "") and not ORDINAL_TERM.match(t.text)]
    return replace(question, terms=terms)


def cover(question, title: str, text: str) -> float:
    """The share of the question's own words (``_asked_terms``: without its document's title and its ordinal) that
    ``text`` holds: how a heading, or a list's lead, is measured against the question."""
    return _asked_terms(question, title).coverage(text)


def asked_part(question, passages: list[Hit], ordinal: int | None = None, beaten: float = 0.0) -> list[Source] | None:
    """The outline's answer to ``question`` (an ``assistant.question.Question``) in one document (``passages``: all of
    its passages, in order): the parent heading that holds at least ``MIN_COVER`` of the question's own words
    (``_asked_terms``) and more than any other, and with ``ordinal`` the heading under it that carries that number
    (or stands at that place: -1 the last), else the parent and every heading under it. None when no heading
    answers, or none holds more than ``beaten`` (what something else that could answer holds: ``cover``)."""
    if not passages:
        return None
    q = _asked_terms(question, passages[0].title)
    if not q.terms:
        return None
    tree = _section_children(passages)
    # the two best-covered headings with at least two headings under them; a heading's lines are read only when it
    # could be one of them (reading every heading's lines costs a pass over the passages each)
    scored: list[tuple[float, tuple[str, ...], list[str]]] = []
    for cover, path in sorted(((q.coverage(p[-1]), p) for p in tree if p), key=lambda x: -x[0]):
        if len(scored) == 2 or cover < MIN_COVER:
            break
        kids = _with_lines(path, tree[path], passages)
        if len(kids) >= 2:
            scored.append((cover, path, kids))
    if not scored or (len(scored) > 1 and scored[1][0] >= scored[0][0]) or scored[0][0] <= beaten:
        return None                         # no heading holds enough of the question's own words, or two hold as much
    _, parent, kids = scored[0]
    if ordinal is not None:
        numbered = [k for k in kids if (m := item_marker(k)) is not None and m[1] == ordinal]
        chosen = numbered[0] if numbered else (kids[ordinal - 1] if 0 < ordinal <= len(kids) else
                                               kids[-1] if ordinal == -1 else None)
        if chosen is None:
            return None
        src = locate(chosen, passages)
        return [src] if src is not None else None
    sources = [locate(parent[-1], passages)] + [locate(k, passages) for k in kids]
    return sources if all(s is not None for s in sources) else None
