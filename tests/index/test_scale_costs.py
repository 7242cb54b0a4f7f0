"""What a search and a re-ingest cost does not grow with the knowledge base's history (issue 13): a version view
reads only the vectors added since its last search (not the whole version-to-vector join again while vectors are
being embedded, nor anything of other versions), the vector mirror adds only the new vectors, and re-ingesting
unchanged documents chunks and tokenises nothing. Counted work, not wall time."""
import threading

import numpy as np

from jianghua.index import parallel
from jianghua.index.search import HybridSearcher
from jianghua.index.view import VersionView
from jianghua.samples import SEEDS


def _pairs(kb, version: int, after: int = 0) -> int:
    """(vector, chunk row) pairs of ``version`` with a vector id above ``after``, counted by SQL."""
    return kb.store.conn().execute(
        "SELECT count(*) FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk JOIN vectors v "
        "ON v.text_hash = c.text_hash WHERE k.version=? AND v.id > ?", (version, after)).fetchone()[0]


def _unembed_half(kb) -> None:
    """Forget the newer half of the vectors, as if background embedding had got halfway."""
    with kb.store.transaction() as c:
        mid = c.execute("SELECT id FROM vectors ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM vectors)"
                        ).fetchone()[0]
        c.execute("DELETE FROM vectors WHERE id >= ?", (mid,))
    kb.mirror.refresh(full=True)
    kb.mirror.save()


def _embed_one_slice(kb) -> int:
    stop = threading.Event()
    return kb.embed(progress=False, stop=stop, on_batch=lambda done, total: stop.set())


def test_search_reads_only_new_vectors_and_nothing_of_other_versions(seed_kb_copy):
    kb = seed_kb_copy
    serving = kb.serving()
    _unembed_half(kb)
    docs = sorted(kb.version_docs(serving))
    for d in docs[:3]:                       # three more versions (candidates; the serving one stays)
        kb.remove(d)
    assert kb.head() == serving + 3 and kb.serving() == serving
    searcher = HybridSearcher(kb)
    searcher.search("三会一课", k=3)
    view = searcher.view()
    assert view.version == serving
    half = _pairs(kb, serving)
    assert 0 < half < view.n_chunks
    assert view.pairs_read == view.n_embedded == half        # the serving version's pairs only, once

    for _ in range(3):                        # embedding goes on between searches
        seen = kb.mirror.max_id
        assert _embed_one_slice(kb) > 0
        new = _pairs(kb, serving, after=seen)
        before = view.pairs_read
        searcher.search("软弱涣散党组织整顿", k=3)
        assert view.pairs_read - before == new              # the new vectors, not the whole join again
    before = view.pairs_read
    for q in ("主体责任清单", "一岗双责", "巡察整改"):
        searcher.search(q, k=3)
    assert view.pairs_read == before                         # nothing new embedded: nothing read

    fresh = VersionView(kb, serving)                         # the incremental view equals one built from scratch
    assert fresh.n_embedded == view.n_embedded == _pairs(kb, serving)
    assert sorted(fresh.allowed.tolist()) == sorted(view.allowed.tolist())
    assert len(set(view.allowed.tolist())) == len(view.allowed)
    assert {k: sorted(v) for k, v in fresh.vec_to_rows.items()} == {k: sorted(v) for k, v in view.vec_to_rows.items()}


def test_the_vector_mirror_adds_only_the_new_vectors(seed_kb_copy):
    kb = seed_kb_copy
    _unembed_half(kb)
    index = kb.mirror.load()
    held = len(index)
    _embed_one_slice(kb)                      # the embedder refreshes the mirror after its slice
    ids = np.sort(index.ids())
    table = np.array([r[0] for r in kb.store.conn().execute("SELECT id FROM vectors ORDER BY id")])
    assert len(ids) > held and np.array_equal(ids, table) and kb.mirror.count == len(table)


def test_reingesting_unchanged_documents_chunks_nothing(seed_kb_copy, monkeypatch):
    kb = seed_kb_copy
    calls = []
    real = parallel.write_chunk_rows
    monkeypatch.setattr(parallel, "write_chunk_rows", lambda *a, **k: calls.append(a[1].id) or real(*a, **k))
    head = kb.head()
    report = kb.ingest([SEEDS], progress=False, embed=False)
    assert calls == [] and report.version is None and len(report.unchanged) == len(kb.version_docs(head))
    # the same documents handed over already loaded (no file marks to skip them): known, so not chunked again
    from jianghua.ingest.documents import load_document
    report = kb.ingest_documents([load_document(f) for f in sorted(SEEDS.glob("*.txt"))], progress=False, embed=False)
    assert calls == [] and report.version is None and len(report.unchanged) == len(kb.version_docs(head))
    # and a document that is new is chunked through the same function (the patch above is on the path used)
    from jianghua.ingest.documents import document_from_text
    kb.ingest_documents([document_from_text("关于加强机关作风建设的通知\n各单位要严格落实首问负责制。", "new.txt")],
                        progress=False, embed=False)
    assert len(calls) == 1


def test_a_known_document_removed_meanwhile_is_written_back(seed_kb_copy, monkeypatch):
    """A document found in the newest version before the write, then removed by another writer before the version's
    transaction: the new version still holds it, with all its passages."""
    kb = seed_kb_copy
    from jianghua.ingest.documents import load_document
    docs = [load_document(f) for f in sorted(SEEDS.glob("*.txt"))]
    victim = docs[0]
    rows_before = {r[0] for r in kb.store.conn().execute(
        "SELECT c.id FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk WHERE k.version=? AND c.doc_id=?",
        (kb.head(), victim.id))}
    real_known = kb._known

    def known_then_removed(ds):
        ids = real_known(ds)
        assert victim.id in ids
        kb.remove(victim.id)                 # the other writer, between the check and the transaction
        return ids
    monkeypatch.setattr(kb, "_known", known_then_removed)
    report = kb.ingest_documents(docs, progress=False, embed=False)
    assert report.version == kb.head() and victim.id in kb.version_docs(report.version)
    rows_after = {r[0] for r in kb.store.conn().execute(
        "SELECT c.id FROM version_chunks k JOIN chunks c ON c.rowid = k.chunk WHERE k.version=? AND c.doc_id=?",
        (report.version, victim.id))}
    assert rows_after == rows_before
