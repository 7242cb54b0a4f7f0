"""The chunk store: one SQLite database (WAL, transactional) holding documents, chunks, keyword postings,
vectors and versions. Everything content-addressed is stored once and shared by every version that uses it.

A version is a set of documents and a set of chunk rows. A chunk row is keyed by its chunk id (doc, offsets,
text) and the tokenizer signature its postings were made with, so versions built with other chunker or lexicon
settings keep their own rows while unchanged ones are shared.

Every SQL statement of the index lives in the storage modules: this one (connection, transactions, schema, meta and
state, versions, documents), ``index.store_chunks`` (chunk rows, postings, rows of a version) and
``index.store_vectors`` (vectors), whose classes ``Store`` composes. Other modules call ``Store`` methods; those
that take a connection ``c`` run inside the caller's write transaction.
"""
from __future__ import annotations

import json
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

from jianghua.errors import BusyError
from jianghua.index.store_chunks import ChunkRows
from jianghua.index.store_files import FileMarks
from jianghua.index.store_vectors import VectorRows
from jianghua.records import Document

LOCK_WAIT_S = 600.0         # how long a writer waits for another process's write transaction before giving up
_FIRST_TRY_MS = 2000        # after this the waiting writer says why it waits
REAP_EVERY_S = 5.0          # how often connections of ended threads are looked for

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


