"""What searching one version needs in memory (``VersionView``: its chunk rows, their lengths and vector ids, the
keyword and dense candidate lists), shared by the embedded searcher (``index.search``) and the Milvus one
(``index.milvus_search``)."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jianghua.index.catalog import Catalog
from jianghua.index.fields import FieldIndex
from jianghua.index.keyword import KeywordIndex, add_scores, top_k
from jianghua.index.scope import Scope
from jianghua.index.tokenize import get_tokenizer

if TYPE_CHECKING:                      # the knowledge base imports the backends, which import this
    from jianghua.index.kb import KnowledgeBase

CANDIDATES = 50


class VersionView:
    """What searching one version needs in memory: its chunk rows, their lengths, and their vector ids."""

    def __init__(self, kb: KnowledgeBase, version: int):
        self.kb, self.version = kb, version
        lex = kb.version_settings_of(version).get("lexicon")
        self.tokenizer = get_tokenizer(Path(lex) if lex else None)
        rows = kb.store.chunk_lengths(version)
        a = np.asarray(rows, np.int64).reshape(-1, 2)
        size = int(a[:, 0].max()) + 1 if len(a) else 1
        member = np.zeros(size, bool)
        lengths = np.ones(size, np.float32)
        member[a[:, 0]] = True
        lengths[a[:, 0]] = a[:, 1]
        self.n_chunks = len(a)
        self.keyword = KeywordIndex(kb.store.postings, member, lengths)
        self.catalog = Catalog.load(kb.store, version, size)
        self._fields: FieldIndex | None = None
        self.vectors_seen = 0
        self.pairs_read = 0          # (vector, chunk row) pairs read so far: the work refresh_dense has done
        self.vec_to_rows: dict[int, list[int]] = {}
        self.allowed = self.vec_ids = self.vec_rows = np.zeros(0, np.int64)
        self.n_embedded = 0
        self._lock = threading.Lock()
        self.refresh_dense()

    def refresh_dense(self, max_vector_id: int | None = None) -> None:
        """Map the version's chunk rows to the vectors embedded so far (``max_vector_id``: the vectors table's
        largest id when the caller has just read it). Incremental: vector ids only grow (AUTOINCREMENT) and a
        version's own vectors are never deleted (prune deletes only vectors no stored chunk uses), so each call
        reads only the vectors added since the last one — the cost of a search does not grow with the vectors
        embedded meanwhile, nor with the number of versions."""
        with self._lock:
            mx = max_vector_id
            if mx is None:
                mx = self.kb.store.max_vector_id()
            if mx <= self.vectors_seen:
                return
            rows = self.kb.store.vector_pairs_after(self.version, self.vectors_seen, mx)
            self.pairs_read += len(rows)
            if rows:
                vec_to_rows = self.vec_to_rows
                for vid, row in rows:
                    vec_to_rows.setdefault(vid, []).append(row)
                pairs = np.asarray(rows, np.int64).reshape(-1, 2)
                # new ids are all larger than the ones seen: appended, the arrays stay free of duplicates
                self.allowed = np.concatenate([self.allowed, np.unique(pairs[:, 0])])
                self.vec_ids = np.concatenate([self.vec_ids, pairs[:, 0]])
                self.vec_rows = np.concatenate([self.vec_rows, pairs[:, 1]])
                self.n_embedded += len(rows)
            self.vectors_seen = mx


    @property
    def fields(self) -> FieldIndex:
        """The title and section fields, built on first use (a few hundred ms for the genre corpus)."""
        with self._lock:
            if self._fields is None:
                rows = self.kb.store.chunk_sections(self.version)
                self._fields = FieldIndex(self.tokenizer, np.array([r[0] for r in rows], np.int64),
                                          [" ".join(json.loads(r[1])) for r in rows], self.catalog.doc_of_row,
                                          [d.title for d in self.catalog.docs])
            return self._fields

    def allowed_in(self, row_mask: np.ndarray) -> np.ndarray:
        """Vector ids of the chunk rows in ``row_mask``."""
        with self._lock:                  # the two arrays as one refresh left them
            vec_ids, vec_rows = self.vec_ids, self.vec_rows
        ok = vec_rows < len(row_mask)
        return np.unique(vec_ids[ok][row_mask[vec_rows[ok]]])

    def keyword_lists(self, kterms: list[str], row_mask, scope: Scope, pin: int,
                      fields: bool) -> tuple[list[list[int]], dict[int, list[str]]]:
        """Keyword candidates as [pinned in scope, the rest] and the query terms each holds (BM25 in SQLite)."""
        rows, total, per_term = self.keyword.score_all(kterms)
        if fields:
            rows, total = add_scores(rows, total, *self.fields.score(kterms, rows))
        return split_candidates(rows, total, per_term, row_mask, scope.hard, pin)

    def dense_lists(self, qv: np.ndarray, row_mask, scope: Scope, pin: int) -> list[list[int]]:
        """Dense candidates as [pinned in scope, the rest] (FAISS over the version's vectors)."""
        index = self.kb.mirror.load()
        out: list[list[int]] = [[], []]
        if row_mask is not None:
            scoped = self._dense_rows(index.search(qv, CANDIDATES, allowed=self.allowed_in(row_mask))[0])
            out[0] = scoped if scope.hard else scoped[:pin]
        if not scope.hard:
            seen = set(out[0])
            everywhere = self._dense_rows(index.search(qv, CANDIDATES, allowed=self.allowed)[0])
            out[1] = [r for r in everywhere if r not in seen]
        return out

    def _dense_rows(self, ids) -> list[int]:
        rows, seen = [], set()
        for vid in ids:
            for r in self.vec_to_rows.get(int(vid), ()):
                if r not in seen:
                    seen.add(r)
                    rows.append(r)
        return rows


def split_candidates(rows, total, per_term, row_mask, hard: bool, pin: int) -> tuple[list[list[int]], dict[int, list[str]]]:
    """Keyword candidates as [pinned, rest]: with a scope, its best ``pin`` passages (all of them when ``hard``),
    then (unless ``hard``) the best passages anywhere; without one, [[], best anywhere]."""
    if row_mask is None:
        res = top_k(rows, total, CANDIDATES, per_term)
        return [[], [int(r) for r in res.rows]], res.matched
    inside = np.zeros(len(rows), bool)
    ok = rows < len(row_mask)
    inside[ok] = row_mask[rows[ok]]
    a = top_k(rows[inside], total[inside], CANDIDATES if hard else pin, per_term)
    pinned = [int(r) for r in a.rows]
    if hard:
        return [pinned, []], a.matched
    b = top_k(rows, total, CANDIDATES, per_term)
    return [pinned, [int(r) for r in b.rows if int(r) not in set(pinned)]], {**b.matched, **a.matched}
