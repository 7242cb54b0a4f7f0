"""Writing a version so that concurrent writers (threads or processes) never lose each other's work.

The slow part — chunking and tokenising documents — runs first, outside the version's transaction: chunk rows
and their postings are content-addressed, so they are written ahead in short transactions of their own and are
harmless until a version names them (a process killed here leaves rows that the next prune removes). Then one
short ``BEGIN IMMEDIATE`` transaction reads the newest version and writes the new one on top of it: a document
another writer added meanwhile is kept, and rows a concurrent prune removed are written again.
"""
from __future__ import annotations

import json
import sqlite3
import time
from typing import Iterator

from jianghua.index.embedding import passage_text
from jianghua.index.store import Store
from jianghua.index.tokenize import Tokenizer
from jianghua.ingest.chunking import ChunkerSettings, chunk_document
from jianghua.errors import DocumentLoadError
from jianghua.records import Chunk, Document, content_hash

ROWS_PER_TRANSACTION = 256
FILE_BUDGET_S = 900.0         # chunking and tokenising one document (30 MB of text without punctuation: ~10 min)


def chunk_key(ch: Chunk, tok: Tokenizer) -> str:
    """A chunk row's key: the chunk id and the tokenizer its postings were made with."""
    return content_hash(ch.id + ":" + tok.signature)


def timed_chunks(doc: Document, chunker: ChunkerSettings, budget_s: float = FILE_BUDGET_S) -> Iterator[Chunk]:
    """``doc``'s chunks; ``DocumentLoadError`` when the work done between them (tokenising) runs past ``budget_s``
    seconds from the first."""
    deadline = time.monotonic() + budget_s
    for ch in chunk_document(doc, chunker):
        if time.monotonic() > deadline:
            raise DocumentLoadError(f"{doc.source}: 切分和分词超过 {budget_s:.0f} 秒仍未完成（文本过长）；"
                                    "请拆分成较小的文件后再导入")
        yield ch


def write_chunk_rows(store: Store, doc: Document, chunker: ChunkerSettings, tok: Tokenizer,
                     budget_s: float = FILE_BUDGET_S) -> list[str]:
    """Chunk and tokenise ``doc``; write the chunk rows not stored yet, a few hundred per short transaction.
    Returns the document's chunk keys in order; ``DocumentLoadError`` past ``budget_s`` seconds."""
    keys: list[str] = []
    batch: list[tuple[str, Chunk]] = []
    for ch in timed_chunks(doc, chunker, budget_s):
        keys.append(chunk_key(ch, tok))
        batch.append((keys[-1], ch))
        if len(batch) >= ROWS_PER_TRANSACTION:
            _write_batch(store, batch, tok)
            batch = []
    if batch:
        _write_batch(store, batch, tok)
    return keys


def _write_batch(store: Store, batch: list[tuple[str, Chunk]], tok: Tokenizer) -> None:
    have = store.stored_keys([k for k, _ in batch])
    rows = [passage_row(k, ch, tok) for k, ch in batch if k not in have]       # tokenising: before the transaction
    if rows:
        with store.transaction() as c:
            Store.insert_chunk_rows(c, rows)


def passage_row(key: str, ch: Chunk, tok: Tokenizer) -> tuple:
    """A chunk row as it is inserted: (key, chunk, section JSON, hash of the passage text, its tokens)."""
    section = json.dumps(list(ch.section), ensure_ascii=False)
    ptext = passage_text(section, ch.text)
    return key, ch, section, content_hash(ptext), tok.tokens(ptext)


def write_prepared_rows(store: Store, rows: list[tuple]) -> None:
    """Insert ``passage_row`` tuples made elsewhere (``index.parallel``) that are not stored yet, a few hundred
    per short transaction."""
    for i in range(0, len(rows), ROWS_PER_TRANSACTION):
        part = rows[i:i + ROWS_PER_TRANSACTION]
        have = store.stored_keys([r[0] for r in part])
        new = [r for r in part if r[0] not in have]
        if new:
            with store.transaction() as c:
                Store.insert_chunk_rows(c, new)


def rows_of(c: sqlite3.Connection, doc_id: str, keys: list[str] | None) -> list[int] | None:
    """The chunk rows of ``keys`` (one document's), or None when any is missing (never written, or pruned)."""
    if keys is None:
        return None
    have = Store.chunk_rows_of(c, doc_id)
    try:
        return [have[k] for k in keys]
    except KeyError:
        return None


def write_version(c: sqlite3.Connection, base: int | None, doc_ids: set[str], fresh: dict[str, Document],
                  keys: dict[str, list[str]], vsettings: dict, note: str, chunker: ChunkerSettings,
                  tok: Tokenizer, created: str) -> int:
    """Inside the caller's write transaction: the version after ``base`` holding ``doc_ids``. ``keys`` are the
    chunk keys prepared outside the transaction; a document without them is chunked here (rare: another writer
    added it under other settings, or a prune removed its rows meanwhile)."""
    base_settings = None
    if base is not None:
        base_settings = Store.settings_in(c, base)
    reuse = {d for d in doc_ids if d not in fresh} if base_settings == vsettings else set()
    Store.insert_documents(c, fresh.values(), created)
    version = Store.next_version(c)
    Store.insert_version(c, version, base, created, note, vsettings)
    Store.insert_version_docs(c, version, doc_ids)
    if reuse:
        Store.copy_version_chunks(c, version, base)
    for doc_id in sorted(doc_ids - reuse):
        rows = rows_of(c, doc_id, keys.get(doc_id))
        if rows is None:
            doc = fresh.get(doc_id) or Store.load_document(c, doc_id)
            chunks = chunk_document(doc, chunker)
            Store.insert_chunk_rows(c, (passage_row(chunk_key(ch, tok), ch, tok) for ch in chunks))
            rows = rows_of(c, doc_id, [chunk_key(ch, tok) for ch in chunks])
        Store.insert_version_chunks(c, version, rows)
    return version
