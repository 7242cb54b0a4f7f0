"""The extractive generator: the answer is the source's own sentences, the one that answers first.

A fact question gets the best sentence, and a second one only when it scores nearly as well (``second_cut``, fitted)
and the two stay short. A question asking for a list gets the enumeration the best sentences open or belong to
(一是… 二是…, （一）（二）, 1. 2., 第一… 第二…), whole and in order, across passages when it runs on. A question asking
for an example adds the example sentence (比如…) that follows. Every sentence is verbatim and carries its marker.
"""
from __future__ import annotations

import re
from typing import Iterator

from jianghua.assistant.answerability import models
from jianghua.assistant.citations import Source
from jianghua.assistant.composition import Capabilities, Composition, Job, declined
from jianghua.assistant.enumeration import STRUCTURE_Q, best_listing
from jianghua.assistant.evidence import sentences_of
from jianghua.assistant.ranking import Candidate, token_set
from jianghua.assistant.overlap import bigrams

LIST_Q = re.compile(r"哪些|哪几|有哪|几个方面|几点|几项|几类|几种|几条|分别|都有什么|包括什么|包括哪|包含|内容是什么|"
                    r"是什么标准|有什么要求|哪[一二三四五六七八九十两\d]")
EXAMPLE_Q = re.compile(r"例子|举例|举了|案例|比如")
EXAMPLE = re.compile(r"^(?:比如|例如|譬如|如：)")


class ExtractiveGenerator:
    """Answers with the most relevant source sentences, each followed by its marker."""

    name = "extractive"
    capabilities = Capabilities()   # follow-ups are condensed without a model; its deltas are whole sentences

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
        if LIST_Q.search(job.question) or STRUCTURE_Q.search(job.question):
            sources = best_listing(ev.question, ranked, job.around, self.max_items)
        if not sources:
            sources = self.brief(ranked, models().second_cut)
            if EXAMPLE_Q.search(job.question):
                sources = with_example(sources)
            if ev.previous_count and _repeats(sources, ranked, ev.previous_count):
                part = clause_window(sources[0], ev.focus, job.tokens) if ev.focus is not None else None
                fresh = [c for c in ranked if "previous" not in c.flags]
                if part is not None:
                    sources = [part]
                elif fresh:
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


CLAUSE_END = re.compile(r"[，,；;：:。！？]")


def clause_window(src: Source, focus, tokens, min_cover: float = 0.5) -> Source | None:
    """The part of the sentence ``src`` that a follow-up about it asks for: the clause holding most of the
    follow-up's own words (``focus``, an ``assistant.question.Question``) and the clause after it ("除了这两个方案，还建立了
    什么？" → "建立了整改工作台账，狠抓落实"), verbatim. None when no clause holds ``min_cover`` of them or the part
    would be the whole sentence."""
    quote = src.quote
    bounds, at = [], 0
    for m in CLAUSE_END.finditer(quote):
        bounds.append((at, m.end()))
        at = m.end()
    if at < len(quote):
        bounds.append((at, len(quote)))
    if len(bounds) < 3 or not focus.terms:
        return None
    cover = [focus.coverage(quote[a:b], token_set(tokens, quote[a:b])) for a, b in bounds]
    i = max(range(len(bounds)), key=lambda j: (cover[j], -j))
    if cover[i] < min_cover:
        return None
    a, b = bounds[i][0], bounds[min(i + 1, len(bounds) - 1)][1]
    body = quote[a:b].rstrip("，,；;：:")
    return Source(src.hit, src.start + a, src.start + a + len(body))


def _repeats(sources: list[Source], ranked: list[Candidate], previous_count: int) -> bool:
    """Every chosen sentence was in the previous answer, and there are as many: the answer would repeat it."""
    flagged = {(c.source.hit.chunk.id, c.source.start) for c in ranked if "previous" in c.flags}
    return len(sources) >= previous_count and all((s.hit.chunk.id, s.start) in flagged for s in sources)


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
