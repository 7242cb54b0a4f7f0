"""One file (or one pasted text) in, one cleaned ``Document`` out: load, clean, read metadata."""
from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import Path

from jianghua.ingest.cleaning import clean
from jianghua.ingest.loaders import MAX_BYTES, load
from jianghua.ingest.metadata import extract_metadata, extract_type
from jianghua.ingest.pages import document_meta
from jianghua.errors import DocumentLoadError, InputError
from jianghua.records import Document, content_hash


def load_document(path: Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read, clean and describe one file; raises ``UnsupportedFileError`` or ``DocumentLoadError``."""
    path = Path(path)
    loaded = load(path, max_bytes)
    cleaned = clean(loaded.text)
    if not cleaned.text:
        raise DocumentLoadError(f"{path.name}: nothing is left after removing blank lines and boilerplate")
    meta = extract_metadata(cleaned.text, path.name, loaded.title_hint)
    return Document(id=content_hash(cleaned.text), source=str(path), text=cleaned.text, **meta,
                    meta={"offsets": cleaned.offsets, "suffix": path.suffix.lower(), "bytes": path.stat().st_size,
                          "type": extract_type(cleaned.text, meta["title"]),
                          **document_meta(loaded.meta, cleaned.offsets, len(cleaned.text))})


def document_from_text(text: str, source: str, title: str | None = None) -> Document:
    """A ``Document`` from text given directly (API); ``title``, when given, wins over the one found in the text."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the text is empty")
    cleaned = clean(text)
    if not cleaned.text:
        raise InputError("the text has nothing left after removing blank lines and boilerplate")
    meta = extract_metadata(cleaned.text, source)
    if title and title.strip():
        meta["title"] = title.strip()
    return Document(id=content_hash(cleaned.text), source=source, text=cleaned.text, **meta,
                    meta={"offsets": cleaned.offsets, "suffix": None, "bytes": len(text.encode("utf-8")),
                          "type": extract_type(cleaned.text, meta["title"])})


@functools.lru_cache(maxsize=1)
def loader_signature() -> str:
    """A hash of the code that turns a file into a ``Document`` (this package and the record types): a file
    loaded by other code than this must be loaded again, as cleaning or metadata may have changed."""
    ingest, ground = resources.files("jianghua.ingest"), resources.files("jianghua")
    sources = sorted((f for f in ingest.iterdir() if f.name.endswith(".py")), key=lambda f: f.name)
    h = hashlib.sha256()
    for f in sources + [ground.joinpath("records.py")]:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]

