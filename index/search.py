"""Hybrid search over one knowledge-base version: BM25 over jieba tokens and dense vectors, fused by RRF.

Stages (``HybridSearcher.stages``; on by default except ``adaptive``; the benchmark turns each on and off):
- scope: explicit filters (doc_id, year, type, speaker) restrict the search to those documents; without filters,
  the documents a question names (a year, 今年/去年, a type, a speaker, a title: ``index.scope``) are ranked first,
  then the rest;
- fields: title and section-heading fields added to the body BM25 (``index.fields``);
- rewrite: question boilerplate and scope words out of the keyword query, 公文 synonyms in (``index.rewrite``);
- adaptive: when the best keyword passage holds little of the query's idf mass (a question worded unlike the
  corpus), the dense list weighs more in the fusion (``index.fusion.adaptive_weights``, ``index/fusion.json``).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
import time
from dataclasses import dataclass, field

import numpy as np

from jianghua.index.backends import view_class
from jianghua.index.batching import QueryBatcher, queries_waiting_guard
from jianghua.index.fusion import adaptive_config, adaptive_weights, keyword_coverage, rrf
from jianghua.index.kb import KnowledgeBase
from jianghua.index.rewrite import keyword_terms
from jianghua.index.scope import Scope, explicit_scope, infer_scope
from jianghua.index.view import VersionView

from jianghua.ingest.pages import chunk_meta
from jianghua.errors import InputError
from jianghua.records import Chunk, Hit

QUERY_CACHE = 512
SENTENCE_CACHE = 4096
STAGES = ("scope", "fields", "rewrite", "adaptive")
DEFAULT_OFF = ("adaptive",)   # measured: helps paraphrased genre questions, costs the seed set (index/fusion.json)
SCOPE_BONUS = 1.0      # more than any RRF score: a passage of the documents a question names ranks first


@dataclass
class SearchResult:
    hits: list[Hit]
    trace: dict = field(default_factory=dict)


class HybridSearcher:
    """Searches a knowledge base; keeps one view per version and follows the serving version."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.settings = kb.settings
        self._views: dict[int, VersionView] = {}
        self._lock = threading.Lock()
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._scache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._batcher = QueryBatcher(kb.embedder)
        self.stages = {s: s not in DEFAULT_OFF for s in STAGES}
        self.reranker = None
        if self.settings.reranker:
            from jianghua.index.rerank import CrossEncoderReranker
            self.reranker = CrossEncoderReranker(self.settings.reranker)

    def view(self, version: int | str | None = None) -> VersionView:
        v = self.kb.resolve(version)
        with self._lock:
            view = self._views.get(v)
            if view is None:
                view = self._views[v] = view_class(self.kb)(self.kb, v)
                if len(self._views) > 4:   # keep the few versions in use
                    for old in sorted(self._views)[:-4]:
                        if old != v:
                            self._views.pop(old)
        return view

    def search(self, query: str, k: int | None = None, version: int | str | None = None,
               mode: str = "hybrid", *, doc_id=None, year=None, type=None, speaker=None) -> SearchResult:
        """The top ``k`` passages for ``query``. ``doc_id``, ``year``, ``type`` and ``speaker`` (a value or a list)
        restrict the search to the documents matching all of them."""
        query = (query or "").strip()
        if not query:
            raise InputError("the query is empty")
        k = int(self.settings.top_k if k is None else k)      # k=0 is an error, not 'the default'
        if not 1 <= k <= 100:
            raise InputError(f"k must be between 1 and 100, got {k}")
        if mode not in ("hybrid", "keyword", "dense"):
            raise InputError(f"mode must be hybrid, keyword or dense, got {mode!r}")
        t0 = time.perf_counter()
        view = self.view(version)
        timings = {}
        st = self.stages
        scope = explicit_scope(view.catalog, doc_id, year, type, speaker)
        if scope is None:
            scope = infer_scope(query, view.catalog, getattr(self.settings, "today", None)) if st["scope"] else Scope()
        row_mask = view.catalog.row_mask(scope.doc_mask) if scope.active else None
        terms = view.tokenizer.tokens(query)
        kterms, change = terms, {}
        if st["rewrite"]:
            drop = {t for w in scope.terms for t in view.tokenizer.tokens(w)} | ({"年"} if scope.terms else set())
            kterms, change = keyword_terms(query, terms, view.tokenizer, drop)
        pin = int(adaptive_config()["scope_pinned"])
        kw_lists: list[list[int]] = [[], []]          # [pinned: best in scope, then everywhere]
        matched: dict[int, list[str]] = {}
        weights = (self.settings.keyword_weight, self.settings.dense_weight)
        if mode != "dense" and self.settings.keyword_weight > 0:
            kw_lists, matched = view.keyword_lists(kterms, row_mask, scope, pin, st["fields"])
            best = (kw_lists[0] or kw_lists[1])[:1]
            if st["adaptive"] and best and mode == "hybrid":
                cov = keyword_coverage({t: view.keyword.idf(t) for t in kterms}, matched.get(best[0], []))
                weights = adaptive_weights(cov, *weights)
                timings["keyword_coverage"] = round(cov, 3)
        t1 = time.perf_counter()
        timings["keyword_ms"] = (t1 - t0) * 1000
        dense_lists: list[list[int]] = [[], []]
        use_dense = mode != "keyword" and self.settings.dense_weight > 0
        if use_dense:
            self.kb.mirror.refresh()                  # leaves mirror.max_id = the table's largest id
            view.refresh_dense(self.kb.mirror.max_id)
            if view.n_embedded:
                qv = self._query_vector(query)
                t2 = time.perf_counter()
                timings["embed_query_ms"] = (t2 - t1) * 1000
                dense_lists = view.dense_lists(qv, row_mask, scope, pin)
        t3 = time.perf_counter()
        timings["dense_ms"] = (t3 - t1) * 1000
        kw_rows, dense_rows = kw_lists[0] + kw_lists[1], dense_lists[0] + dense_lists[1]
        if mode == "keyword":
            fused = [(r, 1.0 / (self.settings.rrf_k + i)) for i, r in enumerate(kw_rows, 1)]
        elif mode == "dense":
            fused = [(r, 1.0 / (self.settings.rrf_k + i)) for i, r in enumerate(dense_rows, 1)]
        else:
            fused = rrf([kw_rows, dense_rows], list(weights), self.settings.rrf_k)
        if row_mask is not None and not scope.hard:       # pinned in-scope passages first: SCOPE_BONUS + RRF
            inside = set(kw_lists[0]) | set(dense_lists[0])
            fused = sorted(((r, sc + SCOPE_BONUS * (r in inside)) for r, sc in fused), key=lambda x: -x[1])
        kw_rank = {r: i for i, r in enumerate(kw_rows, 1)}
        de_rank = {r: i for i, r in enumerate(dense_rows, 1)}
        if self.reranker is not None:      # rerank a wider pool, then keep k
            t4 = time.perf_counter()
            hits = self.reranker.rerank(query, self._hits(fused[:max(k, 20)], kw_rank, de_rank, matched))[:k]
            timings["rerank_ms"] = (time.perf_counter() - t4) * 1000
        else:
            hits = self._hits(fused[:k], kw_rank, de_rank, matched)
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        trace = {"version": view.version, "mode": mode, "terms": terms, "keyword_terms": kterms,
                 "timings": timings, "chunks": view.n_chunks, "embedded": view.n_embedded if use_dense else None,
                 "dense_coverage": round(view.n_embedded / view.n_chunks, 4) if view.n_chunks else 0.0,
                 "scope": {**scope.trace(view.catalog), **_inside(scope, view.catalog, hits)},
                 "stages": [s for s in STAGES if st[s]],
                 "weights": {"keyword": weights[0], "dense": weights[1]}}
        if change:
            trace["rewrite"] = change
        if use_dense and view.n_embedded < view.n_chunks:
            trace["note"] = (f"dense search covered {view.n_embedded} of {view.n_chunks} chunks; "
                             "the rest are still being embedded")
        return SearchResult(hits, trace)

    def _query_vector(self, query: str) -> np.ndarray:
        """The query's vector; the last few hundred are kept (a page asks, drafts and re-asks the same texts)."""
        with self._lock:
            v = self._qcache.get(query)
            if v is not None:
                self._qcache.move_to_end(query)
                return v
        v = self._batcher.embed(query)
        with self._lock:
            self._qcache[query] = v
            while len(self._qcache) > QUERY_CACHE:
                self._qcache.popitem(last=False)
        return v

    def dense_similarity(self, query: str, hits: list[Hit]) -> list[float | None]:
        """Cosine of the query's vector and each hit's passage vector (None for a passage not embedded yet, or when
        dense search is off). The query vector is the cached one the search computed."""
        if self.settings.dense_weight <= 0 or not hits:
            return [None] * len(hits)
        rows = [h.chunk.meta.get("row") for h in hits]
        found = self.kb.store.row_vectors(rows)
        if not found:
            return [None] * len(hits)
        qv = np.asarray(self._query_vector(query), np.float32).reshape(-1)
        out: list[float | None] = []
        for r in rows:
            blob = found.get(r)
            out.append(None if blob is None else float(np.frombuffer(blob, np.float32) @ qv))
        return out

    def sentence_similarity(self, query: str, texts: list[str]) -> list[float] | None:
        """Cosine of the query's vector and each of ``texts`` embedded as a passage (the best sentences of the
        retrieved passages, which the answer's ranking weighs); None when dense search is off. Sentence vectors
        are kept by text (the same passages come back for many questions); background embedding on the same
        embedder gives way while these are embedded."""
        if self.settings.dense_weight <= 0 or not texts:
            return None
        with self._lock:
            known = {t: self._scache[t] for t in texts if t in self._scache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            with queries_waiting_guard(self.kb.embedder):
                vecs = np.asarray(self.kb.embedder.embed_passages(missing), np.float32)
            with self._lock:
                for t, v in zip(missing, vecs):
                    known[t] = self._scache[t] = v
                while len(self._scache) > SENTENCE_CACHE:
                    self._scache.popitem(last=False)
        qv = np.asarray(self._query_vector(query), np.float32).reshape(-1)
        return [float(known[t] @ qv) for t in texts]

    def following(self, hit: Hit, n: int = 2, version: int | str | None = None) -> list[Hit]:
        """The ``n`` passages after ``hit`` in its document, in the same version (for context that runs on)."""
        view = self.view(version)
        rows = self.kb.store.rows_after(view.version, hit.chunk.doc_id, hit.chunk.end, n)
        return self._hits([(r, 0.0) for r in rows], {}, {}, {})

    def passages_of(self, doc_id: str, version: int | str | None = None, limit: int = 2000) -> list[Hit]:
        """Every passage of a document in ``version`` (at most ``limit``), in document order: its outline."""
        view = self.view(version)
        rows = self.kb.store.rows_after(view.version, doc_id, -1, limit)
        return self._hits([(r, 0.0) for r in rows], {}, {}, {})

    def around(self, hit: Hit, before: int = 3, after: int = 10, version: int | str | None = None) -> list[Hit]:
        """``hit`` with up to ``before`` passages before it and ``after`` after it in its document, in document
        order and the same version (a list whose items lie passages apart)."""
        view = self.view(version)
        prev = self.kb.store.rows_before(view.version, hit.chunk.doc_id, hit.chunk.start, before)
        prev_hits = self._hits([(r, 0.0) for r in prev], {}, {}, {})
        next_hits = self.following(hit, after, version=view.version)
        return sorted(prev_hits, key=lambda h: h.chunk.start) + [hit] + sorted(next_hits, key=lambda h: h.chunk.start)

    def _hits(self, top, kw_rank, de_rank, matched) -> list[Hit]:
        if not top:
            return []
        rows = [r for r, _ in top]
        data = self.kb.store.hit_rows(rows)
        hits = []
        for r, score in top:
            row = data[r]
            chunk = Chunk(id=row[1], doc_id=row[2], text=row[3], section=tuple(json.loads(row[4])),
                          start=row[5], end=row[6], meta={"row": r, **chunk_meta(*row[9:12], row[5], row[6])})
            hits.append(Hit(chunk, title=row[7], source=row[8], score=float(score), keyword_rank=kw_rank.get(r),
                            dense_rank=de_rank.get(r), matched=matched.get(r, [])))
        return hits


def _inside(scope: Scope, catalog, hits: list[Hit]) -> dict:
    """The documents of ``hits`` inside an applied scope (what the answer should quote when the question named them)."""
    if not scope.active:
        return {}
    at = catalog.index
    return {"hit_documents": list(dict.fromkeys(h.chunk.doc_id for h in hits
                                                 if h.chunk.doc_id in at and scope.doc_mask[at[h.chunk.doc_id]]))}
