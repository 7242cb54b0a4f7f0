"""Evidence: the source sentences of retrieved passages, and a plain term-share score of them (used by drafting;
answers rank sentences with the fitted model in ``assistant/ranking.py``).

A sentence's score is the IDF-weighted share of the question's terms it contains, nudged by its passage's rank.
"""
from __future__ import annotations

from dataclasses import dataclass

from jianghua.assistant.citations import Source
from jianghua.ingest.sentences import split_sentences
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
