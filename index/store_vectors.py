"""The vector statements of the store (``Store`` composes ``VectorRows``): the vectors table (text hash → vector,
ids only grow), what is still to embed, and the vectors search and the backends read.

Methods that take a connection ``c`` run inside the caller's write transaction.
"""
from __future__ import annotations

import sqlite3
from typing import Callable, Iterator


class VectorRows:
    """Vector rows and their joins with chunk rows; ``conn()`` is the store's."""

    conn: Callable[[], sqlite3.Connection]

    # -- the table ----------------------------------------------------------------------------------------------
    @staticmethod
    def insert_vectors(c: sqlite3.Connection, pairs: list[tuple[str, bytes]]) -> None:
        """Store (text hash, vector bytes) pairs; a hash that has a vector already keeps it."""
        c.executemany("INSERT OR IGNORE INTO vectors(text_hash, vec) VALUES(?, ?)", pairs)

    def max_vector_id(self) -> int:
        return self.conn().execute("SELECT coalesce(max(id), 0) FROM vectors").fetchone()[0]

    def vector_stats(self) -> tuple[int, int, int]:
        """(count, largest id, sum of ids) of the vectors table (0 for an empty one)."""
        n, mx, sm = self.conn().execute(
            "SELECT count(*), coalesce(max(id),0), coalesce(sum(id),0) FROM vectors").fetchone()
        return n, mx, sm

    def vector_count_after(self, after: int) -> int:
        """How many vectors have ids above ``after``."""
        return self.conn().execute("SELECT count(*) FROM vectors WHERE id > ?", (after,)).fetchone()[0]

    def vector_batches(self, after: int, upto: int, size: int = 4096) -> Iterator[list[tuple[int, bytes]]]:
        """(id, vector bytes) of the vectors with ids in (``after``, ``upto``], in id order, ``size`` at a time."""
        cur = self.conn().execute("SELECT id, vec FROM vectors WHERE id > ? AND id <= ? ORDER BY id", (after, upto))
        while True:
            rows = cur.fetchmany(size)
            if not rows:
                return
            yield rows

    def vectors_after(self, after: int, n: int) -> list[tuple[int, str]]:
        """(vector id, text hash) of up to ``n`` vectors with ids above ``after``, in id order."""
        return self.conn().execute("SELECT id, text_hash FROM vectors WHERE id > ? ORDER BY id LIMIT ?",
                                   (after, n)).fetchall()

    def unembedded_chunks(self) -> list[tuple[str, str, str]]:
        """(text hash, section JSON, text) of one chunk row for each chunk text that has no vector yet."""
        return self.conn().execute(
            "SELECT text_hash, section, text FROM chunks WHERE rowid IN (SELECT min(c.rowid) FROM chunks c "
            "LEFT JOIN vectors v ON v.text_hash = c.text_hash WHERE v.id IS NULL GROUP BY c.text_hash)").fetchall()

    # -- vectors of chunk rows --------------------------------------------------------------------------------------
    def vector_pairs_after(self, version: int, after: int, upto: int) -> list[tuple[int, int]]:
        """(vector id, chunk row) of ``version``'s rows whose vector ids are in (``after``, ``upto``], in id order."""
        return self.conn().execute(
            "SELECT v.id, c.rowid FROM vectors v JOIN chunks c ON c.text_hash = v.text_hash "
            "JOIN version_chunks k ON k.version = ? AND k.chunk = c.rowid WHERE v.id > ? AND v.id <= ? "
            "ORDER BY v.id", (version, after, upto)).fetchall()

    def row_vectors(self, rows: list) -> dict[int, bytes]:
        """row → vector bytes of those chunk rows ``rows`` that have a vector."""
        return {r: v for r, v in self.conn().execute(
            "SELECT c.rowid, v.vec FROM chunks c JOIN vectors v ON v.text_hash = c.text_hash WHERE c.rowid IN (%s)"
            % ",".join("?" * len(rows)), rows)}

    def embedded_in(self, version: int | None) -> int:
        """How many of the version's chunk rows have a vector."""
        return self.conn().execute("SELECT count(*) FROM version_chunks k JOIN chunks ch ON ch.rowid=k.chunk JOIN "
                                   "vectors v ON v.text_hash=ch.text_hash WHERE k.version=?", (version,)).fetchone()[0]

    # -- what the Milvus backend reads (index/milvus_store.py) ---------------------------------------------------
    def passages(self, rows: list[int]) -> dict[int, tuple]:
        """row → (doc_id, section JSON, text, text hash, vector bytes or None), a few hundred rows per query."""
        out: dict[int, tuple] = {}
        for i in range(0, len(rows), 500):
            part = rows[i:i + 500]
            q = ("SELECT c.rowid, c.doc_id, c.section, c.text, c.text_hash, v.vec FROM chunks c LEFT JOIN vectors v "
                 "ON v.text_hash = c.text_hash WHERE c.rowid IN (%s)" % ",".join("?" * len(part)))
            out.update({r[0]: r[1:] for r in self.conn().execute(q, part)})
        return out

    def rows_with_vectors(self, rows: list[int]) -> set[int]:
        return {r for r, (_, _, _, _, vec) in self.passages(rows).items() if vec is not None}
