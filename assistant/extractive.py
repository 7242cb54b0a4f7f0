"""The extractive generator: the answer is the source's own sentences, the one that answers first.

A fact question gets the best sentence, and a second one only when it scores nearly as well (``second_cut``, fitted)
and the two stay short. A question asking for a list gets the enumeration the best sentences open or belong to
(一是… 二是…, （一）（二）, 1. 2., 第一… 第二…), whole and in order, across passages when it runs on. A question asking
for an example adds the example sentence (比如…) that follows. Every sentence is verbatim and carries its marker.
"""
from __future__ import annotations

import re
from typing import Iterator

from assistant.answerability import models
from assistant.citations import Source
from assistant.composition import Composition, Job, declined
from assistant.evidence import sentences_of
from assistant.ranking import Candidate
from assistant.verify import bigrams

LIST_Q = re.compile(r"哪些|哪几|有哪|几个方面|几点|几项|几类|几种|几条|分别|都有什么|包括什么|包括哪|包含|内容是什么|"
                    r"是什么标准|有什么要求|哪[一二三四五六七八九十两]")
EXAMPLE_Q = re.compile(r"例子|举例|举了|案例|比如")
EXAMPLE = re.compile(r"^(?:比如|例如|譬如|如：)")
CN = "一二三四五六七八九十"
# item-marker families: an enumeration is a run of sentences opening with the same family's markers in order
FAMILIES = (
    ("shi", re.compile(rf"^([{CN}]+)(?:是|要|抓|强化|坚持)")),
    ("paren", re.compile(rf"^[（(]([{CN}]+)[）)]")),
    ("arabic", re.compile(r"^(\d{1,2})[.、．]")),
    ("di", re.compile(rf"^第([{CN}]+)[，,、：:]")),
    ("dun", re.compile(rf"^([{CN}]+)、")),
)
SEQUENCE = re.compile(r"^(首先|其次|再次|第三|最后)[，,]")


def item_marker(text: str) -> tuple[str, int] | None:
    """(family, number) of an enumeration item's opening marker."""
    t = text.lstrip()
    for fam, pat in FAMILIES:
        m = pat.match(t)
        if m:
            g = m.group(1)
            n = int(g) if g.isdigit() else _cn(g)
            if n:
                return fam, n
    return None


def inner_marker(text: str) -> tuple[str, int, int] | None:
    """(family, number, offset) of an item that opens after a colon inside the sentence ("…主要有：一是…")."""
    for m in re.finditer(r"[：:]\s*", text):
        mark = item_marker(text[m.end():])
        if mark is not None:
            return mark[0], mark[1], m.end()
    return None


def _cn(g: str) -> int:
    if g in CN:
        return CN.index(g) + 1
    if len(g) == 2 and g[0] == "十" and g[1] in CN:
        return 10 + CN.index(g[1]) + 1
    return 0


class ExtractiveGenerator:
    """Answers with the most relevant source sentences, each followed by its marker."""

    name = "extractive"
    condenses = False          # follow-ups are condensed without a model
    streams = False            # its deltas are whole sentences

    def __init__(self, max_chars: int = 200, max_items: int = 10):
        self.max_chars, self.max_items = max_chars, max_items

    def compose(self, job: Job) -> Composition:
        ev = job.evidence
        if ev is None or not ev.ranked or not ev.decision.answer:
            return declined(job)
        if ev.redacted is not None:
            return declined(job, "redacted")
        ranked: list[Candidate] = ev.ranked
        sources: list[Source] = []
        if LIST_Q.search(job.question):
            sources = enumeration(ranked[:3], job.neighbours, self.max_items)
        if not sources:
            sources = self.brief(ranked, models().second_cut)
            if EXAMPLE_Q.search(job.question):
                sources = with_example(sources)
            if ev.previous_count and _repeats(sources, ranked, ev.previous_count):
                fresh = [c for c in ranked if "previous" not in c.flags]
                if fresh:
                    sources = self.brief(fresh, models().second_cut)

        def deltas() -> Iterator[str]:
            for i, src in enumerate(sources, 1):
                yield _marked(as_answer_sentence(src.quote), i)
        return Composition(sources, deltas())

    def brief(self, ranked: list[Candidate], cut: float, max_sentences: int = 3) -> list[Source]:
        """The best sentence, then the next best ones while they score at least ``cut`` × the best's and the answer
        stays within ``max_chars`` (near-duplicates skipped)."""
        best = ranked[0]
        out = [best.source]
        used = len(best.quote)
        grams = [bigrams(best.quote)]
        for c in ranked[1:6]:
            if len(out) >= max_sentences or c.score < cut * best.score:
                break
            if used + len(c.quote) > self.max_chars:
                continue
            g = bigrams(c.quote)
            if any(len(g & h) / max(1, len(g | h)) >= 0.5 for h in grams):
                continue
            out.append(c.source)
            grams.append(g)
            used += len(c.quote)
        return out


def _repeats(sources: list[Source], ranked: list[Candidate], previous_count: int) -> bool:
    """Every chosen sentence was in the previous answer, and there are as many: the answer would repeat it."""
    flagged = {(c.source.hit.chunk.id, c.source.start) for c in ranked if "previous" in c.flags}
    return len(sources) >= previous_count and all((s.hit.chunk.id, s.start) in flagged for s in sources)


