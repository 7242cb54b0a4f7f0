"""Micro-batching of query embeddings: concurrent searches share one forward pass.

The first caller to find no batch in flight leads: it embeds every pending query in one call (after an optional
short wait for company), hands each caller its vector, and repeats while queries keep arriving. Queries that arrive
while a pass runs form the next batch, so a lone query pays nothing and under load N passes become a few.
"""
from __future__ import annotations

import threading
import time

import numpy as np


class QueryBatcher:
    def __init__(self, embedder, window_s: float = 0.0, max_batch: int = 32):
        self.embedder = embedder
        self.window_s = window_s
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[dict] = []
        self._busy = False
        self.batches = 0            # forward passes made (for tests and benchmarks)

    def _embed_many(self, texts: list[str]) -> np.ndarray:
        many = getattr(self.embedder, "embed_queries", None)
        if many is not None:
            return np.asarray(many(texts), np.float32)
        return np.vstack([self.embedder.embed_query(t) for t in texts])

    def embed(self, text: str) -> np.ndarray:
        item = {"text": text, "done": threading.Event(), "vec": None, "error": None}
        with self._lock:
            self._pending.append(item)
            lead = not self._busy
            self._busy = True
        if lead:
            if self.window_s:
                time.sleep(self.window_s)
            while True:
                with self._lock:
                    batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
                    if not batch:
                        self._busy = False
                        break
                try:
                    vecs = self._embed_many([b["text"] for b in batch])
                    self.batches += 1
                    for b, v in zip(batch, vecs):
                        b["vec"] = v
                except BaseException as e:  # every waiting caller gets the error, not a hang
                    for b in batch:
                        b["error"] = e
                finally:
                    for b in batch:
                        b["done"].set()
        item["done"].wait()
        if item["error"] is not None:
            raise item["error"]
        return item["vec"]
