"""One version searched through Milvus (``JIANGHUA_BACKEND=milvus``): the keyword and dense candidate lists come
from the collection (index/milvus_store.py), filtered to the version's span; the searcher fuses them with the same
weighted RRF, scope pinning and stages as the embedded backend.

What stays as in the embedded view: the catalog (documents and their metadata, for scope), the title and section
fields, and the per-version BM25 statistics the answer composer reads (``view.keyword.idf``) — all from SQLite.
What differs: Milvus scores BM25 with its own statistics (IDF over its segments and every span in the collection,
not over the one version; jieba's search mode on the raw text, not on our tokens), and the fields stage adds title
and section scores to Milvus's candidates only (the embedded view adds them to every row matching a term).
"""
from __future__ import annotations

import numpy as np

from jianghua.index.keyword import add_scores
from jianghua.index.scope import Scope
from jianghua.index.search import CANDIDATES, VersionView, _split


class MilvusView(VersionView):
    """A version view whose candidates come from Milvus."""

    def refresh_dense(self, max_vector_id: int | None = None) -> None:
        """How many of the version's passages are embedded (counted in Milvus when the vectors changed)."""
        with self._lock:
            mx = max_vector_id if max_vector_id is not None else self.kb.mirror.max_id
            if getattr(self, "_counted_at", None) == mx:
                return
            self.kb.mirror.refresh()
            self.n_embedded = self.kb.mirror.count(self.version, embedded=True)
            self._counted_at = self.vectors_seen = self.kb.mirror.max_id

    def _doc_ids(self, row_mask) -> list[str] | None:
        if row_mask is None:
            return None
        rows = np.flatnonzero(row_mask)
        docs = np.unique(self.catalog.doc_of_row[rows])
        return [self.catalog.docs[i].id for i in docs if i >= 0]

    def keyword_lists(self, kterms: list[str], row_mask, scope: Scope, pin: int,
                      fields: bool) -> tuple[list[list[int]], dict[int, list[str]]]:
        mp = self.kb.mirror
        if not mp.bm25:          # a Milvus server without BM25: the SQLite postings give the keyword list
            return super().keyword_lists(kterms, row_mask, scope, pin, fields)
        mp.refresh()
        text = " ".join(dict.fromkeys(kterms))
        cands: dict[int, float] = {}
        if row_mask is not None:
            cands.update(mp.keyword(text, self.version, CANDIDATES, self._doc_ids(row_mask)))
        if not scope.hard:
            for r, s in mp.keyword(text, self.version, CANDIDATES):
                cands.setdefault(r, s)
        rows = np.array(sorted(cands), np.int64)
        total = np.array([cands[r] for r in rows], np.float64)
        if fields:
            rows, total = add_scores(rows, total, *self.fields.score(kterms, rows))
        per_term = [(t, np.asarray(rs, np.int64)) for t, rs in self.kb.store.term_rows(list(dict.fromkeys(kterms)),
                                                                                          [int(r) for r in rows])]
        return _split(rows, total, per_term, row_mask, scope.hard, pin)

    def dense_lists(self, qv: np.ndarray, row_mask, scope: Scope, pin: int) -> list[list[int]]:
        mp = self.kb.mirror
        out: list[list[int]] = [[], []]
        if row_mask is not None:
            scoped = [r for r, _ in mp.dense(qv, self.version, CANDIDATES, self._doc_ids(row_mask))]
            out[0] = scoped if scope.hard else scoped[:pin]
        if not scope.hard:
            seen = set(out[0])
            out[1] = [r for r, _ in mp.dense(qv, self.version, CANDIDATES) if r not in seen]
        return out
