"""The knowledge base (index/kb.py, index/versions.py): ingest, re-ingest, replace, remove, prune, versions, bad input."""
import json
import shutil
from pathlib import Path

import pytest

from jianghua.index.embedding import pending_texts
from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
from jianghua.index.vectors import FaissVectorIndex
from jianghua.index.versions import list_versions, promote, prune
from jianghua.ingest.chunking import chunk_document
from jianghua.ingest.documents import document_from_text, load_document
from jianghua.errors import DocumentNotFoundError, IndexNotFoundError, VersionError
from jianghua.settings import Settings
from jianghua.samples import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
STATEMENT = SEEDS / "全面从严治党表态发言.txt"
CITY = SEEDS / "市领导在基层党组织书记述职评议会议上的讲话.txt"


def passing_gate(kb, candidate, serving, progress):
    """The promotion gate is evals' business (tests/evals/test_gate.py); these tests only need it to pass."""
    return True, {"message": "test gate: always passes"}


def keyword_kb(path: Path) -> KnowledgeBase:
    return KnowledgeBase.open(Settings(kb=path, dense_weight=0.0), create=True)


def table_counts(kb) -> dict:
    c = kb.store.conn()
    return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "chunks", "postings", "vectors", "versions", "version_chunks")}


def hit_docs(kb, query, version=None, mode="hybrid", k=20) -> set[str]:
    return {h.chunk.doc_id for h in HybridSearcher(kb).search(query, k=k, version=version, mode=mode).hits}


# -- the seed knowledge base ---------------------------------------------------------------------------------------
def test_seed_kb_holds_every_chunk_of_every_seed(seed_kb):
    docs = {d["source"]: d for d in seed_kb.documents()}
    assert sorted(Path(s).name for s in docs) == sorted(f.name for f in SEED_FILES)
    c = seed_kb.store.conn()
    for f in SEED_FILES:
        doc = load_document(f)
        expected = chunk_document(doc, seed_kb.chunker())
        rows = c.execute('SELECT id, start, "end", text, section FROM chunks WHERE doc_id=? ORDER BY start',
                         (doc.id,)).fetchall()
        assert [r[0] for r in rows] == [ch.id for ch in expected]
        assert [json.loads(r[4]) for r in rows] == [list(ch.section) for ch in expected]
        stored = seed_kb.document(doc.id)
        assert stored.text == doc.text
        for _, s, e, text, _ in rows:
            assert stored.text[s:e] == text
        assert docs[str(f)]["chunks"] == len(expected)


def test_seed_kb_is_fully_embedded_and_the_faiss_file_matches(seed_kb):
    st = seed_kb.stats()
    assert st["embedded"] == st["chunks"] > 0 and st["documents"] == 5
    assert pending_texts(seed_kb.store) == []
    c = seed_kb.store.conn()
    ids = sorted(r[0] for r in c.execute("SELECT id FROM vectors"))
    n_texts = c.execute("SELECT count(DISTINCT text_hash) FROM chunks").fetchone()[0]
    assert len(ids) == n_texts
    on_disk = FaissVectorIndex.load(seed_kb.dir / "vectors.faiss", seed_kb.embedder.dim)
    assert sorted(on_disk.ids().tolist()) == ids


def test_manifest_mirrors_the_store(seed_kb):
    m = json.loads((seed_kb.dir / "manifest.json").read_text(encoding="utf-8"))
    st = seed_kb.stats()
    assert m["embedder"] == {"name": seed_kb.embedder.name, "dim": seed_kb.embedder.dim}
    assert m["serving"] == st["serving"]
    assert m["counts"]["documents"] == 5 and m["counts"]["chunks"] == st["chunks"]
    assert sorted(m["documents"]) == sorted(d["doc_id"] for d in seed_kb.documents())
    assert m["chunker"]["size"] == seed_kb.settings.chunk_size
    assert not list(seed_kb.dir.glob("*.tmp"))


