"""Chunking and tokenising a large batch of documents on every core.

jieba is pure Python, so one process tokenises on one core: the whole 新闻联播 corpus (73,873 items, 166,712
chunks) took 676 CPU-seconds in one process, jieba about 70 % of it. For a batch of at least ``PARALLEL_MIN_DOCS``
new documents, worker processes (``python -m jianghua.index.parallel``) chunk and tokenise while the calling
process writes the rows; below it, starting the workers (each loads jieba's dictionary, ≈ 1 s) costs more than it
saves. Workers speak JSON lines over stdin/stdout — nothing else crosses the process boundary, and no caller's
``__main__`` is re-run (as ``multiprocessing``'s spawn would). A worker that dies or misbehaves costs only time:
the documents it had not answered for are done in the calling process.

The rows are the same as the single-process path's (``index.writing``): the same chunker, the same tokenizer
(rebuilt in each worker from the same lexicon terms, so the same signature), the same keys.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from typing import Callable, Iterator

from jianghua.index.tokenize import Tokenizer
from jianghua.errors import DocumentLoadError
from jianghua.index.store import Store
from jianghua.index.writing import (FILE_BUDGET_S, ROWS_PER_TRANSACTION, chunk_key, passage_row, timed_chunks,
                                    write_chunk_rows, write_prepared_rows)
from jianghua.ingest.chunking import ChunkerSettings
from jianghua.records import Chunk, Document

log = logging.getLogger(__name__)

PARALLEL_MIN_DOCS = 64
DOCS_PER_TASK = 16
IN_FLIGHT = 4               # tasks queued per worker: memory stays flat however large the batch


def worker_count(n_docs: int, configured: int = -1) -> int:
    """How many worker processes for ``n_docs`` new documents: 0 (tokenise here) below ``PARALLEL_MIN_DOCS``;
    else ``configured`` (the ``ingest_workers`` setting: 0 turns the workers off), or with -1 one per core (none
    on one core)."""
    if n_docs < PARALLEL_MIN_DOCS or configured == 0:
        return 0
    if configured > 0:
        return configured
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return n if n >= 2 else 0


def doc_rows(doc: Document, chunker: ChunkerSettings, tok: Tokenizer, budget_s: float) -> tuple[list | None, str | None]:
    """``doc``'s rows as ``index.writing.passage_row`` makes them, or (None, the error) past ``budget_s``."""
    try:
        return [passage_row(chunk_key(ch, tok), ch, tok) for ch in timed_chunks(doc, chunker, budget_s)], None
    except DocumentLoadError as e:
        return None, str(e)


def _doc_json(d: Document) -> dict:
    return {"id": d.id, "title": d.title, "source": d.source, "text": d.text, "date": d.date,
            "speaker": d.speaker, "occasion": d.occasion, "meta": d.meta or None}


def _doc_of(d: dict) -> Document:
    return Document(d["id"], d["title"], d["source"], d["text"], d["date"], d["speaker"], d["occasion"],
                    d["meta"] or {})


def _rows_json(rows: list | None) -> list | None:
    return None if rows is None else [[k, ch.id, ch.start, ch.end, ch.text, section, h, tokens]
                                      for k, ch, section, h, tokens in rows]


def _rows_of(doc_id: str, rows: list | None) -> list | None:
    return None if rows is None else [(k, Chunk(cid, doc_id, text, tuple(json.loads(section)), start, end),
                                       section, h, tokens) for k, cid, start, end, text, section, h, tokens in rows]


