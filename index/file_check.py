"""Skipping files that have not changed since they were loaded, without parsing them again.

Parsing is the slow part of loading (PDF layout, OCR of scans, .doc conversion, cleaning). A file is unchanged
when its mark (``index/store_files.py``) names the same loader code, a document the newest version holds under
the current settings, and either the same size and modification time or — when only the time differs (a copy,
a new upload of the same file) — the same bytes. A mark is written only for a file whose size and time did not
change while it was loaded, so a mark always describes the bytes that were parsed.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from jianghua.index.store import Store
from jianghua.index.store_files import FileMark
from jianghua.records import Document


def raw_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class FileCheck:
    """One ingest's view of the marks of the files it was given."""

    def __init__(self, store: Store, names: list[str], held: set[str], loader: str):
        """``held``: the documents of the newest version, or nothing when its settings are not the current ones
        (then every file is parsed: the documents are chunked again)."""
        self.store, self.held, self.loader = store, held, loader
        self.marks = store.file_marks(names) if held else {}
        self.before: dict[str, tuple[int, int]] = {}
        self.fresh: list[FileMark] = []

    def unchanged(self, path: Path, name: str) -> bool:
        """True when ``path`` (recorded as ``name``) need not be loaded again."""
        now = _stat(path)
        if now is None:
            return False
        self.before[name] = now
        m = self.marks.get(name)
        if m is None or m.loader != self.loader or m.doc_id not in self.held or m.size != now[0]:
            return False
        if m.mtime_ns == now[1]:
            return True
        try:
            same = raw_hash(path) == m.raw_hash
        except OSError:
            return False
        if same:
            self.fresh.append(m._replace(mtime_ns=now[1]))
        return same

    def loaded(self, path: Path, name: str, doc: Document) -> None:
        """``path`` was parsed into ``doc``: mark it, if it did not change meanwhile."""
        before = self.before.get(name)
        try:
            digest = raw_hash(path)
        except OSError:
            return
        if before is not None and _stat(path) == before:
            self.fresh.append(FileMark(name, before[0], before[1], digest, self.loader, doc.id))

    def save(self, held_now: set[str]) -> None:
        """Record the marks of the files whose documents the newest version now holds."""
        keep = [m for m in self.fresh if m.doc_id in held_now]
        if keep:
            with self.store.transaction() as c:
                self.store.put_file_marks(c, keep)
