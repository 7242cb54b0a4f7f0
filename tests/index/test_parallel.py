"""Chunking and tokenising in worker processes (index/parallel.py) writes what one process writes."""
import sqlite3
import sys
from pathlib import Path

import pytest

from jianghua.errors import InputError
from jianghua.index import parallel
from jianghua.index.kb import KnowledgeBase
from jianghua.settings import Settings

GENRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre" / "xi_speeches_12371_pages"
pytestmark = pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")


def ingest(tmp: Path, name: str, files: list[Path], workers: str, monkeypatch) -> Path:
    monkeypatch.setenv("JIANGHUA_INGEST_WORKERS", workers)
    kb = KnowledgeBase.open(Settings.from_env(kb=tmp / name), create=True)
    report = kb.ingest(files, progress=False, embed=False)
    assert not report.failed and len(report.added) == len(files)
    kb.close()
    return tmp / name / "store.sqlite"


def table(db: Path) -> tuple:
    c = sqlite3.connect(db)
    try:
        chunks = sorted(c.execute('SELECT key, id, doc_id, start, "end", section, text, text_hash, ntokens FROM chunks'))
        postings = sorted(c.execute("SELECT c.key, p.term, p.tf FROM postings p JOIN chunks c ON c.rowid = p.chunk"))
        version = sorted(r[0] for r in c.execute(
            "SELECT c.key FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk WHERE k.version = 1"))
        docs = sorted(r[0] for r in c.execute("SELECT doc_id FROM version_docs WHERE version = 1"))
        return chunks, postings, version, docs
    finally:
        c.close()


def test_workers_write_the_same_rows_as_one_process(tmp_path, monkeypatch):
    files = sorted(GENRE.glob("*.txt"))[:40]
    monkeypatch.setattr(parallel, "PARALLEL_MIN_DOCS", 1)
    one = table(ingest(tmp_path, "one", files, "0", monkeypatch))
    two = table(ingest(tmp_path, "two", files, "2", monkeypatch))
    assert len(one[3]) == len(files) and len(one[0]) > len(files)     # every speech, several chunks each
    assert one == two
    # the tokens are jieba's for the text, not empty: a speech about 党的建设 has the term
    assert any(term == "党的建设" or term == "建设" for _, term, _ in two[1])


def test_a_worker_that_cannot_start_costs_only_time(tmp_path, monkeypatch):
    files = sorted(GENRE.glob("*.txt"))[:20]
    monkeypatch.setattr(parallel, "PARALLEL_MIN_DOCS", 1)
    one = table(ingest(tmp_path, "one", files, "0", monkeypatch))
    monkeypatch.setattr(parallel.sys, "executable", "/bin/false")      # every worker exits at once
    try:
        broken = table(ingest(tmp_path, "broken", files, "2", monkeypatch))
    finally:
        monkeypatch.setattr(parallel.sys, "executable", sys.executable)
    assert broken == one


def test_worker_count(monkeypatch):
    assert parallel.worker_count(parallel.PARALLEL_MIN_DOCS - 1) == 0          # a small batch stays here
    assert parallel.worker_count(parallel.PARALLEL_MIN_DOCS, 3) == 3
    assert parallel.worker_count(10 ** 6, 0) == 0
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0})     # one core: no workers
    assert parallel.worker_count(10 ** 6) == 0
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert parallel.worker_count(10 ** 6) == 4
    monkeypatch.setenv("JIANGHUA_INGEST_WORKERS", "两个")
    with pytest.raises(InputError, match="JIANGHUA_INGEST_WORKERS"):
        Settings.from_env()
    monkeypatch.setenv("JIANGHUA_INGEST_WORKERS", "100")
    with pytest.raises(InputError, match="ingest_workers"):
        Settings.from_env()


def test_a_document_over_its_time_budget_fails_alone_in_a_worker():
    from jianghua.index.tokenize import get_tokenizer
    from jianghua.ingest.chunking import ChunkerSettings
    from jianghua.ingest.documents import document_from_text
    docs = [document_from_text(f.read_text(encoding="utf-8"), source=f.name) for f in sorted(GENRE.glob("*.txt"))[:4]]
    out = list(parallel.prepared_rows(docs, ChunkerSettings(), get_tokenizer(), 2, budget_s=-1.0))
    assert sorted(d for d, _, _ in out) == sorted(d.id for d in docs)
    assert all(rows is None and "切分和分词超过" in error for _, rows, error in out)
    ok = list(parallel.prepared_rows(docs, ChunkerSettings(), get_tokenizer(), 2, budget_s=60.0))
    assert all(rows and error is None for _, rows, error in ok)
