"""One version searched through Milvus (``JIANGHUA_BACKEND=milvus``): the keyword and dense candidate lists come
from the collection (index/milvus_store.py), filtered to the version's span; the searcher fuses them with the same
weighted RRF, scope pinning and stages as the embedded backend.

What stays as in the embedded view: the catalog (documents and their metadata, for scope), the title and section
fields, and the per-version BM25 statistics the answer composer reads (``view.keyword.idf``) — all from SQLite.
What differs: the keyword candidates are the ones Milvus's BM25 finds (its statistics: IDF over its segments and
every span in the collection, not over the one version; its jieba analysis of the text), ordered by the version's
own BM25 over our tokens; the fields stage adds title and section scores to those candidates only (the embedded view
adds them to every row matching a term); the dense list is Milvus's (exact inner product, one vector per row).
"""
from __future__ import annotations

import numpy as np

from jianghua.index.keyword import add_scores
from jianghua.index.scope import Scope
from jianghua.index.view import CANDIDATES, VersionView, split_candidates

POOL = 2 * CANDIDATES      # keyword candidates taken from Milvus, ordered by the version's BM25


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
        cands: set[int] = set()
        if row_mask is not None:
            cands |= {r for r, _ in mp.keyword(text, self.version, POOL, self._doc_ids(row_mask))}
        if not scope.hard:
            cands |= {r for r, _ in mp.keyword(text, self.version, POOL)}
        # Milvus finds the candidates; the version's own BM25 statistics order them (Milvus Lite's per-segment
        # IDF gave the same passages other scores in two versions with the same documents: README "Milvus backend")
        rows, total, per_term = self.keyword.score_rows(kterms, np.array(sorted(cands), np.int64))
        if fields:
            rows, total = add_scores(rows, total, *self.fields.score(kterms, rows))
        return split_candidates(rows, total, per_term, row_mask, scope.hard, pin)

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
