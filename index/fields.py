"""Title and section-heading fields of the keyword index (a BM25F-style sum of weighted per-field BM25 scores).

The body postings (SQLite) already hold each chunk's text with its headings. These two extra fields are built in
memory when a version is opened, from the version's chunk section paths and document titles:

- section: the chunk's heading path (一、坚持改字为先，抓紧抓好整改落实工作 › （一）…), one field per chunk;
- title: the document's title, one field per document, credited to the document's chunks that match the query in
  the body or the section field (a title alone does not pull in every chunk of its document).

score(chunk) = body BM25 + w_section · BM25(section) + w_title · BM25(title); weights in ``index/fields.json``
(with the sets they were measured on).
"""
from __future__ import annotations

import json
from collections import Counter
from importlib import resources

import numpy as np

from jianghua.index.keyword import B, K1

_WEIGHTS = None


def field_weights() -> dict:
    global _WEIGHTS
    if _WEIGHTS is None:
        _WEIGHTS = json.loads(resources.files("jianghua.index").joinpath("fields.json").read_text(encoding="utf-8"))
    return _WEIGHTS


class _Field:
    """BM25 postings of one field over ``n`` units (chunk rows or documents)."""

    def __init__(self, units: np.ndarray, token_lists: list[list[str]]):
        post: dict[str, tuple[list[int], list[int]]] = {}
        lengths = np.array([max(1, len(t)) for t in token_lists], np.float32)
        for u, toks in zip(units, token_lists):
            for t, n in Counter(toks).items():
                p = post.setdefault(t, ([], []))
                p[0].append(int(u))
                p[1].append(n)
        self.n = len(units)
        self.avg = float(lengths.mean()) if len(lengths) else 1.0
        self.length = dict(zip(units.tolist(), lengths.tolist()))
        self.post = {t: (np.array(u, np.int64), np.array(f, np.float32),
                         np.array([self.length[x] for x in u], np.float32)) for t, (u, f) in post.items()}

    def score(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        units, scores = [], []
        for t in dict.fromkeys(terms):
            p = self.post.get(t)
            if p is None:
                continue
            u, tf, dl = p
            idf = np.log(1.0 + (self.n - len(u) + 0.5) / (len(u) + 0.5))
            units.append(u)
            scores.append(idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / self.avg)))
        if not units:
            return np.zeros(0, np.int64), np.zeros(0)
        cat = np.concatenate(units)           # summed by unit number: no sort or hash
        uu = np.flatnonzero(np.bincount(cat))
        return uu, np.bincount(cat, weights=np.concatenate(scores))[uu]


class FieldIndex:
    """Section and title fields of one version (see the module docstring)."""

    def __init__(self, tokenizer, rows: np.ndarray, sections: list[str], doc_of_row: np.ndarray,
                 titles: list[str], weights: dict | None = None):
        w = weights or field_weights()
        self.w_section, self.w_title = float(w["section"]), float(w["title"])
        cache: dict[str, list[str]] = {}

        def toks(s: str) -> list[str]:
            if s not in cache:
                cache[s] = tokenizer.tokens(s) if s else []
            return cache[s]

        self.section = _Field(np.asarray(rows, np.int64), [toks(s) for s in sections])
        self.title = _Field(np.arange(len(titles), dtype=np.int64), [toks(t) for t in titles])
        self.doc_of_row = doc_of_row

    def score(self, terms: list[str], body_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows ascending, weighted section + title score) for the rows matching in the body or the section."""
        srows, ss = self.section.score(terms) if self.w_section else (np.zeros(0, np.int64), np.zeros(0))
        seen = np.zeros(int(max(body_rows.max(initial=-1), srows.max(initial=-1))) + 1, bool)
        seen[body_rows] = seen[srows] = True
        rows = np.flatnonzero(seen)                # the union, by row number (no sort)
        total = np.zeros(len(rows))
        if len(srows):
            total[np.searchsorted(rows, srows)] += self.w_section * ss
        if self.w_title and len(rows):
            docs, ts = self.title.score(terms)
            if len(docs):
                per_doc = np.zeros(int(max(docs.max(), self.doc_of_row.max(initial=0))) + 1)
                per_doc[docs] = ts
                d = self.doc_of_row[rows]
                total += self.w_title * np.where(d >= 0, per_doc[np.clip(d, 0, None)], 0.0)
        return rows, total
