"""Evidence: the source sentences of retrieved passages, and a plain term-share score of them (used by drafting;
answers rank sentences with the fitted model in ``assistant/ranking.py``).

A sentence's score is the IDF-weighted share of the question's terms it contains, nudged by its passage's rank.
"""
from __future__ import annotations

import re
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


# the salutation that opens a speech's body (同志们，朋友们：): in a text flattened from a web page it runs on from the
# title, date and speaker into the first sentence, which it then buries ("新华社…电…的讲话（2020年10月23日）习近平同志们，
# 朋友们：今天，…")
SALUTATION = re.compile(r"(?:同志们|朋友们|同学们|老师们|女士们|先生们|各位代表|各位委员|各位来宾)[：:]")


def sentences_of(hit: Hit) -> list[Source]:
    """The sentences of a passage, as sources; a sentence is also cut after a salutation inside it, so that the
    title and salutation before it stand apart (a meta sentence) from what the speech says."""
    c = hit.chunk
    out = []
    for s in split_sentences(c.text):
        a = s.start
        for m in SALUTATION.finditer(c.text, s.start, s.end):
            b = m.end()
            if s.end - b >= 4 and b - a >= 4:
                out.append(Source(hit, c.start + a, c.start + b))
                a = b
        out.append(Source(hit, c.start + a, c.start + s.end))
    return out


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
