"""Evaluation metrics: pure functions over plain values (no knowledge base, no application object).

Text matching everywhere: ``norm`` deletes every whitespace character (spaces, tabs, line breaks, U+3000, NBSP,
zero-width characters) and changes nothing else; "A contains B" means ``norm(B)`` is a substring of ``norm(A)``.

Retrieval. A retrieved chunk is *relevant* to a query iff it belongs to a gold document of one of the query's qrels
AND contains that qrel's answer text. ``match_answers`` gives, for each ranked hit, the set of qrels it satisfies.
- recall@k: share of the query's qrels (gold answers) satisfied by some hit in the top k.
- MRR@10: 1 / rank of the first relevant hit in the top 10 (0 if none).
- nDCG@10: binary gain (a hit is relevant or not), discount 1/log2(rank+1); the ideal DCG puts all relevant chunks
  of the evaluated version (capped at 10) first, so nDCG ≤ 1 and a query whose answer no chunk contains scores 0.

Answers (the assistant's dict: answer, citations, sentences, trace).
- gold fact: some gold answer text appears verbatim in the answer text after citation markers ([1], ［1］, 【1】,
  [1,2]) are removed. A declined answer has no gold fact.
- answer recall: share of the query's gold answer texts that so appear (list and cross questions have several).
- context recall: recall over the passages the assistant itself retrieved for the answer (its trace hits, found
  with its own follow-up rewriting), by the retrieval rule above.
- citation precision: share of citations that are correct; a citation is correct iff the cited chunk's document is
  a gold document of the query AND its quote is non-empty and appears in that document's text. (Strict: the
  assistant's own support score is not trusted here; it is what faithfulness measures.)
- faithfulness: share of the answer's sentences whose ``supported`` flag is true.
- abstention accuracy: share of unanswerable questions declined (``trace["declined"]``); false-abstention rate:
  share of answerable questions declined.

Drafts.
- structure: an opening (text before 一是), the measures 一是, 二是, 三是 in that order (more may follow), and a
  closing (text after the paragraph holding the last measure). A measure runs from its marker to the next marker,
  the last one to the end of its paragraph.
- measures cited: share of measures that hold a citation marker, or hold a sentence that has citations.
- terms: share of the case's ``terms`` that appear verbatim in the draft.
- numbers grounded: share of the Arabic numbers in the draft (citation markers removed) that appear as numbers in
  some cited quote; None when the draft has no number.
- length error: |len − target| / target, len counting the draft's characters without whitespace and markers.
"""
from __future__ import annotations

import math
import re
from typing import Iterable, Mapping, Sequence

from jianghua.ingest.numerals import NUMERALS

_WS = re.compile(r"[\s\u00a0\u200b-\u200d\u2060\u3000\ufeff]+")
_MARKER = re.compile(r"[\[［【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]］】]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")
_ORDINALS = NUMERALS
_MEASURE = re.compile(r"(?:^|(?<=[\s。：:；;，,！!？?”」）)]))([一二三四五六七八九十])是")


# -- text -------------------------------------------------------------------------------------------------------
def norm(text: str | None) -> str:
    """Delete whitespace; nothing else changes."""
    return _WS.sub("", text or "")


def contains(haystack: str | None, needle: str | None) -> bool:
    n = norm(needle)
    return bool(n) and n in norm(haystack)


def strip_markers(text: str | None) -> str:
    """Remove citation markers ([1], [1,2], ［1］, 【1】)."""
    return _MARKER.sub("", text or "")


def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


# -- retrieval --------------------------------------------------------------------------------------------------
def match_answers(hits: Sequence[tuple[str, str]], qrels: Sequence[tuple[str, str]]) -> list[frozenset[int]]:
    """For each ranked hit ``(doc, text)``, the indices of the qrels ``(doc, answer)`` it satisfies."""
    out = []
    for doc, text in hits:
        t = norm(text)
        out.append(frozenset(i for i, (d, a) in enumerate(qrels) if d == doc and norm(a) and norm(a) in t))
    return out


def recall_at_k(found: Sequence[frozenset[int]], n_answers: int, k: int) -> float:
    if n_answers <= 0:
        raise ValueError("recall is undefined for a query without gold answers")
    got = set().union(*found[:k]) if found[:k] else set()
    return len(got) / n_answers


