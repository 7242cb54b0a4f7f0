"""The application object: one knowledge base, its searcher and assistant. The CLI, the API and the page call this
and nothing below it."""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Callable, Iterator

from jianghua.errors import BusyError, InputError
from jianghua.settings import Settings


class Jianghua:
    """Cheap to construct; opens the knowledge base on first use."""

    def __init__(self, settings: Settings | None = None, create: bool = True):
        self.settings = settings or Settings.from_env()
        self.create = create
        self._kb = None
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
        from jianghua.assistant.export import draft_to_docx
        return draft_to_docx(self.draft(topic, occasion, length), topic)

    def documents(self) -> list[dict]:
        if self.kb.serving() is None:
            return []
        return self.kb.documents()

    def ingest_paths(self, paths: list[Path], progress: bool = False, sources: dict[str, str] | None = None) -> dict:
        """Ingest files. With the background embedder running, documents are keyword-searchable as soon as this
        returns and dense vectors follow; without it, embedding happens here."""
        background = self._worker is not None and self._worker.is_alive()
        embed_now = not background and self.settings.dense_weight > 0
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

    def versions(self) -> list[dict]:
        """Every knowledge-base version, oldest first, each with ``serving`` true for the one being served."""
        from jianghua.index.versions import list_versions
        return [{k: v for k, v in row.items() if k != "settings"} for row in list_versions(self.kb)]

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
                 progress_cb: Callable[[int, int], None] | None = None) -> dict:
        """Evaluate ``version`` (default: the serving one) on ``set_path`` (default: the configured set); with
        ``against``, that version too and the comparison (deltas: version − against). ``progress_cb(done, total)``
        counts the queries and drafts of all runs."""
        from jianghua.evals.data import configured_set, load_set
        from jianghua.evals.runner import compare, run_eval, to_json, to_markdown
        with self._one_evaluation():
            es = load_set(set_path if set_path is not None else configured_set(self.settings))
            runs = [self.kb.resolve(version)] + ([self.kb.resolve(against)] if against is not None else [])

            def on_step(i: int):
                return None if progress_cb is None else lambda done, total: progress_cb(i * total + done,
                                                                                        len(runs) * total)
            results = [run_eval(self, es, version=v, progress=False, on_step=on_step(i)) for i, v in enumerate(runs)]
        if against is None:
            return {"result": to_json(results[0]), "comparison": None, "markdown": to_markdown(results[0])}
        cmp = compare(results[1], results[0])
        return {"result": to_json(results[0]), "comparison": to_json(cmp, rows=False), "markdown": to_markdown(cmp)}

    def promote(self, version=None, force: bool = False) -> dict:
        """Serve ``version`` (default: the newest) if the evaluation gate passes it (or ``force``); GateError
        (with the gate's report) if not. Searches and answers follow on their next request."""
        from jianghua.index.versions import promote
        with self._one_evaluation():
            return promote(self.kb, version, force=force, progress=False)

    def rollback(self) -> dict:
        """Serve the version that served before the last promotion."""
        from jianghua.index.versions import rollback
        return rollback(self.kb)
