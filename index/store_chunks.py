"""The chunk-row statements of the store (``Store`` composes ``ChunkRows``): chunk rows and their keyword postings,
which rows a version holds, and the passages search reads back.

A chunk row is written once (``INSERT OR IGNORE`` by key) with its postings; a version names its rows in
``version_chunks``. Methods that take a connection ``c`` run inside the caller's write transaction.
"""
from __future__ import annotations

import sqlite3
from typing import Callable, Iterable

from jianghua.index.keyword import postings_rows


class ChunkRows:
    """Chunk rows, postings and version membership of rows; ``conn()`` is the store's."""

    conn: Callable[[], sqlite3.Connection]

    # -- writing (inside the caller's transaction, except stored_keys) --------------------------------------------
    def stored_keys(self, keys: list[str]) -> set[str]:
        """Those of the chunk keys ``keys`` that have a row already."""
        marks = ",".join("?" * len(keys))
        return {r[0] for r in self.conn().execute(f"SELECT key FROM chunks WHERE key IN ({marks})", keys)}

    @staticmethod
    def insert_chunk_rows(c: sqlite3.Connection, rows: Iterable[tuple]) -> None:
        """Insert ``passage_row`` tuples (key, chunk, section JSON, text hash, tokens) not stored yet, each new row
        with its postings."""
        for key, ch, section, text_hash, tokens in rows:
            cur = c.execute('INSERT OR IGNORE INTO chunks(key, id, doc_id, start, "end", section, text, text_hash, '
                            "ntokens) VALUES(?,?,?,?,?,?,?,?,?)", (key, ch.id, ch.doc_id, ch.start, ch.end, section,
                                                                  ch.text, text_hash, max(1, len(tokens))))
            if cur.rowcount == 1:
                c.executemany("INSERT INTO postings(term, chunk, tf) VALUES(?,?,?)",
                              postings_rows(cur.lastrowid, tokens))

    @staticmethod
    def chunk_rows_of(c: sqlite3.Connection, doc_id: str) -> dict[str, int]:
        """Chunk key → row of every stored chunk row of ``doc_id`` (whatever settings made it)."""
        return dict(c.execute("SELECT key, rowid FROM chunks WHERE doc_id=?", (doc_id,)).fetchall())

    @staticmethod
    def copy_version_chunks(c: sqlite3.Connection, version: int, base: int) -> None:
        """Give ``version`` the chunk rows of ``base`` whose documents ``version`` holds."""
        c.execute("INSERT INTO version_chunks(version, chunk) SELECT ?, k.chunk FROM version_chunks k "
                  "JOIN chunks ch ON ch.rowid = k.chunk WHERE k.version=? AND ch.doc_id IN "
                  "(SELECT doc_id FROM version_docs WHERE version=?)", (version, base, version))

    @staticmethod
    def insert_version_chunks(c: sqlite3.Connection, version: int, rows: list[int]) -> None:
        """Give ``version`` the chunk rows ``rows`` (those it has already are left)."""
        c.executemany("INSERT OR IGNORE INTO version_chunks(version, chunk) VALUES(?, ?)",
                      [(version, r) for r in rows])

    # -- reading ---------------------------------------------------------------------------------------------------
    def chunk_count(self, version: int | None) -> int:
        """How many chunk rows ``version`` holds."""
        return self.conn().execute("SELECT count(*) FROM version_chunks WHERE version=?", (version,)).fetchone()[0]

    def version_rows(self, version: int) -> set[int]:
        return {r[0] for r in self.conn().execute("SELECT chunk FROM version_chunks WHERE version=?", (version,))}

    def chunk_lengths(self, version: int) -> list[tuple[int, int]]:
        """(row, token count) of every chunk row of ``version``."""
        return self.conn().execute("SELECT c.rowid, c.ntokens FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk "
                                   "WHERE k.version=?", (version,)).fetchall()

    def chunk_sections(self, version: int) -> list[tuple[int, str]]:
        """(row, section JSON) of every chunk row of ``version``."""
        return self.conn().execute("SELECT c.rowid, c.section FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk "
                                   "WHERE k.version=?", (version,)).fetchall()

    def chunk_docs(self, version: int) -> list[tuple[int, str]]:
        """(row, doc id) of every chunk row of ``version``."""
        return self.conn().execute("SELECT c.rowid, c.doc_id FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk "
                                   "WHERE k.version=?", (version,)).fetchall()

    def version_chunk_texts(self, version: int) -> list[tuple[str, str, str]]:
        """(chunk id, doc id, text) of every chunk of ``version`` (the evaluation's context recall reads them)."""
        return self.conn().execute("SELECT c.id, c.doc_id, c.text FROM version_chunks k JOIN chunks c "
                                   "ON c.rowid = k.chunk WHERE k.version=?", (version,)).fetchall()

    def document_spans(self, doc_id: str) -> list[tuple[int, int, str]]:
        """(start, end, section JSON) of every passage the document was ever cut into, in text order."""
        return self.conn().execute('SELECT DISTINCT start, "end", section FROM chunks WHERE doc_id=? '
                                   'ORDER BY start, "end"', (doc_id,)).fetchall()

    def rows_after(self, version: int, doc_id: str, start: int, n: int) -> list[int]:
        """The first ``n`` rows of ``version`` in ``doc_id`` starting at ``start`` or later, in text order."""
        return [r[0] for r in self.conn().execute(
            "SELECT c.rowid FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk WHERE k.version=? AND "
            "c.doc_id=? AND c.start >= ? ORDER BY c.start LIMIT ?", (version, doc_id, start, n)).fetchall()]

    def rows_before(self, version: int, doc_id: str, end: int, n: int) -> list[int]:
        """The last ``n`` rows of ``version`` in ``doc_id`` ending at ``end`` or earlier, nearest first."""
        return [r[0] for r in self.conn().execute(
            "SELECT c.rowid FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk WHERE k.version=? AND "
            "c.doc_id=? AND c.\"end\" <= ? ORDER BY c.start DESC LIMIT ?", (version, doc_id, end, n)).fetchall()]

    def hit_rows(self, rows: list[int]) -> dict[int, tuple]:
        """row → (row, chunk id, doc id, text, section JSON, start, end, title, source, pages, ocr pages, ocr low)."""
        q = ('SELECT c.rowid, c.id, c.doc_id, c.text, c.section, c.start, c."end", d.title, d.source, '
             "json_extract(d.meta, '$.pages'), json_extract(d.meta, '$.ocr_pages'), json_extract(d.meta, '$.ocr_low') "
             "FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE c.rowid IN (%s)" % ",".join("?" * len(rows)))
        return {r[0]: r for r in self.conn().execute(q, rows)}

    def postings(self, term: str) -> list[tuple[int, int]]:
        """(chunk row, term frequency) of every row holding ``term``, in every version."""
        return self.conn().execute("SELECT chunk, tf FROM postings WHERE term=?", (term,)).fetchall()
