"""The server-protocol path (JIANGHUA_MILVUS_URI=http://…): the same backend code against a real Milvus 2.3.5
standalone server (the ``milvus`` PyPI package runs its binary on loopback). Milvus 2.3 has no BM25 function, so the
collection holds the dense side and the keyword list comes from the SQLite postings; versions select by span."""
import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
from tests.conftest import copy_kb
from tests.index.test_milvus_agreement import agreement

milvus = pytest.importorskip("milvus")


@pytest.fixture(scope="module")
def server_uri(tmp_path_factory):
    server = milvus.MilvusServer()
    server.set_base_dir(str(tmp_path_factory.mktemp("milvus-server")))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()


def test_server_backend_versions_and_agreement(seed_kb, server_uri, tmp_path):
    copy_kb(seed_kb, tmp_path / "kb")
    kb = KnowledgeBase.open(seed_kb.settings.with_(kb=tmp_path / "kb", backend="milvus", milvus_uri=server_uri),
                            embedder=seed_kb.embedder)
    try:
        searcher = HybridSearcher(kb)
        res = searcher.search("软弱涣散村级党组织整顿", 5)
        assert not kb.mirror.bm25 and kb.mirror.client().get_server_version().startswith("v2.3")
        assert res.trace["embedded"] == res.trace["chunks"] == len(kb.store.version_rows(1))
        assert kb.mirror.rows(1) == kb.store.version_rows(1)
        # dense candidates come from the server; keyword from SQLite: the seed questions agree with embedded
        same = agreement(HybridSearcher(seed_kb), searcher)
        print(f"\nMilvus 2.3.5 server vs embedded: same gold top-5 {same['same_gold_top5']:.3f}, "
              f"same top-5 set {same['same_top5_set']:.3f}")
        assert same["same_gold_top5"] >= 0.95
        # a removal is a new version: the server selects it by span, the serving version is unchanged
        gone = res.hits[0].chunk.doc_id
        v2 = kb.remove(gone)
        assert kb.mirror.rows(v2) == kb.store.version_rows(v2) and kb.mirror.rows(1) == kb.store.version_rows(1)
        dense2 = searcher.search("软弱涣散村级党组织整顿", 20, version=v2, mode="dense").hits
        assert dense2 and gone not in {h.chunk.doc_id for h in dense2}
        assert gone in {h.chunk.doc_id for h in searcher.search("软弱涣散村级党组织整顿", 20, mode="dense").hits}
    finally:
        kb.close()
