"""The file-mark statements of the store (``Store`` composes ``FileMarks``): what each loaded file was when it was
last loaded — size, modification time, a hash of its bytes, the loader that read it — and the document it gave.

A re-ingest of an unchanged folder reads these instead of parsing every file again (``index.kb``): a file whose
mark matches and whose document the newest version holds is unchanged. Marks are a cache: a missing or stale
mark only means the file is loaded again, and deleting the table loses nothing.
"""
from __future__ import annotations

import sqlite3
from typing import Callable, NamedTuple

SCHEMA = ("CREATE TABLE IF NOT EXISTS file_marks(source TEXT PRIMARY KEY, size INTEGER NOT NULL, "
          "mtime_ns INTEGER NOT NULL, raw_hash TEXT NOT NULL, loader TEXT NOT NULL, doc_id TEXT NOT NULL)")


class FileMark(NamedTuple):
    source: str
    size: int
    mtime_ns: int
    raw_hash: str
    loader: str
    doc_id: str


class FileMarks:
    """File marks; ``conn()`` is the store's."""

    conn: Callable[[], sqlite3.Connection]

    def file_marks(self, sources: list[str]) -> dict[str, FileMark]:
        """The marks of those of ``sources`` that have one (none in a knowledge base written before marks)."""
        c = self.conn()
        if not c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='file_marks'").fetchone():
            return {}
        out: dict[str, FileMark] = {}
        for i in range(0, len(sources), 500):
            part = sources[i:i + 500]
            q = ("SELECT source, size, mtime_ns, raw_hash, loader, doc_id FROM file_marks WHERE source IN (%s)"
                 % ",".join("?" * len(part)))
            out.update((r[0], FileMark(*r)) for r in c.execute(q, part))
        return out

    @staticmethod
    def put_file_marks(c: sqlite3.Connection, marks: list[FileMark]) -> None:
        """Inside the caller's write transaction: record (or replace) ``marks``."""
        if marks:
            c.execute(SCHEMA)
            c.executemany("INSERT OR REPLACE INTO file_marks(source, size, mtime_ns, raw_hash, loader, doc_id) "
                          "VALUES(?,?,?,?,?,?)", marks)
