"""What a follow-up's answer takes from the previous answer: the clause of one of its sentences that the follow-up
asks about, the sentence its own words point at, the item an ordinal named, and whether an answer would only repeat
it.
"""
from __future__ import annotations

import re

from jianghua.assistant.citations import Source
from jianghua.assistant.condense import answer_sentences, strip_item_marker
from jianghua.assistant.enumeration import inline_items, item_marker
from jianghua.assistant.evidence import sentences_of
from jianghua.assistant.ranking import Candidate, token_set


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


def asked_of(sources: list[Source], fresh: list[Candidate], focus, tokens, ranked: list[Candidate] | None = None,
              window: int = 6) -> Source | None:
    """Of a previous answer's sentences, the one a follow-up's own words (``focus``) point at ("围绕这个方针，要提升
    哪几种能力？" after two sentences, one of them on the 方针): it holds more of them than every other chosen
    sentence and than the best new ones that score at least half as well (``ranked``: the scores). None when no
    sentence stands out so."""
    if focus is None or not focus.terms or len(sources) < 2:
        return None
    cover = lambda text: focus.coverage(text, token_set(tokens, text))      # noqa: E731
    score = {(c.source.hit.chunk.id, c.source.start): c.score for c in ranked or ()}
    of = lambda s: score.get((s.hit.chunk.id, s.start), 0.0)      # noqa: E731
    scored = sorted(((cover(s.quote), of(s), i) for i, s in enumerate(sources)), reverse=True)
    best, _, i = scored[0]
    floor = 0.5 * of(sources[i])
    rivals = ([c for c, sc, _ in scored[1:] if sc >= floor] or [0.0]) + [
        cover(c.quote) for c in fresh[:window] if c.score >= floor]
    return sources[i] if best > 0 and best > max(rivals) else None


def named_item(hits, around, history: list[dict], standalone: str) -> Source | None:
    """The item of the previous answer (一是…, （三）…) that the standalone question quotes — an ordinal the condenser
    resolved into the previous answer ("第三点讲的是什么？" → "<item 3>，讲的是什么？") —, found in the passages
    retrieved or, when it heads one of them (a short item is its passage's section heading), in the one before."""
    previous = next((str(t.get("content", "")) for t in reversed(history) if t.get("role") == "assistant"), "")
    cores = [c for c in (s.rstrip("。；;，,：:") for s in answer_sentences(previous))
             if len(c) >= 6 and item_marker(c) is not None
             and strip_item_marker(c)[:80].rstrip("。；，,;：:") + "，" in standalone]
    if not cores:
        return _inline_item(hits, previous, standalone)
    target = cores[0]
    for hit in hits[:8]:
        pool = [hit]
        if around is not None and hit.chunk.section and hit.chunk.section[-1].rstrip("。") == target:
            pool = around(hit)
        for h in pool:
            for s in sentences_of(h):
                if s.quote.strip().rstrip("。；;，,：:") == target:
                    return s
    return None


def inline_item_named(hits, history: list[dict], standalone: str) -> Source | None:
    """The item of a list the previous answer writes inline that the standalone question opens with (an ordinal the
    condenser resolved: "排第三的那种精神原话怎么说的？" → "<item 3>，那种精神原话怎么说的？"): its words, or None."""
    previous = next((str(t.get("content", "")) for t in reversed(history) if t.get("role") == "assistant"), "")
    return _inline_item(hits, previous, standalone)


def _inline_item(hits, previous: str, standalone: str) -> Source | None:
    """The item of a list the previous answer's first sentence writes inline (…法律政策运用能力、防控风险能力、…) that
    the standalone question quotes ("排第四的是哪一种？" → "科技应用能力，是哪一种？"): its words in that sentence."""
    sents = answer_sentences(previous)
    items = inline_items(sents[0]) if sents else None
    item = next((x for x in items or [] if standalone.startswith(x + "，")), None)
    if item is None:
        return None
    whole = sents[0].rstrip("。；;，,：:")
    for hit in hits:
        for s in sentences_of(hit):
            if s.quote.strip().rstrip("。；;，,：:") == whole and item in s.quote:
                at = s.start + s.quote.index(item)
                return Source(s.hit, at, at + len(item))
    return None


def said_before(src: Source, ranked: list[Candidate]) -> bool:
    """``src`` is one of the previous answer's sentences."""
    return any("previous" in c.flags and c.source.hit.chunk.id == src.hit.chunk.id and c.source.start == src.start
               for c in ranked)


def repeats(sources: list[Source], ranked: list[Candidate], previous_count: int) -> bool:
    """Every chosen sentence was in the previous answer, and there are as many: the answer would repeat it."""
    flagged = {(c.source.hit.chunk.id, c.source.start) for c in ranked if "previous" in c.flags}
    return len(sources) >= previous_count and all((s.hit.chunk.id, s.start) in flagged for s in sources)