def test_reingest_unchanged_writes_nothing_and_embeds_nothing(seed_kb_copy):
    kb = seed_kb_copy
    before = table_counts(kb)
    report = kb.ingest([SEEDS], progress=False)
    assert report.version is None and report.embedded == 0
    assert sorted(report.unchanged) == sorted(str(f) for f in SEED_FILES)
    assert report.added == report.replaced == report.failed == []
    assert table_counts(kb) == before


def test_open_missing_kb(tmp_path):
    with pytest.raises(IndexNotFoundError, match="jianghua ingest"):
        KnowledgeBase.open(Settings(kb=tmp_path / "nothing"))
    assert not (tmp_path / "nothing").exists()


# -- a changed file ------------------------------------------------------------------------------------------------
OLD = "勇当“拼命三郎”和“施工队长”"
NEW = "勇当“排头兵”和“领头雁”"


def test_changed_file_is_replaced_and_its_old_chunks_leave_the_new_version(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for f in SEED_FILES:
        shutil.copy(f, folder / f.name)
    kb = keyword_kb(tmp_path / "kb")
    first = kb.ingest([folder], progress=False, embed=False)
    assert first.version == 1 and len(first.added) == 5
    old_id = next(d["doc_id"] for d in kb.documents() if d["source"] == str(folder / STATEMENT.name))
    text = (folder / STATEMENT.name).read_text(encoding="utf-8")
    assert OLD in text
    (folder / STATEMENT.name).write_text(text.replace(OLD, NEW), encoding="utf-8")

    report = kb.ingest([folder], progress=False, embed=False)
    assert report.replaced == [str(folder / STATEMENT.name)] and len(report.unchanged) == 4
    assert report.version == 2 and report.serving == 1                 # a candidate; version 1 still serves
    head = {d["doc_id"]: d for d in kb.documents("head")}
    assert len(head) == 5 and old_id not in head
    new_id = next(i for i, d in head.items() if d["source"] == str(folder / STATEMENT.name))
    assert OLD not in kb.document(new_id).text and NEW in kb.document(new_id).text
    # the new version never returns the old document; the serving one still does
    assert old_id not in hit_docs(kb, "拼命三郎 施工队长 表态发言", version="head", k=50)
    assert new_id in hit_docs(kb, "排头兵 领头雁", version="head")
    assert old_id in hit_docs(kb, "拼命三郎 施工队长")
    hits = HybridSearcher(kb).search("拼命三郎", k=50, version="head").hits
    assert all("拼命三郎" not in h.chunk.text for h in hits)


def test_changed_document_embeds_only_its_new_texts_and_dense_search_follows(seed_kb_copy):
    kb = seed_kb_copy
    old = load_document(STATEMENT)
    changed = document_from_text(old.text.replace(OLD, NEW), source=str(STATEMENT))
    report = kb.ingest_documents([changed], progress=False)
    assert report.replaced == [str(STATEMENT)] and report.version == 2
    c = kb.store.conn()
    texts = lambda v: {r[0] for r in c.execute(  # noqa: E731
        "SELECT c.text_hash FROM version_chunks k JOIN chunks c ON c.rowid=k.chunk WHERE k.version=?", (v,))}
    new_texts = texts(2) - texts(1)
    assert report.embedded == len(new_texts) >= 1
    assert report.embedded < len(chunk_document(changed, kb.chunker()))      # unchanged passages keep their vectors
    assert kb.stats()["embedded"] == kb.stats()["chunks"]
    for mode in ("dense", "hybrid"):
        hits = HybridSearcher(kb).search("发言人表示要勇当拼命三郎和施工队长", k=50, version=2, mode=mode).hits
        assert hits and old.id not in {h.chunk.doc_id for h in hits}
        assert all(OLD not in h.chunk.text for h in hits)
    assert changed.id in hit_docs(kb, "勇当排头兵和领头雁", version=2, mode="dense", k=10)


# -- remove and prune ----------------------------------------------------------------------------------------------
def test_remove_leaves_no_trace_after_prune(seed_kb_copy):
    kb = seed_kb_copy
    gone = load_document(CITY)
    query = "述职评议会议请第三方专业会计公司做专项审计"
    assert gone.id in hit_docs(kb, query)
    gone_rows = [r[0] for r in kb.store.conn().execute("SELECT rowid FROM chunks WHERE doc_id=?", (gone.id,))]
    gone_hashes = {r[0] for r in kb.store.conn().execute("SELECT text_hash FROM chunks WHERE doc_id=?", (gone.id,))}
    gone_vec_ids = {r[0] for r in kb.store.conn().execute(
        "SELECT id FROM vectors WHERE text_hash IN (%s)" % ",".join("?" * len(gone_hashes)), list(gone_hashes))}
    assert gone_rows and len(gone_vec_ids) == len(gone_hashes)

    v = kb.remove(gone.id)
    assert v == 2 and kb.serving() == 1                                  # a candidate until promoted
    assert gone.id not in {d["doc_id"] for d in kb.documents("head")}
    for mode in ("keyword", "dense", "hybrid"):
        assert gone.id not in hit_docs(kb, query, version="head", mode=mode, k=50)
    with pytest.raises(DocumentNotFoundError):
        kb.remove(gone.id)

    promote(kb, v, gate=passing_gate)
    assert kb.serving() == 2
    assert gone.id not in {d["doc_id"] for d in kb.documents()}
    for mode in ("keyword", "dense", "hybrid"):
        assert gone.id not in hit_docs(kb, query, mode=mode, k=50)

    result = prune(kb, keep=1)
    assert result["removed_versions"] == [1]
    c = kb.store.conn()
    # documents
    assert c.execute("SELECT count(*) FROM documents WHERE id=?", (gone.id,)).fetchone()[0] == 0
    # chunks and their postings
    assert c.execute("SELECT count(*) FROM chunks WHERE doc_id=?", (gone.id,)).fetchone()[0] == 0
    marks = ",".join("?" * len(gone_rows))
    assert c.execute(f"SELECT count(*) FROM postings WHERE chunk IN ({marks})", gone_rows).fetchone()[0] == 0
    assert c.execute(f"SELECT count(*) FROM version_chunks WHERE chunk IN ({marks})", gone_rows).fetchone()[0] == 0
    assert c.execute("SELECT count(*) FROM postings WHERE chunk NOT IN (SELECT rowid FROM chunks)").fetchone()[0] == 0
    # vectors: the table, the FAISS file on disk and the loaded index
    marks = ",".join("?" * len(gone_hashes))
    assert c.execute(f"SELECT count(*) FROM vectors WHERE text_hash IN ({marks})", list(gone_hashes)).fetchone()[0] == 0
    on_disk = set(FaissVectorIndex.load(kb.dir / "vectors.faiss", kb.embedder.dim).ids().tolist())
    in_table = {r[0] for r in c.execute("SELECT id FROM vectors")}
    assert on_disk == in_table and not on_disk & gone_vec_ids
    assert not set(kb.mirror.load().ids().tolist()) & gone_vec_ids
    # the manifest, and a freshly opened knowledge base
    m = json.loads((kb.dir / "manifest.json").read_text(encoding="utf-8"))
    assert gone.id not in m["documents"] and m["counts"]["versions"] == 1
    fresh = KnowledgeBase.open(kb.settings, embedder=kb.embedder)
    assert gone.id not in {d["doc_id"] for d in fresh.documents()}
    assert gone.id not in hit_docs(fresh, query, k=50)
    assert {d["doc_id"] for d in fresh.documents()} == {load_document(f).id for f in SEED_FILES if f != CITY}
    fresh.close()


def test_remove_unknown_document(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    kb.ingest([STATEMENT], progress=False, embed=False)
    with pytest.raises(DocumentNotFoundError):
        kb.remove("0000000000000000")


# -- versions ------------------------------------------------------------------------------------------------------
def test_second_ingest_is_a_candidate_and_serving_is_unchanged(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    with pytest.raises(VersionError):
        kb.documents()                                                   # empty: nothing serves yet
    r1 = kb.ingest([f for f in SEED_FILES if f != CITY], progress=False, embed=False)
    assert r1.version == 1 and r1.serving == 1                          # the first version serves at once
    r2 = kb.ingest([CITY], progress=False, embed=False)
    assert r2.version == 2 and r2.serving == 1
    city = load_document(CITY).id
    assert len(kb.documents()) == 4 and city not in {d["doc_id"] for d in kb.documents()}
    assert len(kb.documents("head")) == 5
    query = "第三方专业会计公司 专项审计"
    assert city not in hit_docs(kb, query)
    assert city in hit_docs(kb, query, version="head")
    assert city in hit_docs(kb, query, version=2)
    vs = list_versions(kb)
    assert [(v["version"], v["serving"], v["documents"]) for v in vs] == [(1, True, 4), (2, False, 5)]
    assert vs[1]["parent"] == 1
    with pytest.raises(VersionError):
        kb.resolve(7)
    promote(kb, 2, gate=passing_gate)
    assert kb.serving() == 2 and city in hit_docs(kb, query)
    with pytest.raises(VersionError):
        promote(kb, 2, gate=passing_gate)


def test_other_chunk_settings_make_a_candidate_version_with_its_own_chunks(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    kb.ingest([STATEMENT, CITY], progress=False, embed=False)
    assert kb.ingest([STATEMENT, CITY], progress=False, embed=False).version is None
    small = KnowledgeBase.open(kb.settings.with_(chunk_size=200))
    r = small.ingest([STATEMENT, CITY], progress=False, embed=False)
    # the same documents, but chunked otherwise: a new version (a candidate), not "no change"
    assert r.version == 2 and r.serving == 1 and len(r.unchanged) == 2
    v1 = {d["doc_id"]: d["chunks"] for d in small.documents(1)}
    v2 = {d["doc_id"]: d["chunks"] for d in small.documents(2)}
    assert v1.keys() == v2.keys() and all(v2[d] > v1[d] for d in v1)
    expected = sum(len(chunk_document(load_document(f), small.chunker())) for f in (STATEMENT, CITY))
    assert sum(v2.values()) == expected
    assert small.store.versions()[1]["settings"]["size"] == 200
    # once a version has these settings, ingesting the same again changes nothing
    assert small.ingest([STATEMENT, CITY], progress=False, embed=False).version is None
    # and version 1 still answers with its own chunks
    v1_ids = {r[0] for r in small.store.conn().execute(
        "SELECT c.id FROM version_chunks k JOIN chunks c ON c.rowid=k.chunk WHERE k.version=1")}
    assert {h.chunk.id for h in HybridSearcher(small).search("主体责任", k=20, version=1).hits} <= v1_ids


# -- malformed input -----------------------------------------------------------------------------------------------
def test_bad_files_are_reported_and_nothing_stored_is_lost(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    kb.ingest([SEEDS], progress=False, embed=False)
    before = {d["doc_id"] for d in kb.documents()}
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(STATEMENT, folder / "good.txt")
    gbk_text = CITY.read_text(encoding="utf-8").replace("2022", "2023")     # a document not stored yet
    (folder / "gbk.txt").write_bytes(gbk_text.encode("gbk"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)

    report = kb.ingest([folder], progress=False, embed=False)
    failed = dict(report.failed)
    assert set(failed) == {str(folder / "empty.txt"), str(folder / "binary.txt")}
    assert "empty" in failed[str(folder / "empty.txt")]
    assert "binary" in failed[str(folder / "binary.txt")]
    assert report.added == [str(folder / "gbk.txt")]
    assert report.unchanged == [str(folder / "good.txt")]                # same text as a stored seed
    head = {d["doc_id"]: d for d in kb.documents("head")}
    assert before < set(head) and len(head) == 6
    gbk_id = next(i for i, d in head.items() if d["source"] == str(folder / "gbk.txt"))
    assert "2023年度" in kb.document(gbk_id).text
    assert gbk_id in hit_docs(kb, "2023年度述职评议", version="head")
    assert {d["doc_id"] for d in kb.documents(1)} == before               # the earlier version is intact


def test_a_folder_of_only_bad_files_writes_no_version(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    kb.ingest([STATEMENT], progress=False, embed=False)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    report = kb.ingest([folder], progress=False, embed=False)
    assert report.version is None and len(report.failed) == 1
    assert len(kb.store.versions()) == 1
