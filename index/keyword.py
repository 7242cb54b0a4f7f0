"""The persistent keyword index: jieba-token postings in SQLite, BM25 scored per knowledge-base version.

Postings (term, chunk row, term frequency) are written once, when a chunk row is created. At query time each query
term's postings are read by primary key, restricted to the version's chunk rows, and scored with BM25 using that
version's own statistics (N, document frequency, average length), so a version answers the same whatever other
versions the store holds.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

K1 = 1.2
B = 0.75


def postings_rows(chunk_row: int, tokens: list[str]) -> list[tuple[str, int, int]]:
    return [(t, chunk_row, n) for t, n in Counter(tokens).items()]


@dataclass
class KeywordResult:
    rows: np.ndarray          # chunk rows, best first
    scores: np.ndarray
    matched: dict[int, list[str]]


class KeywordIndex:
    """BM25 over one version's chunk rows. ``member`` and ``lengths`` are indexed by chunk row; ``read_postings``
    gives a term's (chunk row, tf) pairs in every version (``Store.postings``)."""

    def __init__(self, read_postings: Callable[[str], list[tuple[int, int]]], member: np.ndarray,
                 lengths: np.ndarray):
        self._read_postings = read_postings
        self.member = member
        self.lengths = lengths
        n = int(member.sum())
        self.n = n
        self.avgdl = float(lengths[member].mean()) if n else 1.0
        self._postings = lru_cache(maxsize=4096)(self._read)

    def _read(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        rows = self._read_postings(term)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        a = np.asarray(rows, dtype=np.int64)
        chunk, tf = a[:, 0], a[:, 1].astype(np.float32)
        ok = chunk < len(self.member)
        chunk, tf = chunk[ok], tf[ok]
        keep = self.member[chunk]
        return chunk[keep], tf[keep]

    def df(self, term: str) -> int:
        return len(self._postings(term)[0])

    def idf(self, term: str) -> float:
        """BM25 idf in this version; a term the version never uses gets the highest idf (it is the rarest)."""
        df = len(self._postings(term)[0])
        return float(np.log(1.0 + (self.n - df + 0.5) / (df + 0.5)))

    def score_all(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray]]]:
        """(rows ascending, BM25 totals, [(term, rows holding it)]) over every row matching a term."""
        per_term: list[tuple[str, np.ndarray]] = []
        all_rows, all_scores = [], []
        for t in dict.fromkeys(terms):
            rows, tf = self._postings(t)
            df = len(rows)
            if df == 0:
                continue
            idf = np.log(1.0 + (self.n - df + 0.5) / (df + 0.5))
            dl = self.lengths[rows]
            all_rows.append(rows)
            all_scores.append(idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / self.avgdl)))
            per_term.append((t, rows))
        if not all_rows:
            return np.zeros(0, np.int64), np.zeros(0), per_term
        cat = np.concatenate(all_rows)        # summed by row number: no sort or hash of the postings
        uniq_rows = np.flatnonzero(np.bincount(cat))
        return uniq_rows, np.bincount(cat, weights=np.concatenate(all_scores))[uniq_rows], per_term

    def score_rows(self, terms: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        """``score_all`` restricted to ``rows`` (candidates another engine found), with this version's statistics."""
        all_rows, total, per_term = self.score_all(terms)
        keep = np.isin(all_rows, rows)
        return all_rows[keep], total[keep], [(t, tr[np.isin(tr, rows)]) for t, tr in per_term]

    def search(self, terms: list[str], k: int) -> KeywordResult:
        rows, total, per_term = self.score_all(terms)
        return top_k(rows, total, k, per_term)


def add_scores(rows: np.ndarray, total: np.ndarray, rows2: np.ndarray, total2: np.ndarray):
    """The sum of two sparse score vectors (rows ascending)."""
    if len(rows2) == 0:
        return rows, total
    size = int(max(rows.max(initial=-1), rows2.max())) + 1      # by row number: no sort of the union
    out, seen = np.zeros(size), np.zeros(size, bool)
    out[rows] += total
    out[rows2] += total2
    seen[rows] = seen[rows2] = True
    u = np.flatnonzero(seen)
    return u, out[u]


def top_k(rows: np.ndarray, total: np.ndarray, k: int, per_term: list[tuple[str, np.ndarray]]) -> KeywordResult:
    """The ``k`` best rows (ties: lower row first) with the query terms each holds."""
    if len(rows) == 0 or k <= 0:
        return KeywordResult(np.zeros(0, np.int64), np.zeros(0, np.float32), {})
    k = min(k, len(rows))
    top = np.argpartition(-total, k - 1)[:k]
    top = top[np.lexsort((rows[top], -total[top]))]
    best = rows[top]
    matched = {int(r): [] for r in best}
    for t, trows in per_term:
        for r in best[np.isin(best, trows, kind="table")]:
            matched[int(r)].append(t)
    return KeywordResult(best, total[top].astype(np.float32), matched)
