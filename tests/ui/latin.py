"""Finds English words in text the user reads. Code-like tokens (with digits, ``_``, ``@``, ``.`` or ``/``: metric
keys, versions, ids, file names, variables) and the names below are not words."""
from __future__ import annotations

import re

from jianghua.ingest.loaders import SUPPORTED_SUFFIXES

NAMES = {
    # formats and protocols
    "api", "id", "http", "https", "json", "pdf", "word", "utf", "gbk", "ocr", "url", "sse", "cli", "txt", "md",
    "docx", "html", "htm", "markdown", "png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "webp", "multipart", "bearer", "authorization", "openapi", "ndcg", "mrr", "force",
    # product, commands and settings a user types
    "jianghua", "ingest", "promote", "rollback", "index", "eval", "serve", "docs", "redoc", "hybrid", "keyword",
    "dense", "role", "user", "seed", "test", "dev", "genre", "cmrc", "cross", "indomain", "negatives", "followups",
    "swagger", "gradio", "chromium", "gb", "mb", "kb",
    # metric keys shown beside their Chinese names (as in the CLI and API output)
    "faithfulness",
    # request fields named in a message
    "question", "query", "topic", "history", "stream", "occasion", "length", "version", "against", "set", "files",
    "content", "messages", "model", "mode", "year", "type", "speaker", "body",
}
NAMES |= {s.lstrip(".").lower() for s in SUPPORTED_SUFFIXES}       # every format the loaders read
_TOKEN = re.compile(r"[A-Za-z0-9_@./:\\-]+")


def english_words(text: str) -> list[str]:
    """The English words of ``text`` (three letters or more, only letters, not a name above)."""
    out = []
    for tok in _TOKEN.findall(text):
        if not tok.isalpha() or not tok.isascii() or len(tok) < 3:
            continue
        if tok.lower() in NAMES or (tok.isupper() and len(tok) <= 5):    # acronyms: GB, PDF, CJK …
            continue
        out.append(tok)
    return out
