"""Micro-batching of query embeddings: concurrent searches share one forward pass.

The first caller to find no batch in flight leads: it embeds every pending query (up to ``max_batch``, its own
among them) in one call, after an optional short wait for company, and hands each caller its vector. Queries that
arrive meanwhile wait for the next batch, led by the oldest of them: so a lone query pays nothing, under load N
passes become a few, and no caller waits for more than the batch in flight and its own.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import numpy as np

_callers: dict[int, int] = {}      # id(embedder) → callers inside QueryBatcher.embed now
_callers_lock = threading.Lock()


def queries_waiting(embedder) -> int:
    """How many search queries are waiting for (or being embedded by) ``embedder`` right now: background work
    on the same embedder lets them go first (see index/embedding.py)."""
    return _callers.get(id(embedder), 0)


@contextmanager
def queries_waiting_guard(embedder):
    """Count the caller among the queries waiting for ``embedder`` while it embeds something the search needs now
    (the sentences an answer weighs), so background work gives way as it does for queries."""
    _count(embedder, 1)
    try:
        yield
    finally:
        _count(embedder, -1)


def _count(embedder, d: int) -> None:
    with _callers_lock:
        n = _callers.get(id(embedder), 0) + d
        if n:
            _callers[id(embedder)] = n
        else:
            _callers.pop(id(embedder), None)


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
        _count(self.embedder, 1)
        try:
            return self._embed(text)
        finally:
            _count(self.embedder, -1)

    def _embed(self, text: str) -> np.ndarray:
        item = {"text": text, "wake": threading.Event(), "lead": False, "vec": None, "error": None}
        with self._lock:
            self._pending.append(item)
            item["lead"] = not self._busy
            self._busy = True
        if not item["lead"]:
            item["wake"].wait()          # woken with its vector, or to lead the next batch
        if item["lead"]:
            self._lead()
        if item["error"] is not None:
            raise item["error"]
        return item["vec"]

    def _lead(self) -> None:
        """Embed one batch (the leader's own query is the oldest pending), then hand the lead to the next caller."""
        if self.window_s:
            time.sleep(self.window_s)
        with self._lock:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
        try:
            vecs = self._embed_many([b["text"] for b in batch])
            self.batches += 1
            for b, v in zip(batch, vecs):
                b["vec"] = v
        except BaseException as e:  # every caller of the batch gets the error, not a hang
            for b in batch:
                b["error"] = e
        finally:
            with self._lock:
                if self._pending:
                    nxt = self._pending[0]
                    nxt["lead"] = True
                    nxt["wake"].set()
                else:
                    self._busy = False
            for b in batch:
                b["lead"] = False
                b["wake"].set()