def tell_waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Store(ChunkRows, VectorRows, FileMarks):
    """Thin access to the database. One connection per thread; writes go through ``transaction()``.

    A write transaction starts with ``BEGIN IMMEDIATE``: it holds the database's one write lock from its first
    statement, so what it reads inside is the newest committed state and no other writer (thread or process) can
    commit in between. A writer that finds the lock taken waits (saying so once through ``on_wait``) and raises
    ``BusyError`` after ``lock_wait_s``."""

    def __init__(self, path: Path, lock_wait_s: float = LOCK_WAIT_S,
                 on_wait: Callable[[str], None] | None = tell_waiting):
        self.path = Path(path)
        self.lock_wait_s = lock_wait_s
        self.on_wait = on_wait
        self._local = threading.local()
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._opened_lock = threading.Lock()
        self._next_reap = 0.0

    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None or time.monotonic() > self._next_reap:
            self._reap()
        if c is None:
            c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=OFF")
            self._local.conn = c
            with self._opened_lock:
                self._opened.append((threading.current_thread(), c))
        return c

    def _reap(self) -> None:
        """Close the connections of threads that have ended (a server's worker threads come and go; a connection
        kept alive by a lingering traceback would otherwise hold its files open until a garbage collection)."""
        self._next_reap = time.monotonic() + REAP_EVERY_S
        with self._opened_lock:
            ended = [(t, c) for t, c in self._opened if not t.is_alive()]
            self._opened = [(t, c) for t, c in self._opened if t.is_alive()]
        for _, c in ended:
            try:
                c.close()
            except sqlite3.Error:
                pass

    def open_connections(self) -> int:
        with self._opened_lock:
            return len(self._opened)

    def create(self) -> None:
        with self.transaction() as c:
            for stmt in SCHEMA.strip().split(";"):
                if stmt.strip():
                    c.execute(stmt)

    @contextmanager
    def transaction(self):
        c = self.conn()
        self._begin(c)
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    def _begin(self, c: sqlite3.Connection) -> None:
        deadline = time.monotonic() + self.lock_wait_s
        told = False
        c.execute(f"PRAGMA busy_timeout={_FIRST_TRY_MS}")
        try:
            while True:
                try:
                    c.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) and "busy" not in str(e):
                        raise
                    if time.monotonic() >= deadline:
                        raise BusyError(f"知识库 {self.path.parent} 正被另一个进程写入，等了 {self.lock_wait_s:.0f} 秒仍未"
                                        "结束：请等它完成后重试") from e
                    if not told and self.on_wait is not None:
                        self.on_wait(f"another process is writing to {self.path.parent}: waiting for it to finish "
                                     f"(at most {self.lock_wait_s:.0f} s) …")
                        told = True
        finally:
            c.execute("PRAGMA busy_timeout=30000")

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None
            with self._opened_lock:
                self._opened = [(t, o) for t, o in self._opened if o is not c]
        self._reap()

    # -- meta and state -------------------------------------------------------------------------------------
    def get_meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.conn().execute("SELECT key, value FROM meta")}

    def get_state(self, key: str, default=None):
        row = self.conn().execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    @staticmethod
    def set_state(c: sqlite3.Connection, key: str, value) -> None:
        c.execute("INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)", (key, json.dumps(value)))

    @staticmethod
    def insert_meta(c: sqlite3.Connection, values: dict) -> None:
        """Write a new store's meta rows (each value as JSON)."""
        for k, v in values.items():
            c.execute("INSERT INTO meta(key, value) VALUES(?, ?)", (k, json.dumps(v)))

    def single_file(self) -> None:
        """Leave WAL mode: the database is one self-contained file (a new store, before it is linked into place)."""
        self.conn().execute("PRAGMA journal_mode=DELETE")

    # -- versions --------------------------------------------------------------------------------------------
    def versions(self) -> list[dict]:
        rows = self.conn().execute(
            "SELECT v.version, v.parent, v.created, v.note, v.settings, v.eval, "
            "(SELECT count(*) FROM version_docs d WHERE d.version=v.version), "
            "(SELECT count(*) FROM version_chunks k WHERE k.version=v.version) FROM versions v ORDER BY v.version")
        return [{"version": r[0], "parent": r[1], "created": r[2], "note": r[3], "settings": json.loads(r[4]),
                 "eval": json.loads(r[5]) if r[5] else None, "documents": r[6], "chunks": r[7]} for r in rows]

    @staticmethod
    def record_eval(c: sqlite3.Connection, version: int, record: dict) -> None:
        """Keep ``record`` (a promotion: when, forced, the gate's report) with ``version``."""
        c.execute("UPDATE versions SET eval=? WHERE version=?", (json.dumps(record, ensure_ascii=False), version))

    @staticmethod
    def drop_versions(c: sqlite3.Connection, drop: list[int]) -> tuple[int, int, int]:
        """Delete the versions ``drop`` and every chunk, posting, document and vector no other version uses;
        (chunks, documents, vectors) deleted."""
        for v in drop:
            for table in ("version_docs", "version_chunks", "versions"):
                c.execute(f"DELETE FROM {table} WHERE version=?", (v,))
        orphan = "SELECT rowid FROM chunks WHERE rowid NOT IN (SELECT chunk FROM version_chunks)"
        c.execute(f"DELETE FROM postings WHERE chunk IN ({orphan})")
        n_chunks = c.execute(f"DELETE FROM chunks WHERE rowid IN ({orphan})").rowcount
        n_docs = c.execute("DELETE FROM documents WHERE id NOT IN (SELECT doc_id FROM version_docs)").rowcount
        n_vec = c.execute("DELETE FROM vectors WHERE text_hash NOT IN (SELECT text_hash FROM chunks)").rowcount
        return n_chunks, n_docs, n_vec

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (after a prune: the file shrinks)."""
        self.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def versions_holding(self, doc_id: str) -> list[int]:
        return [r[0] for r in self.conn().execute("SELECT version FROM version_docs WHERE doc_id=? ORDER BY version",
                                                  (doc_id,))]

    def version_numbers(self) -> list[int]:
        return [r[0] for r in self.conn().execute("SELECT version FROM versions ORDER BY version")]

    def head_version(self) -> int | None:
        """The newest version (None in an empty store)."""
        return self.conn().execute("SELECT max(version) FROM versions").fetchone()[0]

    def has_version(self, version: int) -> bool:
        return self.conn().execute("SELECT 1 FROM versions WHERE version=?", (version,)).fetchone() is not None

    def version_settings(self, version: int) -> dict:
        """The chunker and tokenizer settings ``version`` was built with."""
        return self.settings_in(self.conn(), version)

    @staticmethod
    def settings_in(c: sqlite3.Connection, version: int) -> dict:
        """``version_settings`` read through ``c`` (inside the caller's transaction)."""
        return json.loads(c.execute("SELECT settings FROM versions WHERE version=?", (version,)).fetchone()[0])

    def version_docs(self, version: int | None) -> set[str]:
        """Ids of the documents ``version`` holds."""
        return {r[0] for r in self.conn().execute("SELECT doc_id FROM version_docs WHERE version=?", (version,))}

    @staticmethod
    def next_version(c: sqlite3.Connection) -> int:
        """The number a new version gets: one above the newest (1 in an empty store)."""
        return c.execute("SELECT coalesce(max(version), 0) + 1 FROM versions").fetchone()[0]

    @staticmethod
    def insert_version(c: sqlite3.Connection, version: int, parent: int | None, created: str, note: str,
                       settings: dict) -> None:
        c.execute("INSERT INTO versions(version, parent, created, note, settings) VALUES(?,?,?,?,?)",
                  (version, parent, created, note, json.dumps(settings)))

    @staticmethod
    def insert_version_docs(c: sqlite3.Connection, version: int, doc_ids: Iterable[str]) -> None:
        """Name the documents ``doc_ids`` as held by ``version``."""
        c.executemany("INSERT INTO version_docs(version, doc_id) VALUES(?, ?)", [(version, d) for d in doc_ids])

    # -- documents -------------------------------------------------------------------------------------------
    @staticmethod
    def insert_documents(c: sqlite3.Connection, docs: Iterable[Document], added: str) -> None:
        """Store ``docs`` (a document stored already is left as it is), each marked as added at ``added``."""
        for d in docs:
            c.execute("INSERT OR IGNORE INTO documents(id, title, source, date, speaker, occasion, text, meta, added)"
                      " VALUES(?,?,?,?,?,?,?,?,?)", (d.id, d.title, d.source, d.date, d.speaker, d.occasion,
                                                   d.text, json.dumps(d.meta, ensure_ascii=False), added))

    @staticmethod
    def load_document(c: sqlite3.Connection, doc_id: str) -> Document:
        r = c.execute("SELECT id, title, source, text, date, speaker, occasion, meta FROM documents WHERE id=?",
                      (doc_id,)).fetchone()
        return Document(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]))

    def has_document(self, doc_id: str) -> bool:
        """Whether ``doc_id`` is stored (in any version)."""
        return self.conn().execute("SELECT 1 FROM documents WHERE id=?", (doc_id,)).fetchone() is not None

    @staticmethod
    def document_sources(c: sqlite3.Connection, version: int) -> dict[str, str]:
        """source → doc id of the documents ``version`` holds."""
        return dict(c.execute(
            "SELECT source, id FROM documents WHERE id IN (SELECT doc_id FROM version_docs WHERE version=?)",
            (version,)).fetchall())

    def document_rows(self, version: int) -> list[tuple]:
        """(id, title, source, date, speaker, occasion, added, characters, chunk rows) of ``version``'s documents,
        by title."""
        return self.conn().execute(
            "SELECT d.id, d.title, d.source, d.date, d.speaker, d.occasion, d.added, length(d.text), "
            "(SELECT count(*) FROM version_chunks k JOIN chunks c ON c.rowid=k.chunk WHERE k.version=? AND "
            "c.doc_id=d.id) FROM documents d JOIN version_docs vd ON vd.doc_id=d.id WHERE vd.version=? "
            "ORDER BY d.title", (version, version)).fetchall()

    def catalog_documents(self, version: int) -> list[tuple]:
        """(id, title, source, date, speaker, occasion, meta type) of ``version``'s documents, by id."""
        return self.conn().execute(
            "SELECT d.id, d.title, d.source, d.date, d.speaker, d.occasion, json_extract(d.meta, '$.type') "
            "FROM documents d JOIN version_docs v ON v.doc_id = d.id WHERE v.version=? ORDER BY d.id",
            (version,)).fetchall()
