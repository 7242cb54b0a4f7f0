"""Vector indexes behind one Protocol: FAISS (the default) and brute-force numpy (the reference).

Both hold (id, vector) pairs of L2-normalised float32 vectors and answer inner-product top-k restricted to an
optional set of allowed ids (the vectors of one knowledge-base version).
"""
from __future__ import annotations

import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorIndex(Protocol):
    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) best first; at most k; only ids in ``allowed`` when given."""

    def ids(self) -> np.ndarray: ...

    def __len__(self) -> int: ...


class NumpyVectorIndex:
    """Exact search by matrix product. The reference the FAISS index is tested against."""

    def __init__(self, dim: int):
        self.dim = dim
        self._ids = np.zeros(0, np.int64)
        self._vecs = np.zeros((0, dim), np.float32)

    def add(self, ids, vectors) -> None:
        vectors = np.asarray(vectors, np.float32).reshape(-1, self.dim)
        self._ids = np.concatenate([self._ids, np.asarray(ids, np.int64)])
        self._vecs = np.vstack([self._vecs, vectors])

    def remove(self, ids) -> None:
        keep = ~np.isin(self._ids, np.asarray(ids, np.int64))
        self._ids, self._vecs = self._ids[keep], self._vecs[keep]

    def search(self, query, k, allowed=None):
        ids, vecs = self._ids, self._vecs
        if allowed is not None:
            m = np.isin(ids, allowed)
            ids, vecs = ids[m], vecs[m]
        if len(ids) == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        s = vecs @ np.asarray(query, np.float32)
        k = min(k, len(ids))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.lexsort((ids[top], -s[top]))]
        return ids[top], s[top]

    def ids(self):
        return self._ids.copy()

    def __len__(self):
        return len(self._ids)


# One query is searched on one OpenMP thread: over the 166,712 vectors of the 新闻联播 corpus on the 2 shared cores
# (load ≈ 4.4) a version-filtered search took p50 / p95 21–22 / 27–33 ms on one thread and 36 / 48–52 ms on two
# (benchmarks/scale.py; docs/scale.md), and concurrent requests use the other core anyway. FAISS's thread count is
# process-wide; nothing else in jianghua uses FAISS's threads (the embedders use torch's).
SEARCH_THREADS = 1

# From HNSW_MIN vectors on, the index is HNSW (M=16): exact search grows with the index (22 ms alone at 166,712
# vectors, 37 ms with the version filter), HNSW stays near 1 ms. Below it exact search costs a few ms and is kept.
# A search asks for 50 candidates, so ef is chosen by recall@50: over the 165,862 real vectors of the 新闻联播
# corpus (graph built with efConstruction 40), 200 news titles as queries, ef 128 / 256 / 512 found 0.913 / 0.951 /
# 0.973 of the exact top 50 (recall@10 0.946 / 0.962 / 0.972) at 0.5 / 0.8 / 1.4 ms a query (2026-12-02).
HNSW_MIN = 50_000
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 512
# A version filter that keeps few of the vectors (a year, one document) is searched exactly over those vectors:
# HNSW's graph walk loses recall when most neighbours are filtered out, and a small set is cheap to scan.
EXACT_MAX = 20_000
EXACT_SHARE = 0.5


class ReadWriteLock:
    """Many searches at once, or one writer (FAISS indexes must not be searched while they grow)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self):
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self):
        with self._cond:
            while self._writing or self._readers:
                self._cond.wait()
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class FaissVectorIndex:
    """An inner-product FAISS index saved as one file: exact (IndexIDMap2 over IndexFlatIP), or from
    ``HNSW_MIN`` vectors on HNSW (IndexIDMap2 over IndexHNSWFlat), whose small filtered searches stay exact."""

    def __init__(self, dim: int, kind: str = "flat"):
        import faiss
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"unknown vector index kind {kind!r}")
        self.dim, self.kind = dim, kind
        self._faiss = faiss
        self._index = faiss.IndexIDMap2(self._inner(kind))
        self._selector: tuple[np.ndarray | None, object] = (None, None)
        self._ids: tuple[np.ndarray, np.ndarray] | None = None      # (ids by position, positions sorted by id)
        self._lock = ReadWriteLock()

    def _inner(self, kind: str):
        if kind == "flat":
            return self._faiss.IndexFlatIP(self.dim)
        inner = self._faiss.IndexHNSWFlat(self.dim, HNSW_M, self._faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
        return inner

    @classmethod
    def load(cls, path: Path, dim: int) -> "FaissVectorIndex":
        import faiss
        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path} holds {index.d}-dimensional vectors, expected {dim}")
        inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else None
        if isinstance(inner, faiss.IndexHNSWFlat):
            kind = "hnsw"
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        elif isinstance(inner, faiss.IndexFlatIP):
            kind = "flat"
        else:
            raise ValueError(f"{path} holds a {type(index).__name__} index, not one jianghua writes")
        self = cls(dim, kind)
        self._index = index
        return self

    def save(self, path: Path) -> None:
        """Atomically, through a temporary file of this writer's own (processes may save at the same time)."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        os.close(fd)
        try:
            with self._lock.reading():
                self._faiss.write_index(self._index, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _vectors(self) -> np.ndarray:
        """The stored vectors by position, as a view (valid until the next add)."""
        inner = self._faiss.downcast_index(self._index.index)
        flat = inner if self.kind == "flat" else self._faiss.downcast_index(inner.storage)
        n = int(self._index.ntotal)
        if not n:
            return np.zeros((0, self.dim), np.float32)
        return self._faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def _id_order(self) -> tuple[np.ndarray, np.ndarray]:
        if self._ids is None:
            ids = self._faiss.vector_to_array(self._index.id_map).astype(np.int64)
            self._ids = (ids, np.argsort(ids, kind="stable"))
        return self._ids

    def _hnsw_of(self, ids: np.ndarray, vecs: np.ndarray):
        """A new HNSW graph (in its id map) of ``vecs`` under ``ids``."""
        index = self._faiss.IndexIDMap2(self._inner("hnsw"))
        for i in range(0, len(ids), 8192):
            index.add_with_ids(np.ascontiguousarray(vecs[i:i + 8192]), np.ascontiguousarray(ids[i:i + 8192]))
        return index

    def as_hnsw(self) -> "FaissVectorIndex":
        """A new HNSW index holding the same vectors under the same ids (this one is left as it is)."""
        out = FaissVectorIndex(self.dim, "hnsw")
        with self._lock.reading():
            ids, _ = self._id_order()
            out._index = self._hnsw_of(ids, self._vectors())
        return out

    def add(self, ids, vectors) -> None:
        vectors = np.ascontiguousarray(np.asarray(vectors, np.float32).reshape(-1, self.dim))
        if len(vectors):
            with self._lock.writing():
                self._index.add_with_ids(vectors, np.ascontiguousarray(np.asarray(ids, np.int64)))
                self._ids = None

    def remove(self, ids) -> None:
        ids = np.ascontiguousarray(np.asarray(ids, np.int64))
        if not len(ids):
            return
        with self._lock.writing():
            if self.kind == "flat":
                self._index.remove_ids(self._faiss.IDSelectorBatch(ids))
            else:                              # HNSW cannot remove: the graph is built again without them
                have, _ = self._id_order()
                keep = ~np.isin(have, ids)
                self._index = self._hnsw_of(have[keep], self._vectors()[keep])
            self._ids = None

    def search(self, query, k, allowed=None):
        q = np.ascontiguousarray(np.asarray(query, np.float32).reshape(1, self.dim))
        with self._lock.reading():
            n = self._index.ntotal if allowed is None else min(self._index.ntotal, len(allowed))
            k = min(k, n)
            if k <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            if self._faiss.omp_get_max_threads() != SEARCH_THREADS:
                self._faiss.omp_set_num_threads(SEARCH_THREADS)
            if self.kind == "hnsw" and allowed is not None and (
                    len(allowed) <= EXACT_MAX or len(allowed) < EXACT_SHARE * self._index.ntotal):
                ids, scores = self._exact_among(q[0], k, np.asarray(allowed, np.int64))
            else:
                params = None
                if self.kind == "hnsw":
                    params = self._faiss.SearchParametersHNSW()
                    params.efSearch = max(HNSW_EF_SEARCH, k)
                    if allowed is not None:
                        params.sel = self._selector_for(allowed)
                elif allowed is not None:
                    params = self._faiss.SearchParameters(sel=self._selector_for(allowed))
                D, I = self._index.search(q, k, params=params)
                keep = I[0] >= 0
                ids, scores = I[0][keep], D[0][keep]
        order = np.lexsort((ids, -scores))
        return ids[order], scores[order]

    def _exact_among(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact top ``k`` among the ``allowed`` ids the index holds, from the stored vectors."""
        ids, order = self._id_order()
        at = np.searchsorted(ids, allowed, sorter=order)
        at = np.minimum(at, len(ids) - 1)
        pos = order[at]
        pos = np.unique(pos[ids[pos] == allowed])
        if not len(pos):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores = self._vectors()[pos] @ q
        k = min(k, len(pos))
        top = np.argpartition(-scores, k - 1)[:k]
        return ids[pos[top]], scores[top].astype(np.float32)

    def _selector_for(self, allowed: np.ndarray):
        # one knowledge-base version asks with the same array every time: build its selector once
        if self._selector[0] is not allowed:
            sel = self._faiss.IDSelectorBatch(np.ascontiguousarray(np.asarray(allowed, np.int64)))
            self._selector = (allowed, sel)
        return self._selector[1]

    def ids(self):
        with self._lock.reading():
            return self._id_order()[0].copy()

    def __len__(self):
        return int(self._index.ntotal)


def grown(index: FaissVectorIndex) -> FaissVectorIndex:
    """``index``, or an HNSW copy of it once it holds ``HNSW_MIN`` vectors."""
    return index.as_hnsw() if index.kind == "flat" and len(index) >= HNSW_MIN else index