def mrr_at_k(found: Sequence[frozenset[int]], k: int = 10) -> float:
    for rank, f in enumerate(found[:k], 1):
        if f:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(found: Sequence[frozenset[int]], n_relevant: int, k: int = 10) -> float:
    """Binary-gain nDCG; ``n_relevant`` = relevant chunks in the whole version (the ideal ranking's length)."""
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_relevant, k)))
    if ideal == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, f in enumerate(found[:k]) if f)
    return min(dcg / ideal, 1.0)  # min: only if n_relevant was undercounted


def first_rank(found: Sequence[frozenset[int]]) -> int | None:
    return next((r for r, f in enumerate(found, 1) if f), None)


# -- answers ----------------------------------------------------------------------------------------------------
def gold_fact(answer: str, answers: Sequence[str]) -> bool:
    text = strip_markers(answer)
    return any(contains(text, a) for a in answers)


def answer_recall(answer: str, answers: Sequence[str]) -> float | None:
    if not answers:
        return None
    text = strip_markers(answer)
    return sum(contains(text, a) for a in answers) / len(answers)


def citations_correct(citations: Sequence[Mapping], gold_docs: set[str], doc_texts: Mapping[str, str]) -> list[bool]:
    """Per citation: correct or not (see the module docstring); ``doc_texts`` maps a cited doc_id to its text."""
    out = []
    for c in citations:
        doc, quote = c.get("doc_id"), c.get("quote") or ""
        out.append(doc in gold_docs and bool(norm(quote)) and contains(doc_texts.get(doc, ""), quote))
    return out


def citation_precision(citations: Sequence[Mapping], gold_docs: set[str], doc_texts: Mapping[str, str]) -> float | None:
    """Share of correct citations; None when nothing is cited."""
    return mean(citations_correct(citations, gold_docs, doc_texts))


def faithfulness(sentences: Sequence[Mapping]) -> float | None:
    if not sentences:
        return None
    return sum(bool(s.get("supported")) for s in sentences) / len(sentences)


# -- drafts -----------------------------------------------------------------------------------------------------
def draft_structure(text: str) -> dict:
    """``{"opening", "measures": [text …], "closing", "ok"}`` (see the module docstring)."""
    marks = []
    want = 0
    for m in _MEASURE.finditer(text):
        if want < len(_ORDINALS) and m.group(1) == _ORDINALS[want]:
            marks.append(m)
            want += 1
    measures, closing = [], ""
    opening = text[:marks[0].start()] if marks else text
    for i, m in enumerate(marks):
        if i + 1 < len(marks):
            measures.append(text[m.start():marks[i + 1].start()])
        else:
            end = text.find("\n", m.end())
            end = len(text) if end < 0 else end
            measures.append(text[m.start():end])
            closing = text[end:]
    opening, closing = norm(strip_markers(opening)), norm(strip_markers(closing))
    return {"opening": opening, "measures": measures, "closing": closing,
            "ok": bool(opening) and len(measures) >= 3 and bool(closing)}


def measures_cited(measures: Sequence[str], sentences: Sequence[Mapping] = ()) -> float | None:
    if not measures:
        return None
    cited_sents = [norm(strip_markers(s.get("text", ""))) for s in sentences if s.get("citations")]
    n = 0
    for m in measures:
        body = norm(strip_markers(m))
        if _MARKER.search(m) or any(s and s in body for s in cited_sents):
            n += 1
    return n / len(measures)


def terms_share(text: str, terms: Sequence[str]) -> float | None:
    if not terms:
        return None
    body = strip_markers(text)
    return sum(contains(body, t) for t in terms) / len(terms)


def numbers(text: str) -> list[str]:
    return _NUMBER.findall(strip_markers(text or "").translate(_FULL_DIGITS))


def numbers_grounded(text: str, quotes: Sequence[str]) -> float | None:
    found = numbers(text)
    if not found:
        return None
    quoted = {n for q in quotes for n in numbers(q)}
    return sum(n in quoted for n in found) / len(found)


def draft_length(text: str) -> int:
    return len(norm(strip_markers(text)))


def length_error(text: str, target: int) -> float:
    return abs(draft_length(text) - target) / target


# -- latency ----------------------------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), ``q`` in 0–100."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(samples: Mapping[str, Sequence[float]]) -> dict[str, dict]:
    """``{stage: {"p50", "p95", "n"}}`` in milliseconds."""
    return {k: {"p50": percentile(v, 50), "p95": percentile(v, 95), "n": len(v)}
            for k, v in sorted(samples.items()) if v}
