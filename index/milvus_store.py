"""Passages in Milvus (``JIANGHUA_BACKEND=milvus``): text with BM25 full-text search and dense vectors in one
collection, version membership as a span of versions per entity, kept in step with the SQLite store.

SQLite stays the truth (documents, chunk rows with offsets and sections, versions, the vectors each text got);
the collection is what a search reads, the way the FAISS file is for the embedded backend. One entity per chunk
row and span of versions holding it::

    pk = row << 32 | first_v   row, doc_id, text_hash, first_v, last_v (OPEN while the newest version holds it)
    text    section headings + text (what the embedder sees), VARCHAR analysed by jieba with the domain lexicon
    sparse  BM25 of ``text`` (a Milvus function; Milvus ≥ 2.5 and Milvus Lite), dense (zeros until embedded), has_vec

Version ``v`` is ``first_v <= v and last_v >= v``: candidate, serving and rolled-back versions need no copy, and a
promotion or rollback writes nothing here. Every write is an upsert of whole entities (same pk, same content), so
a sync killed half-way is redone on the next one. A Milvus 2.3 server has no BM25: its collection holds only the
dense side and the keyword list comes from the SQLite postings (``bm25`` is False).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path

import numpy as np

from jianghua.errors import BackendError
from jianghua.index.embedding import passage_text
from jianghua.index.store import Store
from jianghua.index.tokenize import STOPWORDS, Tokenizer

OPEN = 2**62
MAX_TEXT = 20000            # characters of a passage given to BM25 (VARCHAR ≤ 65,535 bytes); chunks are far shorter
BATCH = 1000
QUERY_BATCH = 4096
PUNCT = list("，。、；：？！“”‘’（）《》【】—…·「」『』〈〉,.;:?!\"'()[]{}<>-_/\\|+=*&^%$#@~`")
log = logging.getLogger(__name__)


class _NoMvccNotice(logging.Filter):
    """pymilvus's query iterator warns on every use against Milvus Lite, which has no AllocTimestamp call."""

    def filter(self, record: logging.LogRecord) -> bool:
        unimplemented = record.exc_info is not None and isinstance(record.exc_info[1], NotImplementedError)
        return "mvccTs" not in record.getMessage() and not unimplemented


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoMvccNotice())
logging.getLogger("grpc._server").addFilter(_NoMvccNotice())      # Milvus Lite's in-process server says it too


def analyzer_params(tok: Tokenizer) -> dict:
    """jieba in search mode with the domain lexicon as its user dictionary, the keyword tokenizer's stop words and
    punctuation dropped ("_default_" keeps jieba's own dictionary on a Milvus server)."""
    return {"tokenizer": {"type": "jieba", "mode": "search", "dict": ["_default_", *tok.terms]},
            "filter": ["lowercase", {"type": "stop", "stop_words": sorted(STOPWORDS) + PUNCT}]}


def collection_name(kb_dir: Path, created: str) -> str:
    return "jianghua_" + hashlib.sha256(f"{Path(kb_dir).resolve()}\0{created}".encode()).hexdigest()[:16]


