"""Evidence: the source sentences of retrieved passages, scored against a question.

A sentence's score is the IDF-weighted share of the question's terms it contains, nudged by its passage's rank.
``coverage`` (the best sentence's or passage's share) decides whether the evidence can answer at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant.citations import Source
from assistant.verify import bigrams
from ingest.sentences import split_sentences
from jianghua.records import Hit


@dataclass
class Scored:
    source: Source
    score: float
    coverage: float
    rank: int          # rank of the passage it came from (1 = best)


def sentences_of(hit: Hit) -> list[Source]:
    c = hit.chunk
    return [Source(hit, c.start + s.start, c.start + s.end) for s in split_sentences(c.text)]


def score_sentences(question_terms: list[str], hits: list[Hit], idf, tokens) -> list[Scored]:
    """Score every sentence of every hit. ``idf(term)`` and ``tokens(text)`` come from the version's index."""
    terms = list(dict.fromkeys(question_terms))
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    out: list[Scored] = []
    for rank, hit in enumerate(hits, 1):
        passage_terms = set(tokens(hit.chunk.text)) | set(tokens(" ".join(hit.chunk.section)))
        passage_cov = sum(w for t, w in weights.items() if t in passage_terms) / total
        for src in sentences_of(hit):
            st = set(tokens(src.quote))
            cov = sum(w for t, w in weights.items() if t in st) / total
            length = src.end - src.start
            brevity = 0.85 if length < 12 else (1.0 if length <= 120 else max(0.75, 120 / length))
            score = (0.6 * cov + 0.25 * passage_cov + 0.15 / rank) * brevity
            out.append(Scored(src, score, max(cov, 0.8 * passage_cov), rank))
    out.sort(key=lambda s: -s.score)
    return out


def select(scored: list[Scored], max_sentences: int = 4, max_chars: int = 420, redundancy: float = 0.5) -> list[Scored]:
    """Best sentences, skipping near-duplicates (bigram Jaccard ≥ ``redundancy``)."""
    chosen: list[Scored] = []
    grams: list[set[str]] = []
    used = 0
    for s in scored:
        g = bigrams(s.source.quote)
        if any(len(g & h) / max(1, len(g | h)) >= redundancy for h in grams):
            continue
        if chosen and used + len(s.source.quote) > max_chars:
            continue
        chosen.append(s)
        grams.append(g)
        used += len(s.source.quote)
        if len(chosen) >= max_sentences:
            break
    return chosen


def reading_order(chosen: list[Scored]) -> list[Scored]:
    """Group by document (best document first), document order within each."""
    best: dict[str, float] = {}
    for s in chosen:
        d = s.source.hit.chunk.doc_id
        best[d] = max(best.get(d, 0.0), s.score)
    return sorted(chosen, key=lambda s: (-best[s.source.hit.chunk.doc_id], s.source.start))
