"""The knowledge base: a directory holding a manifest, the SQLite store and the FAISS vector file.

    KB/manifest.json   readable mirror of the store's state (embedder, chunker, counts, versions, document hashes)
    KB/store.sqlite    documents, chunks, postings, vectors, versions (the truth; every change one transaction)
    KB/vectors.faiss   vectors of every stored chunk text (a cache of the vectors table, written atomically)

Each ingest or removal that changes the documents writes a new version; the serving version changes only by
promotion (the first version of an empty knowledge base serves at once).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from jianghua.index.embedders import Embedder, make_embedder
from jianghua.index.backends import PassageIndex, make_passage_index
from jianghua.index.embedding import embed_pending
from jianghua.index.file_check import FileCheck
from jianghua.index.store import Store
from jianghua.index.tokenize import Tokenizer, get_tokenizer
from jianghua.index.parallel import chunk_documents, worker_count
from jianghua.index.writing import write_version
from jianghua.ingest.chunking import ChunkerSettings
from jianghua.errors import (DocumentLoadError, DocumentNotFoundError, EmbedderMismatchError, IndexCorruptError,
                             IndexNotFoundError, JianghuaError, UnsupportedFileError, VersionError)
from jianghua.records import Document
from jianghua.settings import Settings

FORMAT = 1
log = logging.getLogger(__name__)


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    version: int | None = None
    serving: int | None = None
    embedded: int = 0

    def as_dict(self) -> dict:
        return {"added": self.added, "unchanged": self.unchanged, "replaced": self.replaced,
                "failed": [{"source": s, "error": e} for s, e in self.failed], "version": self.version,
                "serving": self.serving, "embedded": self.embedded}


class KnowledgeBase:
    """Open with ``KnowledgeBase.open(settings)`` (or ``create=True`` to make one)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.dir = Path(settings.kb)
        self.store = Store(self.dir / "store.sqlite")
        self.embedder = embedder or make_embedder(settings.embedder, settings.threads, settings)
        self._mirror: PassageIndex | None = None
        self._write_lock = threading.Lock()

    # -- opening ------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, create: bool = False, embedder: Embedder | None = None) -> "KnowledgeBase":
        kb = cls(settings, embedder)
        db = kb.dir / "store.sqlite"
        if not db.exists():
            if not create:
                raise IndexNotFoundError(
                    f"no knowledge base at {kb.dir}: run `jianghua ingest PATH --kb {kb.dir}` first")
            kb.dir.mkdir(parents=True, exist_ok=True)
            kb._create()
        kb._check()
        return kb

    def _create(self) -> None:
        fd, name = tempfile.mkstemp(dir=self.dir, prefix="store.sqlite.", suffix=".new")
        os.close(fd)
        tmp = Path(name)
        try:
            st = Store(tmp)
            st.create()
            with st.transaction() as c:
                st.insert_meta(c, {"format": FORMAT, "embedder": self.embedder.name, "engine": self.embedder.engine,
                                   "dim": self.embedder.dim, "created": now()})
            st.single_file()                                     # one self-contained file to link into place
            st.close()
            try:
                os.link(tmp, self.dir / "store.sqlite")   # never replaces a store another process created meanwhile
            except FileExistsError:
                return
            except OSError:                               # a file system without hard links
                if (self.dir / "store.sqlite").exists():
                    return
                os.replace(tmp, self.dir / "store.sqlite")
        finally:
            for p in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
                p.unlink(missing_ok=True)
        self.write_manifest()

    def _check(self) -> None:
        try:
            meta = self.store.get_meta()
        except Exception as e:  # sqlite3.DatabaseError and friends: name the file
            raise IndexCorruptError(f"cannot read {self.store.path}: {e}") from e
        if meta.get("embedder") != self.embedder.name:
            raise EmbedderMismatchError(
                f"the knowledge base at {self.dir} was built with embedder {meta.get('embedder')!r}, but "
                f"{self.embedder.name!r} is configured: set JIANGHUA_EMBEDDER to match, or build a new knowledge "
                "base in another directory")
        if int(meta.get("dim", -1)) != self.embedder.dim:
            raise EmbedderMismatchError(f"embedder dimension {self.embedder.dim} ≠ stored {meta.get('dim')}")

    @property
    def mirror(self) -> PassageIndex:
        """The search-side copy of the store: the FAISS file, or the Milvus collection (index/backends.py)."""
        if self._mirror is None:
            self._mirror = make_passage_index(self)
        return self._mirror

    def tokenizer(self) -> Tokenizer:
        return get_tokenizer(self.settings.lexicon)

    def chunker(self) -> ChunkerSettings:
        return ChunkerSettings(self.settings.chunk_size, self.settings.chunk_overlap)

    def version_settings(self) -> dict:
        return {**self.chunker().as_dict(), "tokenizer": self.tokenizer().signature,
                "lexicon": str(self.settings.lexicon) if self.settings.lexicon else None}

    # -- versions -------------------------------------------------------------------------------------------
    def serving(self) -> int | None:
        return self.store.get_state("serving")

    def head(self) -> int | None:
        return self.store.head_version()

    def resolve(self, version: int | str | None) -> int:
        """A version number from None (serving), 'head', or a number; VersionError if it does not exist."""
        if version in (None, "serving"):
            v = self.serving()
        elif version in ("head", "latest"):
            v = self.head()
        else:
            try:
                v = int(version)
            except (TypeError, ValueError) as e:
                raise VersionError(f"no version {version!r}: a version is a number, 'head' or 'serving'") from e
            if not 0 < v < 2**63 or not self.store.has_version(v):
                raise VersionError(f"no version {v} in {self.dir}")
        if v is None:
            raise VersionError(f"the knowledge base at {self.dir} is empty: ingest documents first")
        return v

    def version_docs(self, version: int) -> set[str]:
        return self.store.version_docs(version)

    # -- ingest ---------------------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | os.PathLike], progress: bool = True, embed: bool = True,
               note: str = "", sources: dict[str, str] | None = None) -> IngestReport:
        """Load every supported file under ``paths`` and write a new version holding them (if anything changed).

        ``sources`` maps a file path to the source name to record instead (an upload's original file name), so
        that a file uploaded again with other content replaces its earlier version."""
        from jianghua.ingest import documents
        from jianghua.ingest.loaders import iter_files

        files = list(iter_files(paths))
        report = IngestReport()
        docs: list[Document] = []
        it = files
        if progress:
            from tqdm import tqdm
            it = tqdm(files, desc="读取文件", unit="个")
        sources = sources or {}
        head = self.head()
        same_settings = head is not None and self.version_settings_of(head) == self.version_settings()
        check = FileCheck(self.store, [sources.get(str(f), str(f)) for f in files],
                          self.version_docs(head) if same_settings else set(), documents.loader_signature())
        for f in it:
            name = sources.get(str(f), str(f))
            if check.unchanged(f, name):         # as it was when last loaded: not parsed again
                report.unchanged.append(name)
                continue
            try:
                doc = documents.load_document(f, max_bytes=self.settings.max_upload_mb * 1024 * 1024)
                check.loaded(f, name, doc)
                docs.append(dataclasses.replace(doc, source=name) if name != str(f) else doc)
            except (DocumentLoadError, UnsupportedFileError) as e:
                report.failed.append((name, one_line(str(e))))
            except Exception as e:   # MemoryError, RecursionError, a parser bug …: a bad file fails alone, never the batch
                log.warning("loading %s failed", name, exc_info=e)
                report.failed.append((name, one_line(f"{Path(name).name}: 文件无法读取（{type(e).__name__}: {e}）；"
                                                     "请检查文件是否损坏，另存为新文件后重试")))
        report = self.ingest_documents(docs, report=report, progress=progress, embed=False, note=note)
        head = self.head()
        if head is not None:
            check.save(self.version_docs(head))
        if embed:
            report.embedded = self.embed(progress=progress)
        return report

    def ingest_documents(self, docs: list[Document], report: IngestReport | None = None, progress: bool = True,
                         embed: bool = True, note: str = "") -> IngestReport:
        """Write a version holding the newest version's documents and ``docs`` (see index/writing.py: another
        writer's version written meanwhile is built upon, never overwritten)."""
        report = report or IngestReport()
        if docs:
            known = self._known(docs)             # unchanged documents: nothing to chunk or tokenise
            keys = self._prepare([d for d in docs if d.id not in known], progress, report)
            docs = [d for d in docs if d.id in keys or d.id in known]
        if docs:
            with self._write_lock, self.store.transaction() as c:
                base = self.head()                      # inside the transaction: the newest version
                base_docs = self.version_docs(base) if base is not None else set()
                sources = self.store.document_sources(c, base) if base is not None else {}
                new_docs = set(base_docs)
                fresh: dict[str, Document] = {}
                for d in docs:
                    if d.id in new_docs or d.id in fresh:
                        report.unchanged.append(d.source)
                        continue
                    old = sources.get(d.source)
                    if old is not None and old in new_docs:
                        new_docs.discard(old)
                        report.replaced.append(d.source)
                    else:
                        report.added.append(d.source)
                    fresh[d.id] = d
                    new_docs.add(d.id)
                # other chunker or lexicon settings than the newest version's are a change too: documents rechunked
                resettled = base is not None and self.version_settings_of(base) != self.version_settings()
                if new_docs != base_docs or base is None and new_docs or resettled:
                    report.version = self._write_version(c, base, new_docs, fresh, keys, note or "ingest")
            if report.version is not None:
                self.write_manifest()
                self.mirror.versions_changed()
        report.serving = self.serving()
        if embed:
            report.embedded = self.embed(progress=progress)
        return report

    def _prepare(self, docs: list[Document], progress: bool, report: IngestReport) -> dict[str, list[str]]:
        """The slow work, before any write lock: chunk rows of the new documents (and, when the settings changed,
        of the newest version's documents) written ahead; their keys by document id."""
        chunker, tok = self.chunker(), self.tokenizer()
        todo = list({d.id: d for d in docs}.values())
        head = self.head()
        if head is not None and self.version_settings_of(head) != self.version_settings():
            ids = {d.id for d in todo}
            todo += [Store.load_document(self.store.conn(), d) for d in sorted(self.version_docs(head) - ids)]
        bar = None
        if progress and len(todo) > 1:
            from tqdm import tqdm
            bar = tqdm(total=len(todo), desc="切分分词", unit="篇")
        keys, failed = chunk_documents(self.store, todo, chunker, tok,
                                       worker_count(len(todo), self.settings.ingest_workers),
                                       tick=bar.update if bar is not None else None)
        report.failed += [(source, one_line(error)) for source, error in failed]
        if bar is not None:
            bar.close()
        return keys

    def _known(self, docs: list[Document]) -> set[str]:
        """Ids of ``docs`` the newest version already holds with the current settings. They skip ``_prepare``;
        one that another writer removes meanwhile is chunked inside the version's transaction
        (``write_version``), so nothing is lost."""
        head = self.head()
        if head is None or self.version_settings_of(head) != self.version_settings():
            return set()
        return self.version_docs(head) & {d.id for d in docs}

    def version_settings_of(self, version: int) -> dict:
        """The chunker and tokenizer settings a version was built with."""
        return self.store.version_settings(version)

    def remove(self, doc_id: str, note: str = "") -> int:
        """Write a new version without ``doc_id``. Returns the new version."""
        with self._write_lock, self.store.transaction() as c:
            base = self.head()
            docs = self.version_docs(base) if base is not None else set()
            if doc_id not in docs:
                raise DocumentNotFoundError(f"no document {doc_id!r} in the latest version of {self.dir}")
            version = self._write_version(c, base, docs - {doc_id}, {}, {}, note or f"remove {doc_id}")
        self.write_manifest()
        self.mirror.versions_changed()
        return version

    def _write_version(self, c, base: int | None, doc_ids: set[str], fresh: dict[str, Document],
                       keys: dict[str, list[str]], note: str) -> int:
        """Inside the caller's write transaction; the first version of an empty knowledge base serves at once."""
        version = write_version(c, base, doc_ids, fresh, keys, self.version_settings(), note, self.chunker(),
                                self.tokenizer(), now())
        if base is None or self.serving() is None:
            self.store.set_state(c, "serving", version)
        return version

    def embed(self, progress: bool = True, **kw) -> int:
        """Embed every chunk text that has no vector yet (resumable)."""
        return embed_pending(self.store, self.embedder, self.mirror, progress=progress, **kw)

    # -- reading --------------------------------------------------------------------------------------------
    def documents(self, version: int | str | None = None) -> list[dict]:
        v = self.resolve(version)
        rows = self.store.document_rows(v)
        keys = ("doc_id", "title", "source", "date", "speaker", "occasion", "added", "chars", "chunks")
        return [dict(zip(keys, r)) for r in rows]

    def document(self, doc_id: str) -> Document:
        if not self.store.has_document(doc_id):
            raise DocumentNotFoundError(f"no document {doc_id!r} in {self.dir}")
        return Store.load_document(self.store.conn(), doc_id)

    def stats(self) -> dict:
        serving = self.serving()
        meta = self.store.get_meta()
        chunks = self.store.chunk_count(serving)
        embedded = self.store.embedded_in(serving)
        return {"kb": str(self.dir), "embedder": meta.get("embedder"), "engine": self.embedder.engine,
                "dim": meta.get("dim"), "serving": serving, "head": self.head(),
                "documents": len(self.version_docs(serving)) if serving else 0, "chunks": chunks,
                "embedded": embedded, "created": meta.get("created")}

    def write_manifest(self) -> None:
        st = Store(self.store.path)
        try:
            meta = st.get_meta()
            serving = st.get_state("serving")
            versions = st.versions()
            docs = sorted(st.version_docs(serving)) if serving else []
        finally:
            st.close()
        sv = next((v for v in versions if v["version"] == serving), None)
        manifest = {"format": FORMAT, "embedder": {"name": meta.get("embedder"), "dim": meta.get("dim")},
                    "created": meta.get("created"), "updated": now(), "serving": serving,
                    "chunker": sv["settings"] if sv else self.version_settings(),
                    "counts": {"documents": len(docs), "chunks": sv["chunks"] if sv else 0,
                               "versions": len(versions)},
                    "documents": docs,
                    "versions": [{k: v[k] for k in ("version", "parent", "created", "note", "documents", "chunks")}
                                 for v in versions]}
        atomic_write(self.dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))

    def close(self) -> None:
        if self._mirror is not None and hasattr(self._mirror, "close"):
            self._mirror.close()
        self.store.close()


def one_line(message: str, limit: int = 300) -> str:
    """A failure reason as one line of at most ``limit`` characters."""
    text = " ".join(message.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file of this writer's own (two processes may write at once)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["KnowledgeBase", "IngestReport", "JianghuaError"]
