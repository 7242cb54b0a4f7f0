"""Vector indexes behind one Protocol: FAISS (the default) and brute-force numpy (the reference).

Both hold (id, vector) pairs of L2-normalised float32 vectors and answer inner-product top-k restricted to an
optional set of allowed ids (the vectors of one knowledge-base version).
"""
from __future__ import annotations

import os
import tempfile
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


class FaissVectorIndex:
    """An exact inner-product FAISS index (IndexIDMap2 over IndexFlatIP), saved as one file."""

    def __init__(self, dim: int):
        import faiss
        self.dim = dim
        self._faiss = faiss
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._selector: tuple[np.ndarray | None, object] = (None, None)

    @classmethod
    def load(cls, path: Path, dim: int) -> "FaissVectorIndex":
        import faiss
        self = cls(dim)
        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path} holds {index.d}-dimensional vectors, expected {dim}")
        self._index = index
        return self

    def save(self, path: Path) -> None:
        """Atomically, through a temporary file of this writer's own (processes may save at the same time)."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        os.close(fd)
        try:
            self._faiss.write_index(self._index, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def add(self, ids, vectors) -> None:
        vectors = np.ascontiguousarray(np.asarray(vectors, np.float32).reshape(-1, self.dim))
        if len(vectors):
            self._index.add_with_ids(vectors, np.ascontiguousarray(np.asarray(ids, np.int64)))

    def remove(self, ids) -> None:
        ids = np.ascontiguousarray(np.asarray(ids, np.int64))
        if len(ids):
            self._index.remove_ids(self._faiss.IDSelectorBatch(ids))

    def search(self, query, k, allowed=None):
        n = self._index.ntotal if allowed is None else min(self._index.ntotal, len(allowed))
        k = min(k, n)
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = np.ascontiguousarray(np.asarray(query, np.float32).reshape(1, self.dim))
        params = None
        if allowed is not None:
            params = self._faiss.SearchParameters(sel=self._selector_for(allowed))
        if self._faiss.omp_get_max_threads() != SEARCH_THREADS:
            self._faiss.omp_set_num_threads(SEARCH_THREADS)
        D, I = self._index.search(q, k, params=params)
        keep = I[0] >= 0
        ids, scores = I[0][keep], D[0][keep]
        order = np.lexsort((ids, -scores))
        return ids[order], scores[order]

    def _selector_for(self, allowed: np.ndarray):
        # one knowledge-base version asks with the same array every time: build its selector once
        if self._selector[0] is not allowed:
            sel = self._faiss.IDSelectorBatch(np.ascontiguousarray(np.asarray(allowed, np.int64)))
            self._selector = (allowed, sel)
        return self._selector[1]

    def ids(self):
        return self._faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def __len__(self):
        return int(self._index.ntotal)
