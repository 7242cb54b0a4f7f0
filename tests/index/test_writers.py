"""Concurrent writers (index/writing.py, index/store.py): two `jianghua ingest` processes on one knowledge base
never lose each other's documents; a writer that finds the write lock taken waits and says so."""
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.index.store import Store
from jianghua.index.versions import promote, rollback
from jianghua.ingest.documents import load_document
from jianghua.errors import BusyError, VersionError
from jianghua.settings import Settings
from jianghua.samples import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
ROOT = Path(__file__).resolve().parents[2]


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("JIANGHUA_")}
    e["JIANGHUA_THREADS"] = "1"
    return e


def ingest_cmd(kb: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "jianghua.cli", "ingest", str(folder), "--kb", str(kb), "--quiet", "--no-embed",
            "--json"]


def variant_folder(folder: Path, tag: str, n: int = 3) -> list[str]:
    """``n`` seed speeches, each with a line of its own appended (new content: new documents); their ids."""
    folder.mkdir(parents=True)
    ids = []
    for f in SEED_FILES[:n]:
        dst = folder / f.name
        dst.write_text(f.read_text(encoding="utf-8") + f"\n（{tag}）本文为第{tag}份测试稿。\n", encoding="utf-8")
        ids.append(load_document(dst).id)
    return ids


def test_two_concurrent_ingest_processes_never_lose_a_batch(tmp_path):
    kb_dir = tmp_path / "kb"
    kb = KnowledgeBase.open(Settings(kb=kb_dir, dense_weight=0.0), create=True)
    kb.ingest([SEEDS], progress=False, embed=False)
    expected = set(kb.version_docs(kb.head()))
    kb.close()
    for round_ in range(10):
        a = variant_folder(tmp_path / f"a{round_}", f"{round_}A")
        b = variant_folder(tmp_path / f"b{round_}", f"{round_}B")
        procs = [subprocess.Popen(ingest_cmd(kb_dir, tmp_path / f"{x}{round_}"), env=env(), cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for x in "ab"]
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, err.decode()[-2000:]
            assert len(json.loads(out)["added"]) == 3
        expected |= set(a) | set(b)
        kb = KnowledgeBase.open(Settings(kb=kb_dir, dense_weight=0.0))
        head = kb.head()
        assert kb.version_docs(head) == expected, f"round {round_}: a batch was lost"
        versions = {v["version"]: v for v in kb.store.versions()}
        assert versions[head]["parent"] == head - 1          # each version built on the one before it
        assert {d["doc_id"] for d in kb.documents("head")} == expected and \
            all(d["chunks"] > 0 for d in kb.documents("head"))
        kb.close()


def hold_write_lock(db: Path, release: threading.Event, started: threading.Event, most_s: float = 8.0) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    started.set()
    release.wait(most_s)
    con.execute("ROLLBACK")
    con.close()


def test_a_second_writer_waits_with_a_message_instead_of_failing(tmp_path):
    kb_dir = tmp_path / "kb"
    KnowledgeBase.open(Settings(kb=kb_dir, dense_weight=0.0), create=True).close()
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(kb_dir / "store.sqlite", release, started, 300.0))
    holder.start()
    started.wait(10)
    p = subprocess.Popen(ingest_cmd(kb_dir, SEEDS), env=env(), cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        first = p.stderr.readline().decode()          # the writer says it waits …
    finally:
        release.set()                                 # … and carries on once the lock is free
        holder.join()
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err.decode()[-2000:]
    assert "another process is writing to" in first and "waiting" in first
    assert "database is locked" not in err.decode()
    assert len(json.loads(out)["added"]) == len(SEED_FILES)


def test_a_writer_gives_up_with_busy_error_after_its_wait(tmp_path):
    kb_dir = tmp_path / "kb"
    KnowledgeBase.open(Settings(kb=kb_dir, dense_weight=0.0), create=True).close()
    started = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(kb_dir / "store.sqlite", threading.Event(), started))
    holder.start()
    started.wait(10)
    said = []
    st = Store(kb_dir / "store.sqlite", lock_wait_s=3.0, on_wait=said.append)
    try:
        with pytest.raises(BusyError, match="正被另一个进程写入"):
            with st.transaction():
                pass
    finally:
        holder.join()
        st.close()
    assert len(said) == 1


def passing_gate(kb, candidate, serving, progress):
    return True, {"message": "test gate: always passes"}


def test_promote_refuses_when_serving_moved_during_its_gate(tmp_path):
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    kb.ingest([SEED_FILES[0]], progress=False, embed=False)
    kb.ingest([SEED_FILES[1]], progress=False, embed=False)
    kb.ingest([SEED_FILES[2]], progress=False, embed=False)
    other = KnowledgeBase.open(kb.settings)                  # another writer, as from another process

    def gate_while_other_promotes(kb_, candidate, serving, progress):
        promote(other, 2, gate=passing_gate)
        return True, {}

    with pytest.raises(VersionError, match="另一个进程"):
        promote(kb, 3, gate=gate_while_other_promotes)
    assert kb.serving() == 2 and kb.store.get_state("history") == [1]
    assert rollback(kb) == {"serving": 1, "serving_before": 2}
    other.close()
    kb.close()
