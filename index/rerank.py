"""Optional reranking of fused hits by a cross-encoder in a local model directory (bge-reranker, …).

No Chinese reranker ships inside a PyPI package, so this is configured with ``JIANGHUA_RERANKER=/path/to/model``
and loads only from that directory (never from a hub).
"""
from __future__ import annotations

import os
import threading

from jianghua.errors import EmbedderUnavailableError
from jianghua.records import Hit


class CrossEncoderReranker:
    def __init__(self, path: str | os.PathLike, max_length: int = 512):
        self.path = os.path.abspath(os.fspath(path))
        if not os.path.isdir(self.path):
            raise EmbedderUnavailableError(f"reranker model directory not found: {self.path} (JIANGHUA_RERANKER)")
        self.max_length = max_length
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from sentence_transformers import CrossEncoder
            except ImportError as e:
                raise EmbedderUnavailableError("sentence-transformers is not installed") from e
            try:
                self._model = CrossEncoder(self.path, device="cpu", max_length=self.max_length, local_files_only=True)
            except Exception as e:  # the library raises many kinds; name the directory
                raise EmbedderUnavailableError(f"cannot load the reranker from {self.path}: {e}") from e
        return self._model

    def scores(self, query: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        with self._lock:
            out = self._load().predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(x) for x in out]

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """Hits ordered by the cross-encoder's score (stable for ties); each hit's ``score`` becomes that score."""
        scores = self.scores(query, [h.chunk.text for h in hits])
        order = sorted(range(len(hits)), key=lambda i: -scores[i])
        out = []
        for i in order:
            h = hits[i]
            h.score = scores[i]
            out.append(h)
        return out
