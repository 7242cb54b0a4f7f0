"""One contract for every search backend: embedded (SQLite + BM25 + FAISS) and Milvus Lite (index/milvus_store.py)
run the same cases — ingest, update, remove, versions, promote, rollback, prune, hybrid search, kill during ingest.

Data: the seed knowledge base (five real speeches, real e5fast vectors), copied and opened with each backend (the
Milvus collection is built from the store on first use), and real 2020 speeches from the genre corpus as new text.
Every expectation is derived from that data (a passage's own words must find it; a version must not show a passage
it does not hold), none is written by hand.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
from jianghua.index.versions import promote, prune, rollback
from tests.conftest import copy_kb

pytest.importorskip("milvus_lite")
GENRE = Path("/work/shared/corpus/genre/xi_speeches_2020_jhsjk")
BACKENDS = ["embedded", "milvus"]


def pass_gate(kb, candidate, serving, progress):
    return True, {"message": "the evaluation gate is tested in test_milvus_gate.py"}


@pytest.fixture(params=BACKENDS)
def kb(request, seed_kb, tmp_path):
    dst = tmp_path / "kb"
    copy_kb(seed_kb, dst)
    kb = KnowledgeBase.open(seed_kb.settings.with_(kb=dst, backend=request.param), embedder=seed_kb.embedder)
    yield kb
    kb.close()


def spans(kb, version, n_per_doc=3, width=24):
    """(chunk row, doc id, a span of its text) for a few passages of each document of ``version``."""
    out = []
    rows = sorted(kb.store.version_rows(version))
    data = kb.store.passages(rows)
    by_doc: dict[str, list[int]] = {}
    for r in rows:
        by_doc.setdefault(data[r][0], []).append(r)
    for doc, rs in sorted(by_doc.items()):
        for r in rs[1::max(1, len(rs) // n_per_doc)][:n_per_doc]:
            text = data[r][2]
            mid = max(0, len(text) // 2 - width // 2)
            out.append((r, doc, text[mid:mid + width]))
    return out


def consistent(kb) -> None:
    """The backend selects exactly each version's chunk rows, with a vector where the store has one."""
    if kb.settings.backend != "milvus":
        return
    for v in kb.store.version_numbers():
        assert kb.mirror.rows(v) == kb.store.version_rows(v), f"version {v}"
        assert kb.mirror.count(v, embedded=True) == kb.store.embedded_in(v), f"version {v}"


def rows_of(hits):
    return [h.chunk.meta["row"] for h in hits]


def new_text(i: int = 0) -> tuple[Path, str]:
    files = sorted(GENRE.glob("*.txt"), key=lambda f: f.stat().st_size)
    f = files[i]
    para = next(p for p in f.read_text(encoding="utf-8").split("\n") if len(p.strip()) >= 60)
    return f, para.strip()


@pytest.mark.skipif(not GENRE.is_dir(), reason="the genre corpus is not on this machine")
def test_ingest_finds_every_passage_by_its_own_words(kb):
    searcher = HybridSearcher(kb)
    v = kb.serving()
    cases = spans(kb, v)
    for mode, share in (("keyword", 0.9), ("hybrid", 0.8)):       # measured: 15/15 and 13/15 embedded
        found = sum(r in rows_of(searcher.search(q, 5, mode=mode).hits) for r, _, q in cases)
        assert found >= share * len(cases), (mode, found, len(cases))
    # a new document: searchable in the new version
    f, para = new_text()
    report = kb.ingest([f], progress=False)
    assert report.added and report.version == 2
    consistent(kb)
    top = searcher.search(para[:40], 5, version=2, mode="keyword").hits
    assert any(para[:40] in h.chunk.text for h in top)
    assert not any(para[:40] in h.chunk.text for h in searcher.search(para[:40], 5, version=1).hits)


@pytest.mark.skipif(not GENRE.is_dir(), reason="the genre corpus is not on this machine")
def test_update_remove_promote_rollback_prune(kb, tmp_path):
    searcher = HybridSearcher(kb)
    docs = kb.documents()
    target = docs[0]
    # update: the document with a paragraph of another speech appended, ingested under its own source name
    _, para = new_text(1)
    changed = tmp_path / Path(target["source"]).name
    changed.write_text(kb.document(target["doc_id"]).text + "\n" + para + "\n", encoding="utf-8")
    report = kb.ingest([changed], progress=False, sources={str(changed): target["source"]})
    assert report.replaced == [target["source"]] and report.version == 2 and kb.serving() == 1
    consistent(kb)
    q = para[:40]
    assert any(q in h.chunk.text for h in searcher.search(q, 5, version=2, mode="keyword").hits)
    assert not any(q in h.chunk.text for h in searcher.search(q, 5).hits)          # serving: still version 1
    # remove another document
    gone = docs[1]["doc_id"]
    gone_cases = [c for c in spans(kb, 1) if c[1] == gone]
    v3 = kb.remove(gone)
    consistent(kb)
    for _, _, text in gone_cases:
        assert gone not in {h.chunk.doc_id for h in searcher.search(text, 10, version=v3).hits}
        assert gone in {h.chunk.doc_id for h in searcher.search(text, 10, version=2).hits}
    # promote version 3, then roll back to 1: serving follows, nothing is rewritten
    promote(kb, v3, gate=pass_gate)
    assert kb.serving() == v3
    assert any(q in h.chunk.text for h in searcher.search(q, 5, mode="keyword").hits)
    assert all(h.chunk.doc_id != gone for h in searcher.search(gone_cases[0][2], 10).hits)
    rollback(kb)
    assert kb.serving() == 1
    assert not any(q in h.chunk.text for h in searcher.search(q, 5).hits)
    assert gone in {h.chunk.doc_id for h in searcher.search(gone_cases[0][2], 10).hits}
    consistent(kb)
    # prune to the newest version (and the serving one): the others' passages are gone, the kept ones unchanged
    res = prune(kb, keep=1)
    assert res["removed_versions"] == [2]
    consistent(kb)
    if kb.settings.backend == "milvus":
        live = {v for v in kb.store.version_numbers()}
        left = kb.mirror._query("pk >= 0", ["first_v", "last_v"])
        assert all(any(e["first_v"] <= v <= e["last_v"] for v in live) for e in left)


