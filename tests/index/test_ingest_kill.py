"""Kill safety: `jianghua ingest` killed with SIGKILL at any moment leaves a knowledge base that opens, lists, searches
its earlier version, and finishes the job on a rerun; a run killed while embedding resumes where it stopped."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jianghua.index.embedding import pending_texts
from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
from jianghua.index.vectors import FaissVectorIndex
from jianghua import cli
from jianghua.settings import Settings
from jianghua.samples import SEEDS

GENRE = Path("/work/shared/corpus/genre")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


def ingest_cmd(kb: Path, folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "jianghua.cli", "ingest", str(folder), "--kb", str(kb), "--quiet", *extra]


def run_env() -> dict:
    env = dict(os.environ)
    env.pop("JIANGHUA_KB", None)
    env["JIANGHUA_THREADS"] = "2"
    return env


def copy_tree(src: Path, dst: Path) -> None:
    """A copy of a closed knowledge-base directory (with its -wal file, if any)."""
    shutil.copytree(src, dst)


def check_after_kill(kb_dir: Path, baseline: set[str], n_new: int, capsys) -> str:
    """The invariants a kill must not break. Returns what state the kill left ("before" or "after" the commit)."""
    con = sqlite3.connect(kb_dir / "store.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    manifest = json.loads((kb_dir / "manifest.json").read_text(encoding="utf-8"))   # written atomically: never torn
    assert manifest["serving"] == 1
    kb = KnowledgeBase.open(Settings(kb=kb_dir, dense_weight=0.0))
    try:
        assert kb.serving() == 1
        # version 1 is intact and searchable
        assert {d["doc_id"] for d in kb.documents(1)} == baseline
        assert all(d["chunks"] > 0 for d in kb.documents(1))
        hits = HybridSearcher(kb).search("软弱涣散村级党组织整顿", k=5).hits
        assert hits and {h.chunk.doc_id for h in hits} <= baseline
        head = kb.head()
        if head == 1:
            state = "before"
        else:                                     # the new version committed: then it is complete
            assert head == 2
            docs = kb.documents(2)
            assert len(docs) == len(baseline) + n_new and all(d["chunks"] > 0 for d in docs)
            state = "after"
    finally:
        kb.close()
    # the CLI lists the documents
    capsys.readouterr()
    assert cli.main(["docs", "--kb", str(kb_dir), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["doc_id"] for d in listed} == baseline
    return state


@pytest.mark.skipif(not GENRE.is_dir(), reason="the genre corpus is not on this machine")
def test_sigkill_during_keyword_ingest(tmp_path, capsys):
    folder = tmp_path / "genre"
    folder.mkdir()
    files = sorted(GENRE.rglob("*.txt"))[::13]          # ~20 documents from every part of the corpus
    for f in files:
        shutil.copy(f, folder / f.name)
    base = tmp_path / "base"
    kb = KnowledgeBase.open(Settings(kb=base), create=True)
    kb.ingest([SEEDS], progress=False, embed=False)
    baseline = {d["doc_id"] for d in kb.documents()}
    baseline_chunks = kb.store.conn().execute("SELECT count(*) FROM chunks").fetchone()[0]
    kb.store.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kb.close()

    # how long an uninterrupted run takes here and now
    timed = tmp_path / "timed"
    copy_tree(base, timed)
    t0 = time.monotonic()
    done = subprocess.run(ingest_cmd(timed, folder, "--no-embed"), env=run_env(), capture_output=True, timeout=600)
    total = time.monotonic() - t0
    assert done.returncode == 0, done.stderr.decode()[-2000:]

    states, phases = [], []
    for i, frac in enumerate((0.1, 0.3, 0.5, 0.65, 0.8, 0.9, "rows", None)):
        kb_dir = tmp_path / f"kill{i}"
        copy_tree(base, kb_dir)
        p = subprocess.Popen(ingest_cmd(kb_dir, folder, "--no-embed"), env=run_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if isinstance(frac, float):
            time.sleep(total * frac)
            phases.append("writing" if write_locked(kb_dir / "store.sqlite") else "not writing")
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
        elif frac == "rows":                       # as soon as chunk rows are written ahead of the version
            while p.poll() is None and chunk_count(kb_dir / "store.sqlite") == baseline_chunks:
                time.sleep(0.002)
            ahead = p.poll() is None and version_count(kb_dir / "store.sqlite") == 1
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
            phases.append("rows written ahead" if ahead and version_count(kb_dir / "store.sqlite") == 1
                          else "finished")
        else:                                      # the last one: as soon as the new version is committed
            while p.poll() is None and version_count(kb_dir / "store.sqlite") < 2:
                time.sleep(0.005)
            phases.append("committed" if p.poll() is None else "finished")
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        states.append(check_after_kill(kb_dir, baseline, len(files), capsys))
        # a rerun completes and leaves the new version complete, as a candidate
        rerun = subprocess.run(ingest_cmd(kb_dir, folder, "--no-embed", "--json"), env=run_env(),
                               capture_output=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
        report = json.loads(rerun.stdout)
        kb = KnowledgeBase.open(Settings(kb=kb_dir, dense_weight=0.0))
        assert kb.head() == 2 and kb.serving() == 1
        assert len(kb.documents("head")) == len(baseline) + len(files)
        assert (report["version"] == 2) == (states[-1] == "before")
        assert HybridSearcher(kb).search("政府工作报告", k=5, version="head").hits
        kb.close()
    print(f"\nuninterrupted run {total:.1f}s; killed while {phases}; left the new version {states}")
    # chunking and tokenising happen before the (short) version transaction: kills land while chunk rows are
    # written ahead, and a rerun builds on them
    assert "rows written ahead" in phases


def write_locked(db: Path) -> bool:
    """Whether another process holds the write lock (it is inside a write transaction)."""
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        con.close()


def chunk_count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    try:
        return con.execute("SELECT count(*) FROM chunks").fetchone()[0]
    finally:
        con.close()


def version_count(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    try:
        return con.execute("SELECT count(*) FROM versions").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def test_sigkill_during_embedding_resumes(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("全面从严治党表态发言", "市领导在基层党组织书记述职评议会议上的讲话", "在区直机关党建推进会上的讲话"):
        shutil.copy(SEEDS / f"{name}.txt", folder / f"{name}.txt")
    kb_dir = tmp_path / "kb"
    p = subprocess.Popen(ingest_cmd(kb_dir, folder), env=run_env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    db = kb_dir / "store.sqlite"
    deadline = time.monotonic() + 900
    n = 0
    try:
        while time.monotonic() < deadline and p.poll() is None:
            if db.exists():
                try:
                    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                    n = con.execute("SELECT count(*) FROM vectors").fetchone()[0]
                    con.close()
                except sqlite3.OperationalError:
                    n = 0                                # created, but the tables are not there yet
                if n > 0:                                # the first batch is committed: kill in the next one
                    break
            time.sleep(0.1)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    assert p.returncode == -signal.SIGKILL, "the ingest finished before it could be killed while embedding"
    assert n > 0

    kb = KnowledgeBase.open(Settings(kb=kb_dir, threads=2))
    try:
        total = kb.store.conn().execute("SELECT count(DISTINCT text_hash) FROM chunks").fetchone()[0]
        assert len(kb.documents()) == 3
        missing = len(pending_texts(kb.store))
        embedded = kb.store.conn().execute("SELECT count(*) FROM vectors").fetchone()[0]
        assert 0 < missing and 0 < embedded and missing + embedded == total
        # the FAISS file may be missing or behind the table: the mirror rebuilds it to match
        ids = {r[0] for r in kb.store.conn().execute("SELECT id FROM vectors")}
        assert set(kb.mirror.load().ids().tolist()) == ids
        res = HybridSearcher(kb).search("软弱涣散村级党组织整顿", k=5)
        assert res.hits and res.trace["embedded"] == embedded and "note" in res.trace
    finally:
        kb.close()
    capsys.readouterr()
    assert cli.main(["docs", "--kb", str(kb_dir), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3

    rerun = subprocess.run(ingest_cmd(kb_dir, folder, "--json"), env=run_env(), capture_output=True, timeout=900)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    report = json.loads(rerun.stdout)
    assert report["version"] is None and len(report["unchanged"]) == 3
    assert report["embedded"] == missing                        # only what the killed run had not embedded

    kb = KnowledgeBase.open(Settings(kb=kb_dir, threads=2))
    try:
        assert pending_texts(kb.store) == []
        ids = {r[0] for r in kb.store.conn().execute("SELECT id FROM vectors")}
        assert len(ids) == total
        assert set(FaissVectorIndex.load(kb_dir / "vectors.faiss", kb.embedder.dim).ids().tolist()) == ids
        assert "note" not in HybridSearcher(kb).search("软弱涣散村级党组织整顿", k=5).trace
    finally:
        kb.close()
