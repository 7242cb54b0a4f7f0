"""Keeping the in-memory FAISS index in step with the vectors table, and embedding what is missing.

The vectors table (text hash → vector) is the truth; the FAISS file is a cache of it, rebuilt when its ids do not
match the table (a process killed between the two writes). Texts are embedded once per distinct text, shortest
first so batches carry little padding, in batches committed one by one: a killed run resumes where it stopped.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from jianghua.index.batching import queries_waiting
from jianghua.index.embedders import Embedder
from jianghua.index.store import Store
from jianghua.index.vectors import FaissVectorIndex, grown

log = logging.getLogger(__name__)


class VectorMirror:
    """The FAISS index of every stored vector, synced from SQLite on demand (other processes may write)."""

    def __init__(self, store: Store, path: Path, dim: int):
        self.store, self.path, self.dim = store, Path(path), dim
        self.index: FaissVectorIndex | None = None
        self.max_id = 0
        self.count = 0
        self._lock = threading.Lock()

    def load(self) -> FaissVectorIndex:
        with self._lock:
            if self.index is None:
                n, mx, sm = self.store.vector_stats()
                idx = None
                if self.path.exists():
                    try:
                        idx = FaissVectorIndex.load(self.path, self.dim)
                        ids = idx.ids()
                        if len(ids) != n or (n and (int(ids.max()) != mx or int(ids.sum()) != sm)):
                            log.warning("vector index file out of step with the store: rebuilding it")
                            idx = None
                    except (RuntimeError, ValueError) as e:
                        log.warning("vector index file unreadable (%s): rebuilding it", e)
                        idx = None
                if idx is None:
                    idx = self._rebuild()
                    idx.save(self.path)
                elif (bigger := grown(idx)) is not idx:     # a flat file from before it grew past HNSW_MIN
                    idx = bigger
                    idx.save(self.path)
                self.index, self.max_id, self.count = idx, mx, n
            return self.index

    def _rebuild(self, after: int = 0) -> FaissVectorIndex:
        idx = FaissVectorIndex(self.dim)
        self._add_from(idx, after)
        return grown(idx)

    def _add_from(self, idx: FaissVectorIndex, after: int, upto: int | None = None) -> int:
        added = 0
        for rows in self.store.vector_batches(after, 2**63 - 1 if upto is None else upto, 4096):
            ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
            vecs = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), self.dim)
            idx.add(ids, vecs)
            added += len(rows)
        return added

    def refresh(self, full: bool = False) -> bool:
        """Pick up vectors written since the last look (by this or another process). True if anything changed.

        The quick check reads only the largest id (ids only grow); ``full`` also notices deletions (prune). A
        deleted vector left in a reader's index is harmless: no version's allowed ids name it."""
        self.load()
        if not full:      # only the vectors added since: the cost does not grow with the vectors already held
            mx = self.store.max_vector_id()
            if mx <= self.max_id:
                return False
            with self._lock:
                if mx > self.max_id:          # another thread may have added them meanwhile
                    # the index as it is now: another thread may have replaced it (grown to HNSW) meanwhile
                    self.count += self._add_from(self.index, self.max_id, mx)
                    self.max_id = mx
                    self.index = grown(self.index)        # past HNSW_MIN: searches move to an HNSW copy
            return True
        n, mx, _ = self.store.vector_stats()
        if n == self.count and mx == self.max_id:
            return False
        with self._lock:
            if n >= self.count and mx > self.max_id and n - self.count == self.store.vector_count_after(self.max_id):
                self._add_from(self.index, self.max_id)
                self.index = grown(self.index)
            else:  # rows were deleted (prune): start again from the table
                self.index = self._rebuild()
            self.max_id, self.count = mx, n
        return True

    def save(self) -> None:
        with self._lock:
            if self.index is not None:
                self.index.save(self.path)

    def versions_changed(self) -> None:
        """Nothing to do: the FAISS file holds vectors by text, and a version's view selects its own."""


def pending_texts(store: Store) -> list[tuple[str, str]]:
    """(text hash, passage text) of every chunk text that has no vector yet, shortest first."""
    rows = store.unembedded_chunks()
    out = [(h, passage_text(section, text)) for h, section, text in rows]
    out.sort(key=lambda x: len(x[1]))
    return out


def passage_text(section_json: str, text: str) -> str:
    """What the dense embedder sees for a chunk: its section headings, then its text."""
    import json
    heads = json.loads(section_json)
    return (" ".join(heads) + "\n" + text) if heads else text


SLICE_S = 0.25          # target seconds of one embedding slice: the longest a search waits for the embedder
PAUSE_S = 0.003         # after each slice, so that a search waiting for the embedder gets it first


def embed_pending(store: Store, embedder: Embedder, mirror: VectorMirror, batch: int = 32,
                  progress: bool = True, on_batch: Callable[[int, int], None] | None = None,
                  stop: threading.Event | None = None, slice_s: float = SLICE_S) -> int:
    """Embed every chunk text that lacks a vector, in slices of about ``slice_s`` seconds (at most ``batch``
    texts; sized from the time per character of the slice before), each committed on its own. Returns how many
    were embedded. Between slices the embedder is free for a moment: a search never waits for more than one."""
    todo = pending_texts(store)
    if not todo:
        return 0
    mirror.load()           # before the first batch commits, so the file on disk is still in step with the table
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc="向量化", unit="段")
    done = 0
    last_save = time.monotonic()
    per_char = None          # seconds per character, measured
    i = 0
    while i < len(todo):
        if stop is not None and stop.is_set():
            break
        _let_queries_first(embedder)
        part = todo[i:i + _slice_size(todo, i, batch, per_char, slice_s)]
        n = len(part)
        t0 = time.perf_counter()
        vecs = embedder.embed_passages([t for _, t in part]).astype(np.float32)
        spent = time.perf_counter() - t0
        per_char = spent / max(1, sum(len(t) for _, t in part))
        with store.transaction() as c:
            store.insert_vectors(c, [(h, v.tobytes()) for (h, _), v in zip(part, vecs)])
        mirror.refresh()
        i += n
        done += n
        if bar is not None:
            bar.update(n)
        if on_batch is not None:
            on_batch(done, len(todo))
        if time.monotonic() - last_save > 30:
            mirror.save()
            last_save = time.monotonic()
        time.sleep(PAUSE_S)
    mirror.save()
    if bar is not None:
        bar.close()
    return done


def _let_queries_first(embedder: Embedder, most_s: float = 1.0) -> None:
    """Wait (at most ``most_s``) while search queries wait for the same embedder: a search waits for at most the
    one slice already running, and under steady load embedding still moves on."""
    deadline = time.monotonic() + most_s
    while queries_waiting(embedder) and time.monotonic() < deadline:
        time.sleep(0.005)


def _slice_size(todo: list[tuple[str, str]], i: int, batch: int, per_char: float | None, slice_s: float) -> int:
    """How many texts from ``i`` fit in one slice: the first slice takes 4 (to measure), later ones what the
    measured speed says fits in ``slice_s`` (at least 1, at most ``batch``)."""
    if per_char is None:
        return min(4, batch)
    budget = slice_s / max(per_char, 1e-9)
    n, chars = 0, 0
    while i + n < len(todo) and n < batch:
        chars += len(todo[i + n][1])
        if n and chars > budget:
            break
        n += 1
    return max(1, n)
