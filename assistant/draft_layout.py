"""The shape of a 表态发言: frame sentences for the topic and occasion, measures fitted to the target length, and
for long targets parts (一、二、三、) with a heading each, grouping the measures by a theme they share.

Everything here is arrangement: the measures arrive already rewritten (assistant/voice.py) and on topic
(assistant/drafting.py). Frame sentences, headings and [待补：…] slots come from prompts/draft_templates.json and
are returned as template sentences (they carry no number and no quotation).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from jianghua.assistant.citations import MARKER, Source
from jianghua.assistant.verify import split_output
from jianghua.assistant.voice import Rewrite

LEAD_VERB = re.compile(r"^(?:推进|推动|加强|落实|做好|抓好|深化|优化|提升|实施|开展|强化|促进|加快|坚持|巩固|完善|打好|打赢|"
                       r"抓实|全面|持续|进一步|切实|扎实)+")


@dataclass
class Measure:
    source: Source
    rewrite: Rewrite
    score: float
    themes: list[str] = field(default_factory=list)     # candidate theme terms (nouns of the core), best first

    @property
    def text(self) -> str:
        return self.rewrite.text

    @property
    def key(self) -> tuple[str, int]:
        return self.source.hit.chunk.doc_id, self.source.start


def pick(options: list[str], *keys: str) -> str:
    h = int(hashlib.sha256("\0".join(keys).encode()).hexdigest(), 16)
    return options[h % len(options)]


def family(templates: dict, occasion: str | None) -> dict:
    if not occasion:
        return templates["default"]
    for fam in templates["occasions"]:
        if not fam["match"] or re.search(fam["match"], occasion):
            return fam
    return templates["default"]


def frame(templates: dict, topic: str, occasion: str | None, long: bool) -> tuple[list[str], str]:
    """(opening sentences, closing) for the topic and the occasion."""
    fam = family(templates, occasion)
    fill = {"topic": topic, "object": LEAD_VERB.sub("", topic) or topic, "occasion": occasion or ""}
    opening = [pick(fam["opening"], topic, occasion or "").format(**fill)]
    if long:
        opening.append(pick(templates["opening_long"], topic).format(**fill))
    closing = pick(fam["closing"], topic, occasion or "", "closing").format(**fill)
    return opening, closing


def source_order(measures: list[Measure]) -> list[Measure]:
    """Documents in the order of their best measure; within a document, the order of the source text (so measures
    from one paragraph keep their order)."""
    best: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, m in enumerate(measures):
        d = m.key[0]
        best[d] = max(best.get(d, float("-inf")), m.score)
        first.setdefault(d, i)
    return sorted(measures, key=lambda m: (-best[m.key[0]], first[m.key[0]], m.key[1]))


def group(measures: list[Measure], k: int, exclude: set[str], weights: dict[str, float],
          min_size: int = 2) -> list[tuple[str, list[Measure]]]:
    """Up to ``k`` groups, each named by a theme term its measures share (greedy: the term most of the
    measures not yet placed hold, the rarer (higher IDF) of equals). When no term is shared any more, the rest is
    grouped around its rarest terms under no name (""); a measure left over joins the group whose themes it
    overlaps most, else the smallest. Groups in the order of their best measure."""
    left = list(measures)
    groups: list[tuple[str, list[Measure]]] = []
    while left and len(groups) < k:
        counts: dict[str, int] = {}
        for m in left:
            for t in dict.fromkeys(m.themes):
                if t not in exclude and all(t not in g[0] and g[0] not in t for g in groups):
                    counts[t] = counts.get(t, 0) + 1
        if not counts:
            break
        term = max(counts, key=lambda t: (counts[t], weights.get(t, 1.0), t))
        if counts[term] < min_size:
            break
        members = [m for m in left if term in m.themes]
        groups.append((term, members))
        left = [m for m in left if term not in m.themes]
    while left and len(groups) < k and len(left) >= min_size:    # no shared term left: group around the rarest
        taken = {g[0] for g in groups}
        terms = [t for m in left for t in m.themes if t not in exclude and t not in taken]
        if not terms:
            break
        term = max(dict.fromkeys(terms), key=lambda t: (weights.get(t, 1.0), t))
        members = [m for m in left if term in m.themes]
        members += [m for m in left if m not in members][:max(0, min_size - len(members))]
        groups.append(("", members))          # a term one measure holds names no theme: a plain heading
        left = [m for m in left if m not in members]
    if not groups:
        return [("", list(measures))]
    for m in left:
        overlap = [len(set(m.themes) & {t for x in g[1] for t in x.themes}) for g in groups]
        best = max(range(len(groups)), key=lambda i: (overlap[i], -len(groups[i][1])))
        if overlap[best] == 0:
            best = min(range(len(groups)), key=lambda i: len(groups[i][1]))
        groups[best][1].append(m)
    rank = {id(m): i for i, m in enumerate(measures)}
    groups.sort(key=lambda g: min(rank[id(m)] for m in g[1]))
    return [(t, source_order(sorted(ms, key=lambda m: rank[id(m)]))) for t, ms in groups]


@dataclass
class Layout:
    """A rendered draft: text with markers [n] (n = position in ``sources``, from 1) and which of its sentences
    (indexes into ``split_output(text)``) are template sentences."""

    text: str
    sources: list[Source]
    templates: set[int]

    @property
    def length(self) -> int:
        return len(MARKER.sub("", self.text))


def _cited(m: Measure, n: int) -> str:
    t = m.text
    return t[:-1] + f"[{n}]" + t[-1]


class Writer:
    """Accumulates lines of (text, is_template) pieces and renders them with template indexes."""

    def __init__(self):
        self.lines: list[list[tuple[str, bool]]] = []
        self.sources: list[Source] = []

    def line(self, *pieces: tuple[str, bool]) -> None:
        self.lines.append([p for p in pieces if p[0]])

    def measure(self, ordinal: str, m: Measure) -> tuple[str, bool]:
        self.sources.append(m.source)
        return ordinal + _cited(m, len(self.sources)), False

    def render(self) -> Layout:
        text_lines, templates, n = [], set(), 0
        for pieces in self.lines:
            text_lines.append("".join(p for p, _ in pieces))
            for piece, is_template in pieces:
                k = len(split_output(piece))
                if is_template:
                    templates |= set(range(n, n + k))
                n += k
        text = "\n".join(text_lines)
        if len(split_output(text)) != n:          # pieces split differently when joined: fall back to whole lines
            templates, n = set(), 0
            for pieces in self.lines:
                line = "".join(p for p, _ in pieces)
                k = len(split_output(line))
                if all(t for _, t in pieces):
                    templates |= set(range(n, n + k))
                n += k
        return Layout(text, self.sources, templates)


def render_flat(opening: list[str], measures: list[Measure], closing: str, ordinals: list[str],
                one_paragraph: bool, slot: str | None) -> Layout:
    w = Writer()
    items = [w.measure(ordinals[i], m) for i, m in enumerate(measures[:len(ordinals)])]
    if one_paragraph:
        w.line(*[(s, True) for s in opening], *items, (slot + "。" if slot else "", True), (closing, True))
    else:
        w.line(*[(s, True) for s in opening])
        for it in items:
            w.line(it)
        if slot:
            w.line((slot, True))
        w.line((closing, True))
    return w.render()


def render_parts(opening: list[str], parts: list[tuple[str, list[Measure]]], closing: str, ordinals: list[str],
                 part_ordinals: list[str], slots: list[str]) -> Layout:
    """``parts``: (heading, measures); a part with no measures gets its slot from ``slots`` instead."""
    w = Writer()
    w.line(*[(s, True) for s in opening])
    for i, (heading, ms) in enumerate(parts):
        w.line((part_ordinals[i] + heading, True))
        if not ms:
            w.line((slots[i] if i < len(slots) else slots[-1], True))
        for j, m in enumerate(ms[:len(ordinals)]):
            w.line(w.measure(ordinals[j], m))
    w.line((closing, True))
    return w.render()