class MilvusPassages:
    """The collection of one knowledge base. Cheap to construct: connects on first use."""

    def __init__(self, store: Store, uri: str, dim: int, name: str, tokenizer: Tokenizer):
        self.store, self.uri, self.dim, self.name, self.tokenizer = store, uri, dim, name, tokenizer
        self._client = None
        self.bm25 = True
        self.max_id = 0                 # the vectors table's largest id pushed (the FAISS mirror's attribute)
        self._lock = threading.RLock()
        self._progress = False
        self._state_key = f"milvus:{name}"

    # -- connection and schema ------------------------------------------------------------------------------------
    def client(self):
        with self._lock:
            if self._client is None:
                try:
                    from pymilvus import MilvusClient
                except ImportError as e:
                    raise BackendError("JIANGHUA_BACKEND=milvus needs pymilvus and milvus-lite: "
                                       "pip install 'jianghua[milvus]'") from e
                try:
                    client = MilvusClient(uri=self.uri)
                    version = client.get_server_version()
                except Exception as e:   # pymilvus raises its own MilvusException and grpc errors
                    hint = (" (Milvus Lite serves one process at a time: stop the other one, or use a Milvus "
                            "server, JIANGHUA_MILVUS_URI=http://host:19530)") if self.lite else ""
                    raise BackendError(f"cannot open Milvus at {self.uri}: {e}{hint}") from e
                self.bm25 = server_has_bm25(version)
                if self.lite:
                    _LITE_USERS[self.uri] = _LITE_USERS.get(self.uri, 0) + 1
                if not client.has_collection(self.name):
                    self._create(client)
                    self._save_state({"version": 0, "vectors": 0})   # a new collection: everything to sync
                client.load_collection(self.name)
                self._client = client
            return self._client

    def _create(self, client) -> None:
        from pymilvus import DataType, Function, FunctionType
        s = client.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("pk", DataType.INT64, is_primary=True)
        s.add_field("row", DataType.INT64)
        s.add_field("doc_id", DataType.VARCHAR, max_length=128)
        s.add_field("text_hash", DataType.VARCHAR, max_length=64)
        s.add_field("first_v", DataType.INT64)
        s.add_field("last_v", DataType.INT64)
        s.add_field("has_vec", DataType.BOOL)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        ip = client.prepare_index_params()
        ip.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
        if self.bm25:
            s.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                        analyzer_params=analyzer_params(self.tokenizer))
            s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                    output_field_names=["sparse"]))
            ip.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        # Strong: a search sees every write before it (a sync's own upserts, another process's version)
        client.create_collection(self.name, schema=s, index_params=ip, consistency_level="Strong")

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(("http://", "https://", "tcp://"))

    def close(self) -> None:
        """Disconnect; for Milvus Lite also stop its in-process server, which frees the data directory's lock."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
                if self.lite:
                    _release_lite(self.uri)

    # -- sync state (in SQLite, beside the versions it follows) ---------------------------------------------------
    def _state(self) -> dict:
        return self.store.get_state(self._state_key, {"version": 0, "vectors": 0})

    def _save_state(self, st: dict) -> None:
        with self.store.transaction() as c:
            self.store.set_state(c, self._state_key, st)

    # -- the mirror interface (index/backends.py: PassageIndex) ---------------------------------------------------
    def load(self):
        return self.client()

    def save(self) -> None:
        """After embedding: passages written meanwhile by another process without their vector get it now."""
        self.refresh()
        self._repair()

    def versions_changed(self) -> None:
        self.refresh()

    def refresh(self, full: bool = False, progress: bool = False) -> bool:
        """Bring the collection up to the store: versions written since the last sync, then vectors; ``full``
        also drops entities of versions pruned away. True if anything changed. ``progress``: a bar per step."""
        with self._lock:
            self.client()
            self._progress = progress
            st = self._state()
            changed = self._sync_versions(st)
            changed |= self._sync_vectors(st)
            if full:
                changed |= self._drop_pruned()
            if changed:      # sealed into a segment: Milvus Lite re-indexes its in-memory part on every search
                self.client().flush(self.name)
            self.max_id = st["vectors"]
            return changed

    def _sync_versions(self, st: dict) -> bool:
        versions = self.store.version_numbers()
        todo = [v for v in versions if v > st["version"]]
        if st["version"] == 0 and todo:
            # a new collection: entities are built from the store after this read, so they carry every vector
            # committed up to it and the vector sync can start from there
            seen = self.store.max_vector_id()
        else:
            seen = None
        for v in todo:
            applied = st["version"]
            now = self.store.version_rows(v)
            if applied == 0:
                before = set()
            elif applied in versions:
                before = self.store.version_rows(applied)
            else:                                # pruned since it was applied: the open spans say what it held
                before = self._open_rows()
            self._put([(r, v, OPEN) for r in sorted(now - before)])
            self._close(sorted(before - now), applied)
            st["version"] = v
            if seen is not None and v == todo[-1]:
                st["vectors"] = max(st["vectors"], seen)
            self._save_state(st)
        return bool(todo)

    def _sync_vectors(self, st: dict) -> bool:
        changed = False
        while True:
            batch = self.store.vectors_after(st["vectors"], BATCH)
            if not batch:
                return changed
            hashes = [h for _, h in batch]
            spans = self._query(f"has_vec == false and text_hash in {json.dumps(hashes)}",
                                ["row", "first_v", "last_v"])
            self._put([(e["row"], e["first_v"], e["last_v"]) for e in spans])
            st["vectors"] = batch[-1][0]
            self._save_state(st)
            changed = True

    def _repair(self) -> None:
        missing = self._query("has_vec == false", ["row", "first_v", "last_v"])
        have = self.store.rows_with_vectors([e["row"] for e in missing])
        self._put([(e["row"], e["first_v"], e["last_v"]) for e in missing if e["row"] in have])

    def _close(self, rows: list[int], last: int) -> None:
        for i in range(0, len(rows), BATCH):
            spans = self._query(f"last_v == {OPEN} and row in {rows[i:i + BATCH]}", ["row", "first_v"])
            self._put([(e["row"], e["first_v"], last) for e in spans])

    def _open_rows(self) -> set[int]:
        return {e["row"] for e in self._query(f"last_v == {OPEN}", ["row"])}

    def _drop_pruned(self) -> bool:
        """Delete the spans that hold none of the versions left (prune removes whole old versions)."""
        kept = self.store.version_numbers()
        expr = " and ".join(f"not (first_v <= {v} and last_v >= {v})" for v in kept) or "pk >= 0"
        res = self.client().delete(self.name, filter=expr)
        n = res.get("delete_count", 0) if isinstance(res, dict) else 0
        return bool(n)

    def _query(self, expr: str, fields: list[str]) -> list[dict]:
        """Every entity matching ``expr`` (an iterator: a server caps one query's results at 16,384)."""
        it = self.client().query_iterator(self.name, batch_size=QUERY_BATCH, filter=expr, output_fields=fields)
        out: list[dict] = []
        try:
            while True:
                part = it.next()
                if not part:
                    return out
                out.extend(part)
        finally:
            it.close()

    def _entities(self, spans: list[tuple[int, int, int]]) -> list[dict]:
        """Whole entities for (row, first_v, last_v) spans, read from the store."""
        data = self.store.passages([r for r, _, _ in spans])
        zero = [0.0] * self.dim
        out = []
        for row, first, last in spans:
            p = data.get(row)
            if p is None:                          # pruned meanwhile: nothing to index
                continue
            doc_id, section, text, text_hash, vec = p
            e = {"pk": (row << 32) | first, "row": row, "doc_id": doc_id, "text_hash": text_hash,
                 "first_v": first, "last_v": last, "has_vec": vec is not None,
                 "dense": zero if vec is None else np.frombuffer(vec, np.float32).tolist()}
            if self.bm25:
                e["text"] = passage_text(section, text)[:MAX_TEXT]
            out.append(e)
        return out

    def _put(self, spans: list[tuple[int, int, int]]) -> None:
        """Upsert the whole entities of ``spans``, built and written a batch at a time."""
        bar = None
        if self._progress and len(spans) > BATCH:
            from tqdm import tqdm
            bar = tqdm(total=len(spans), desc="写入 Milvus", unit="段")
        for i in range(0, len(spans), BATCH):
            part = self._entities(spans[i:i + BATCH])
            if part:
                self.client().upsert(self.name, part)
            if bar is not None:
                bar.update(len(spans[i:i + BATCH]))
        if bar is not None:
            bar.close()

    # -- searching ------------------------------------------------------------------------------------------------
    def selects(self, version: int, doc_ids: list[str] | None = None) -> str:
        expr = f"first_v <= {int(version)} and last_v >= {int(version)}"
        if doc_ids is not None:
            expr += f" and doc_id in {json.dumps(sorted(doc_ids))}"
        return expr

    def keyword(self, text: str, version: int, k: int, doc_ids: list[str] | None = None) -> list[tuple[int, float]]:
        """(row, BM25 score) best first: Milvus's BM25 over the version's passages."""
        if not self.bm25:
            raise BackendError(f"the Milvus server at {self.uri} has no BM25 (Milvus < 2.5)")
        if not text.strip() or doc_ids == []:
            return []
        res = self.client().search(self.name, data=[text], anns_field="sparse", limit=k, output_fields=["row"],
                                   filter=self.selects(version, doc_ids), search_params={"metric_type": "BM25"})
        return [(int(h["entity"]["row"]), abs(float(h["distance"]))) for h in res[0]]

    def dense(self, vector: np.ndarray, version: int, k: int,
              doc_ids: list[str] | None = None) -> list[tuple[int, float]]:
        """(row, inner product) best first over the version's embedded passages."""
        if doc_ids == []:
            return []
        res = self.client().search(self.name, data=[np.asarray(vector, np.float32).reshape(-1).tolist()],
                                   anns_field="dense", limit=k, output_fields=["row"],
                                   filter=self.selects(version, doc_ids) + " and has_vec == true",
                                   search_params={"metric_type": "IP"})
        return [(int(h["entity"]["row"]), float(h["distance"])) for h in res[0]]

    def hybrid(self, text: str, vector: np.ndarray, version: int, k: int, rrf_k: int = 20,
               candidates: int = 50) -> list[tuple[int, float]]:
        """Milvus's own hybrid search: BM25 and dense lists fused by its RRFRanker (unweighted)."""
        from pymilvus import AnnSearchRequest, RRFRanker
        expr = self.selects(version)
        reqs = [AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=candidates,
                                 expr=expr),
                AnnSearchRequest(data=[np.asarray(vector, np.float32).reshape(-1).tolist()], anns_field="dense",
                                 param={"metric_type": "IP"}, limit=candidates, expr=expr + " and has_vec == true")]
        res = self.client().hybrid_search(self.name, reqs, ranker=RRFRanker(rrf_k), limit=k, output_fields=["row"])
        return [(int(h["entity"]["row"]), float(h["distance"])) for h in res[0]]

    def rows(self, version: int) -> set[int]:
        """The chunk rows the collection selects for ``version`` (for checks; reads them all)."""
        return {e["row"] for e in self._query(self.selects(version), ["row"])}

    def count(self, version: int, embedded: bool = False) -> int:
        expr = self.selects(version) + (" and has_vec == true" if embedded else "")
        res = self.client().query(self.name, filter=expr, output_fields=["count(*)"])
        return int(res[0]["count(*)"]) if res else 0


_LITE_USERS: dict[str, int] = {}     # open clients per Milvus Lite path in this process (they share one server)


def _release_lite(uri: str) -> None:
    """Stop this process's Milvus Lite server for ``uri`` when its last client closes: that frees the data
    directory's lock for another process."""
    n = _LITE_USERS.get(uri, 1) - 1
    if n > 0:
        _LITE_USERS[uri] = n
        return
    _LITE_USERS.pop(uri, None)
    from milvus_lite.server_manager import server_manager_instance
    server_manager_instance.release_server(uri)


def server_has_bm25(version: str) -> bool:
    """Milvus Lite ("milvus_lite-3.2.2") and Milvus ≥ 2.5 have BM25 functions; 2.3 ("v2.3.5-lite", the embedded
    server of the ``milvus`` package) and 2.4 do not."""
    v = str(version).lower()
    if v.startswith("milvus_lite"):
        return True
    try:
        major, minor = (int(x.split("-")[0]) for x in v.lstrip("v").split(".")[:2])
    except ValueError:
        return True
    return (major, minor) >= (2, 5)
