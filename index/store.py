"""The chunk store: one SQLite database (WAL, transactional) holding documents, chunks, keyword postings,
vectors and versions. Everything content-addressed is stored once and shared by every version that uses it.

A version is a set of documents and a set of chunk rows. A chunk row is keyed by its chunk id (doc, offsets,
text) and the tokenizer signature its postings were made with, so versions built with other chunker or lexicon
settings keep their own rows while unchanged ones are shared.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
  id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, date TEXT, speaker TEXT, occasion TEXT,
  text TEXT NOT NULL, meta TEXT NOT NULL, added TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks(
  rowid INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, id TEXT NOT NULL, doc_id TEXT NOT NULL,
  start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
  text_hash TEXT NOT NULL, ntokens INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(text_hash);
CREATE TABLE IF NOT EXISTS postings(term TEXT NOT NULL, chunk INTEGER NOT NULL, tf INTEGER NOT NULL,
  PRIMARY KEY(term, chunk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vectors(id INTEGER PRIMARY KEY AUTOINCREMENT, text_hash TEXT UNIQUE NOT NULL,
  vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS versions(version INTEGER PRIMARY KEY, parent INTEGER, created TEXT NOT NULL,
  note TEXT NOT NULL, settings TEXT NOT NULL, eval TEXT);
CREATE TABLE IF NOT EXISTS version_docs(version INTEGER NOT NULL, doc_id TEXT NOT NULL,
  PRIMARY KEY(version, doc_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS version_chunks(version INTEGER NOT NULL, chunk INTEGER NOT NULL,
  PRIMARY KEY(version, chunk)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """Thin access to the database. One connection per thread; writes go through ``transaction()``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=OFF")
            self._local.conn = c
        return c

    def create(self) -> None:
        with self.transaction() as c:
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    c.execute(stmt)

    @contextmanager
    def transaction(self):
        c = self.conn()
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    # -- small helpers -------------------------------------------------------------------------------------
    def get_meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.conn().execute("SELECT key, value FROM meta")}

    def get_state(self, key: str, default=None):
        row = self.conn().execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    @staticmethod
    def set_state(c: sqlite3.Connection, key: str, value) -> None:
        c.execute("INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)", (key, json.dumps(value)))

    def versions(self) -> list[dict]:
        rows = self.conn().execute(
            "SELECT v.version, v.parent, v.created, v.note, v.settings, v.eval, "
            "(SELECT count(*) FROM version_docs d WHERE d.version=v.version), "
            "(SELECT count(*) FROM version_chunks k WHERE k.version=v.version) FROM versions v ORDER BY v.version")
        return [{"version": r[0], "parent": r[1], "created": r[2], "note": r[3], "settings": json.loads(r[4]),
                 "eval": json.loads(r[5]) if r[5] else None, "documents": r[6], "chunks": r[7]} for r in rows]