def test_hybrid_dense_and_filters(kb):
    searcher = HybridSearcher(kb)
    v = kb.serving()
    cases = spans(kb, v, n_per_doc=2)
    both = 0
    for r, doc, text in cases:
        hy = searcher.search(text, 5)
        assert hy.trace["embedded"] == hy.trace["chunks"] == len(kb.store.version_rows(v))
        dense = rows_of(searcher.search(text, 10, mode="dense").hits)
        assert len(dense) == 10 and len(set(dense)) == 10
        both += any(h.keyword_rank and h.dense_rank for h in hy.hits)
        scoped = searcher.search(text, 5, doc_id=doc).hits
        assert scoped and {h.chunk.doc_id for h in scoped} == {doc} and r in rows_of(scoped)
    assert both >= 0.8 * len(cases)          # fusion: most top lists hold passages both searches found


def _ingest_cmd(kb_dir: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "jianghua.cli", "ingest", str(folder), "--kb", str(kb_dir), "--quiet"]


def _count(kb_dir: Path, table: str) -> int:
    con = sqlite3.connect(kb_dir / "store.sqlite", timeout=30)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _vectors(kb_dir: Path) -> int:
    return _count(kb_dir, "vectors")


def _versions(kb_dir: Path) -> int:
    return _count(kb_dir, "versions")


@pytest.mark.skipif(not GENRE.is_dir() or os.name != "posix", reason="needs the genre corpus and SIGKILL")
@pytest.mark.parametrize("when", ["embedding", "committed"])
def test_kill_during_ingest_then_reopen(kb, tmp_path, when):
    """SIGKILL a `jianghua ingest` of new speeches (while it embeds, or right after its version commits, when the
    Milvus sync may be half done); reopen: version 1 is intact, a rerun finishes, every version is consistent."""
    searcher = HybridSearcher(kb)
    searcher.search("软弱涣散", 5)                        # the backend in step with version 1 before the kill
    consistent(kb)
    folder = tmp_path / "new"
    folder.mkdir()
    for f in sorted(GENRE.glob("*.txt"), key=lambda f: f.stat().st_size)[2:6]:
        (folder / f.name).write_bytes(f.read_bytes())
    base_vectors = _vectors(kb.dir)
    kb.close()
    env = {**os.environ, "JIANGHUA_BACKEND": kb.settings.backend, "JIANGHUA_THREADS": "1"}
    env.pop("JIANGHUA_KB", None)
    p = subprocess.Popen(_ingest_cmd(kb.dir, folder), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while p.poll() is None and time.monotonic() < deadline:
        if when == "embedding" and _vectors(kb.dir) >= base_vectors + 3:
            break
        if when == "committed" and _versions(kb.dir) >= 2:
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    again = KnowledgeBase.open(kb.settings, embedder=kb.embedder)
    try:
        assert again.serving() == 1
        s = HybridSearcher(again)
        cases = spans(again, 1, n_per_doc=1)
        assert sum(r in rows_of(s.search(t, 5).hits) for r, _, t in cases) >= 0.8 * len(cases)
        again.mirror.refresh()
        consistent(again)
    finally:
        again.close()
    done = subprocess.run(_ingest_cmd(kb.dir, folder), env=env, capture_output=True, timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    final = KnowledgeBase.open(kb.settings, embedder=kb.embedder)
    try:
        assert final.head() == 2 and len(final.documents("head")) == 5 + 4
        assert final.stats()["embedded"] == final.stats()["chunks"]
        final.mirror.refresh()
        consistent(final)
        s = HybridSearcher(final)
        for r, doc, t in spans(final, 2, n_per_doc=1):
            assert r in rows_of(s.search(t, 5, version=2).hits) or doc in {h.chunk.doc_id for h in s.search(
                t, 5, version=2).hits}
    finally:
        final.close()