class _Worker:
    """One worker process; a thread feeds it tasks — slices of documents, at most ``IN_FLIGHT`` unanswered — and a
    thread reads its answers into the shared queue."""

    def __init__(self, n: int, init: dict, answers: queue.Queue):
        self.n, self.answers = n, answers
        self.proc = subprocess.Popen([sys.executable, "-m", "jianghua.index.parallel"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     encoding="utf-8", bufsize=1 << 16)
        self.slots = threading.Semaphore(IN_FLIGHT)
        self.tasks: queue.Queue = queue.Queue()
        self.init = json.dumps(init, ensure_ascii=False)
        threading.Thread(target=self._feed, daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()

    def _feed(self) -> None:
        try:
            self.proc.stdin.write(self.init + "\n")
            while (task := self.tasks.get()) is not None:
                self.slots.acquire()              # made into JSON only when it is sent: memory stays flat
                self.proc.stdin.write(json.dumps([_doc_json(d) for d in task], ensure_ascii=False) + "\n")
                self.proc.stdin.flush()
        except (OSError, ValueError) as e:      # the worker is gone, or a text it cannot be sent
            log.warning("ingest worker %d: %s", self.n, e)
        finally:                                # the worker ends when its input does: the reader reports it
            try:
                self.proc.stdin.close()
            except (OSError, ValueError):
                pass

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.answers.put((self.n, line))
        self.answers.put((self.n, None))

    def stop(self) -> None:
        """Every answer is in (or the caller stopped reading): nothing of the worker's is needed any more."""
        self.tasks.put(None)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def prepared_rows(docs: list[Document], chunker: ChunkerSettings, tok: Tokenizer, workers: int,
                  budget_s: float) -> Iterator[tuple[str, list | None, str | None]]:
    """(document id, its rows in order, or None with the error) for every document of ``docs``, chunked and
    tokenised by ``workers`` processes; in the order they finish."""
    init = {"size": chunker.size, "overlap": chunker.overlap, "terms": tok.terms, "budget_s": budget_s}
    answers: queue.Queue = queue.Queue()
    pool = [_Worker(i, init, answers) for i in range(workers)]
    left = {d.id for d in docs}
    for n, i in enumerate(range(0, len(docs), DOCS_PER_TASK)):
        pool[n % workers].tasks.put(docs[i:i + DOCS_PER_TASK])
    for w in pool:
        w.tasks.put(None)                       # after its last task the worker's input ends
    alive = workers
    try:
        while alive and left:
            n, line = answers.get()
            if line is None:
                alive -= 1
                continue
            try:
                answer = json.loads(line)
            except ValueError:
                log.warning("ingest worker %d answered with something other than JSON: stopping it", n)
                pool[n].proc.kill()
                continue
            pool[n].slots.release()
            for doc_id, rows, error in answer:
                if doc_id in left:
                    left.discard(doc_id)
                    yield doc_id, _rows_of(doc_id, rows), error
    finally:
        for w in pool:
            w.stop()
    if left:
        log.warning("ingest workers stopped before %d documents: chunking them here", len(left))
        for d in docs:
            if d.id in left:
                rows, error = doc_rows(d, chunker, tok, budget_s)
                yield d.id, rows, error


def chunk_documents(store: Store, docs: list[Document], chunker: ChunkerSettings, tok: Tokenizer, workers: int,
                    budget_s: float = FILE_BUDGET_S, tick: Callable[[int], object] | None = None
                    ) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Write the chunk rows of ``docs`` ahead of their version — chunked and tokenised by ``workers`` processes,
    or here when 0 — and return their chunk keys by document id, and (source, error) of each document that failed
    (over its time budget: it fails alone). ``tick(1)`` after each document."""
    keys: dict[str, list[str]] = {}
    failed: list[tuple[str, str]] = []
    if workers:
        sources = {d.id: d.source for d in docs}
        ready: list[tuple] = []
        for doc_id, rows, error in prepared_rows(docs, chunker, tok, workers, budget_s):
            if rows is None:
                failed.append((sources[doc_id], error))
            else:
                keys[doc_id] = [r[0] for r in rows]
                ready += rows
                if len(ready) >= ROWS_PER_TRANSACTION:        # rows of several documents per transaction
                    write_prepared_rows(store, ready)
                    ready = []
            if tick is not None:
                tick(1)
        write_prepared_rows(store, ready)
        return keys, failed
    for d in docs:
        try:
            keys[d.id] = write_chunk_rows(store, d, chunker, tok, budget_s)
        except DocumentLoadError as e:
            failed.append((d.source, str(e)))
        if tick is not None:
            tick(1)
    return keys, failed


def main() -> None:
    """The worker: an init line, then one line of documents in, one line of their rows out, until stdin ends."""
    init = json.loads(sys.stdin.readline())
    chunker = ChunkerSettings(size=init["size"], overlap=init["overlap"])
    tok = Tokenizer(init["terms"])
    out = sys.stdout
    for line in sys.stdin:
        answer = []
        for d in json.loads(line):
            rows, error = doc_rows(_doc_of(d), chunker, tok, init["budget_s"])
            answer.append([d["id"], _rows_json(rows), error])
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