def enumeration(top: list[Candidate], neighbours=None, limit: int = 10) -> list[Source]:
    """The enumeration one of the ``top`` sentences opens (it ends with ： and items follow) or belongs to (it is an
    item): the lead sentence, if any, then every item of the same marker family in order. [] when none."""
    for cand in top:
        hit = cand.source.hit
        sents = sentences_of(hit)
        idx = next((i for i, s in enumerate(sents) if s.start == cand.source.start), None)
        if idx is None:
            continue
        following = sents[idx + 1:]
        if neighbours is not None and len(following) < limit:
            following += [s for h in neighbours(hit) for s in sentences_of(h)]
        mark = item_marker(cand.quote)
        inner = inner_marker(cand.quote) if mark is None else None
        if inner is not None and inner[1] == 1:      # the lead and the first item in one sentence
            items = _run(following, inner[0], 2, limit - 1)
            if items:
                return [cand.source, *items]
        if mark is None:
            # a lead sentence: the list's first item opens right after it (or within two sentences of it)
            first = next(((j, m) for j, s in enumerate(following[:3]) if (m := item_marker(s.quote))
                          and not _heading_like(s.quote)), None)
            if first is None or first[1][1] != 1 or (first[0] > 0 and not re.search(r"[：:]$", cand.quote.strip())
                                                      and first[0] > 1):
                continue
            items = _run(following[first[0]:], first[1][0], 1, limit)
            if len(items) >= 2:
                return [cand.source, *items]
            continue
        if _heading_like(cand.quote):
            continue
        fam, n = mark
        before = sents[:idx]
        start = [s for s in before if (m := item_marker(s.quote)) and m[0] == fam and m[1] < n]
        lead = before[before.index(start[0]) - 1] if start and before.index(start[0]) > 0 else None
        items = [*start, cand.source, *_run(following, fam, n + 1, limit)]
        items = _in_order(items, fam)
        if len(items) >= 2:
            head = [lead] if lead is not None and re.search(r"[：:]$", lead.quote.strip()) else []
            return (head + items)[: limit + 1]
    return []


def _run(sents: list[Source], fam: str, n: int, limit: int) -> list[Source]:
    """Items ``n``, ``n+1`` … of family ``fam`` among ``sents`` (sentences between items are skipped; a marker of a
    higher-level family, or the same family restarting, ends the run)."""
    out = []
    for s in sents:
        m = item_marker(s.quote)
        if m is None or _heading_like(s.quote):
            continue
        if m[0] != fam:
            if _rank(m[0]) < _rank(fam):
                break
            continue
        if m[1] != n:
            break
        out.append(s)
        n += 1
        if len(out) >= limit:
            break
    return out


def _heading_like(text: str) -> bool:
    """A heading line ("（一）树立鲜明选人用人导向"): short and not ended as a sentence, or a short phrase under a
    heading-style marker （一） 一、 1. (an 一是 item is never a heading). Headings list a document's parts, not the items
    a question asks for."""
    t = text.strip()
    if len(t) <= 40 and not re.search(r"[。！？；!?;：:，,]$", t):
        return True
    m = item_marker(t)
    if m is None or m[0] == "shi":
        return False
    body = re.sub(r"^(?:[（(][^）)]{1,3}[）)]|[一二三四五六七八九十\d]{1,3}[、.．])", "", t).rstrip("。；;")
    return len(body) <= 16 and "，" not in body


def _rank(fam: str) -> int:
    return {"dun": 0, "paren": 1, "di": 2, "shi": 3, "arabic": 4}.get(fam, 5)


def _in_order(items: list[Source], fam: str) -> list[Source]:
    """Keep the longest prefix numbered 1, 2, 3 … (drop stray items of another list)."""
    out, want = [], 1
    for s in items:
        m = item_marker(s.quote)
        if m and m[0] == fam and m[1] == want:
            out.append(s)
            want += 1
    return out


def with_example(sources: list[Source]) -> list[Source]:
    """The sentence after the best one, when it gives the example (比如…)."""
    best = sources[0]
    sents = sentences_of(best.hit)
    idx = next((i for i, s in enumerate(sents) if s.start == best.start), None)
    if idx is None or idx + 1 >= len(sents) or not EXAMPLE.match(sents[idx + 1].quote):
        return sources
    return [best, sents[idx + 1]]


def as_answer_sentence(quote: str) -> str:
    """A source sentence as it reads inside an answer: verbatim, ending in a full stop."""
    q = quote.strip()
    if q.endswith(("；", "，", "：", ";", ",", ":")):
        q = q[:-1] + "。"
    elif not q.endswith(("。", "！", "？", "”", "」", "）", ")")):
        q = q + "。"
    return q


def _marked(sentence: str, n: int) -> str:
    """'…现象。' → '…现象[n]。': every marker precedes its sentence's stop."""
    m = re.search(r"[。！？]$", sentence)
    return f"{sentence[:-1]}[{n}]{sentence[-1]}" if m else f"{sentence}[{n}]"
