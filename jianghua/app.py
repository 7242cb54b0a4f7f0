"""The application object: one knowledge base, its searcher and assistant. The CLI, the API and the page call this
and nothing below it."""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Callable, Iterator

from jianghua.errors import BusyError, InputError
from jianghua.settings import Settings

# What the edges (CLI, API, page) may know of the layers below, read on first use (importing this module stays cheap):
# the file types ingest reads, the gate's headline metrics, the metrics where lower is better, the citation marker [n].
_LAZY = {"SUPPORTED_SUFFIXES": ("jianghua.ingest.loaders", "SUPPORTED_SUFFIXES"),
         "HEADLINE": ("jianghua.evals.gate", "HEADLINE"),
         "LOWER_IS_BETTER": ("jianghua.evals.runner", "LOWER_IS_BETTER"),
         "MARKER": ("jianghua.assistant.citations", "MARKER")}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Jianghua:
    """Cheap to construct; opens the knowledge base on first use."""

    def __init__(self, settings: Settings | None = None, create: bool = True, kb=None):
        """``kb``: an open ``KnowledgeBase`` to share (its settings then win), instead of opening one on first use."""
        self.settings = kb.settings if kb is not None else (settings or Settings.from_env())
        self.create = create
        self._kb = kb
        self._searcher = None
        self._assistant = None
        self._lock = threading.RLock()
        self._evaluating = threading.Lock()   # one evaluation (or gated promotion) at a time
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.embedding = {"running": False, "done": 0, "total": 0, "error": None}

    # -- parts ------------------------------------------------------------------------------------------------
    @property
    def kb(self):
        with self._lock:
            if self._kb is None:
                from jianghua.index.kb import KnowledgeBase
                self._kb = KnowledgeBase.open(self.settings, create=self.create)
            return self._kb

    @property
    def searcher(self):
        with self._lock:
            if self._searcher is None:
                from jianghua.index.search import HybridSearcher
                self._searcher = HybridSearcher(self.kb)
            return self._searcher

    @property
    def assistant(self):
        with self._lock:
            if self._assistant is None:
                from jianghua.assistant.chain import Assistant
                self._assistant = Assistant(self.searcher, self.settings)
            return self._assistant

    def _question(self, text: str, what: str = "question") -> str:
        text = (text or "").strip()
        if not text:
            raise InputError(f"the {what} is empty")
        if len(text) > self.settings.max_question_chars:
            raise InputError(f"the {what} has {len(text)} characters; the limit is {self.settings.max_question_chars}")
        return text

    # -- jobs ---------------------------------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, version=None, mode: str = "hybrid", *, doc_id=None, year=None,
               type=None, speaker=None) -> dict:
        """Hits and trace; ``doc_id``, ``year``, ``type``, ``speaker`` restrict the search to matching documents."""
        res = self.searcher.search(self._question(query, "query"), k, version=version, mode=mode, doc_id=doc_id,
                                   year=year, type=type, speaker=speaker)
        return {"hits": [h.to_dict() for h in res.hits], "trace": res.trace}

    def ask(self, question: str, history: list[dict] | None = None, version=None) -> dict:
        return self.assistant.ask(self._question(question), history or [], version=version)

    def ask_stream(self, question: str, history: list[dict] | None = None) -> Iterator[dict]:
        return self.assistant.ask_stream(self._question(question), history or [])

    def draft(self, topic: str, occasion: str | None = None, length: int = 600, version=None) -> dict:
        if not 100 <= int(length) <= 5000:
            raise InputError(f"length must be between 100 and 5000 characters, got {length}")
        return self.assistant.draft(self._question(topic, "topic"), occasion=occasion, length=int(length),
                                    version=version)

    def draft_docx(self, topic: str, occasion: str | None = None, length: int = 600) -> bytes:
        return self.export_draft(self.draft(topic, occasion, length), topic, "docx")

    @staticmethod
    def export_draft(result: dict, topic: str, fmt: str = "docx") -> bytes | str:
        """A draft (the result of ``draft``) as a .docx (GB/T 9704 layout, sources as footnotes; bytes) or as
        Markdown (str)."""
        from jianghua.assistant.export import draft_to_docx, draft_to_markdown
        if fmt == "docx":
            return draft_to_docx(result, topic)
        if fmt == "markdown":
            return draft_to_markdown(result, topic)
        raise InputError(f"unknown draft format {fmt!r}: docx or markdown")

    def open(self) -> "Jianghua":
        """Open (or, with ``create``, make) the knowledge base now: a bad directory fails here, not at the first
        request."""
        _ = self.kb
        return self

    def document(self, doc_id: str):
        """The stored ``Document`` (text, metadata); DocumentNotFoundError if the knowledge base never held it."""
        return self.kb.document(doc_id)

    def document_passages(self, doc_id: str) -> dict:
        """Where the document's passages lie (``spans``: (start, end, section JSON)), the versions that hold it and
        the serving version."""
        return {"spans": self.kb.store.document_spans(doc_id), "versions": self.kb.store.versions_holding(doc_id),
                "serving": self.kb.serving()}

    def documents(self, version=None) -> list[dict]:
        """The documents of ``version`` (default: the serving one; none before the first version serves)."""
        if version is None and self.kb.serving() is None:
            return []
        return self.kb.documents(version)

    def ingest_paths(self, paths: list[Path], progress: bool = False, sources: dict[str, str] | None = None,
                     embed: bool | None = None) -> dict:
        """Ingest files. With the background embedder running, documents are keyword-searchable as soon as this
        returns and dense vectors follow; without it, embedding happens here when dense search is weighted (``embed``
        True or False decides instead: the CLI's ``--no-embed``)."""
        background = self._worker is not None and self._worker.is_alive()
        embed_now = not background and (self.settings.dense_weight > 0 if embed is None else embed)
        report = self.kb.ingest(paths, progress=progress, embed=embed_now, sources=sources)
        if background:
            self._wake.set()
        return report.as_dict()

    # -- background embedding ---------------------------------------------------------------------------------
    def start_background_embedding(self, poll_seconds: float = 5.0) -> None:
        """Embed pending chunk texts in a daemon thread (also those other processes ingested)."""
        if self._worker is not None and self._worker.is_alive():
            return
        self._stop.clear()
        self._worker = threading.Thread(target=self._embed_loop, args=(poll_seconds,), name="jianghua-embedder",
                                        daemon=True)
        self._worker.start()

    def stop_background_embedding(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(timeout)
            self._worker = None

    def _embed_loop(self, poll_seconds: float) -> None:
        import logging
        log = logging.getLogger(__name__)
        while not self._stop.is_set():
            try:
                def on_batch(done: int, total: int) -> None:
                    self.embedding.update(running=True, done=done, total=total)
                n = self.kb.embed(progress=False, on_batch=on_batch, stop=self._stop)
                self.embedding.update(running=False, error=None)
                if n:
                    continue
            except Exception as e:  # keep serving keyword search; report the failure in /api/index
                log.exception("background embedding failed")
                self.embedding.update(running=False, error=str(e))
            self._wake.wait(poll_seconds)
            self._wake.clear()

    def remove(self, doc_id: str) -> dict:
        v = self.kb.remove(doc_id)
        return {"removed": doc_id, "version": v, "serving": self.kb.serving()}

    def index_info(self) -> dict:
        from jianghua import __version__
        info = self.kb.stats() if self.kb.serving() is not None else {"serving": None, "documents": 0, "chunks": 0}
        info["jianghua"] = __version__
        info["embedding"] = dict(self.embedding)
        return info

    def versions(self, settings: bool = False) -> list[dict]:
        """Every knowledge-base version, oldest first, each with ``serving`` true for the one being served (and, with
        ``settings``, the chunking and embedding settings it was built with)."""
        from jianghua.index.versions import list_versions
        return [{k: v for k, v in row.items() if settings or k != "settings"} for row in list_versions(self.kb)]

    # -- evaluation and promotion -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _one_evaluation(self):
        if not self._evaluating.acquire(blocking=False):
            raise BusyError("an evaluation is already running; try again when it has finished")
        try:
            yield
        finally:
            self._evaluating.release()

    def evaluate(self, version=None, against=None, set_path=None,
                 progress_cb: Callable[[int, int], None] | None = None, *, mode: str = "hybrid",
                 answers: bool | None = None, progress: bool = False, rows: bool = False) -> dict:
        """Evaluate ``version`` (default: the serving one) on ``set_path`` (a set's name, directory or
        queries.jsonl; default: the configured set); with ``against``, that version too and the comparison (deltas:
        version − against). A set with its own corpus (cmrc, cross) is evaluated on a knowledge base of that corpus.
        ``progress_cb(done, total)`` counts the queries and drafts of all runs; ``answers=False``: retrieval only;
        ``rows``: the comparison keeps the per-question rows too."""
        from jianghua.evals.data import configured_set, load_set
        from jianghua.evals.runner import compare, evaluate_versions, to_json, to_markdown
        with self._one_evaluation():
            es = load_set(set_path if set_path is not None else configured_set(self.settings))
            app = self.over_eval_corpus(es, self.settings, progress) if es.own_corpus else self
            runs = [app.kb.resolve(version)] + ([app.kb.resolve(against)] if against is not None else [])
            results = evaluate_versions(app, es, runs, progress=progress, on_progress=progress_cb, mode=mode,
                                        answers=answers, drafts=answers)
        if against is None:
            return {"result": to_json(results[0]), "comparison": None, "markdown": to_markdown(results[0])}
        cmp = compare(results[1], results[0])
        return {"result": to_json(results[0]), "comparison": to_json(cmp, rows=rows), "markdown": to_markdown(cmp)}

    @staticmethod
    def bundled_set(name: str) -> Path:
        """The folder of a set that ships with jianghua (``seed``, ``genre`` …), by its name."""
        from jianghua.evals.data import SETS_DIR
        return SETS_DIR / name

    @classmethod
    def over_eval_corpus(cls, es, settings: Settings, progress: bool = False) -> "Jianghua":
        """For a set that carries its own corpus (``cmrc``, ``cross``): the application object over a knowledge base
        of that corpus, built once under ``$XDG_CACHE_HOME/jianghua/evalsets/<name>`` with ``settings``' embedder."""
        import os
        from dataclasses import replace

        from jianghua.index.kb import KnowledgeBase
        from jianghua.ingest.documents import document_from_text
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jianghua" / "evalsets"
        s = replace(settings, kb=cache / es.name.split(":")[0])
        kb = KnowledgeBase.open(s, create=True)
        if kb.head() is None:
            files = [d.path for d in es.corpus if d.path is not None]
            if files:
                kb.ingest(files, progress=progress, embed=False)
            texts = [document_from_text(d.text, source=f"{es.name}/{d.doc}.txt", title=d.doc)
                     for d in es.corpus if d.text is not None]
            if texts:
                kb.ingest_documents(texts, progress=progress, embed=False, note=es.name)
        kb.embed(progress=progress)
        kb.close()
        return cls(s, create=False)

    def _gate(self, kb, candidate: int, serving: int, progress: bool) -> tuple[bool, dict]:
        from jianghua.evals.gate import run_gate
        return run_gate(self, candidate, serving, progress)

    def promote(self, version=None, force: bool = False, progress: bool = False) -> dict:
        """Serve ``version`` (default: the newest) if the evaluation gate passes it (or ``force``); GateError
        (with the gate's report) if not. Searches and answers follow on their next request."""
        from jianghua.index.versions import promote
        with self._one_evaluation():
            return promote(self.kb, version, force=force, progress=progress, gate=self._gate)

    def review(self, candidate="head", baseline="serving", set_path=None,
               progress_cb: Callable[[int, int], None] | None = None) -> dict:
        """The review of an update: ``candidate`` and ``baseline`` evaluated on one set, the documents the candidate
        changes and every question it answers differently (``evals.review``)."""
        from jianghua.evals.review import review
        with self._one_evaluation():
            return review(self, candidate, baseline, set_path, progress_cb)

    def accept(self, review: dict, query_ids: list[str], reviewer: str,
               progress_cb: Callable[[int, int], None] | None = None) -> dict:
        """Record the candidate's answers to ``query_ids`` (questions whose outcome changed in ``review``) as their
        gold for this knowledge base, with ``reviewer`` and the time; then review again. InputError for a question
        that did not change."""
        from jianghua.evals.data import configured_set, load_set
        from jianghua.evals.review import accept as record
        diffs = {q["id"]: q for q in review["questions"] if q["outcome_changed"]}
        unknown = [i for i in query_ids if i not in diffs]
        if unknown:
            raise InputError(f"no changed question {', '.join(unknown)} between v{review['candidate']} and "
                             f"v{review['serving']}")
        es = load_set(configured_set(self.settings))
        done = [record(self.kb, es, diffs[i], review["stems"], reviewer, review["candidate"], review["serving"])
                for i in query_ids]
        return {"accepted": done, "review": self.review(review["candidate"], review["serving"],
                                                        progress_cb=progress_cb)}

    def accepted_golds(self) -> list[dict]:
        """Every gold a reviewer accepted for this knowledge base, oldest first."""
        from jianghua.evals.golds import accepted
        return accepted(self.kb)

    def pending_changes(self) -> dict | None:
        """The documents the newest version adds, replaces and removes against the serving one (None when the
        newest version serves)."""
        from jianghua.evals.review import document_changes
        head, serving = self.kb.head(), self.kb.serving()
        if head is None or serving is None or head == serving:
            return None
        return document_changes(self.kb.documents(serving), self.kb.documents(head))

    def rollback(self) -> dict:
        """Serve the version that served before the last promotion."""
        from jianghua.index.versions import rollback
        return rollback(self.kb)

    def prune(self, keep: int) -> dict:
        """Delete all but the newest ``keep`` versions (never the serving one) and the data only they used."""
        from jianghua.index.versions import prune
        return prune(self.kb, keep)
