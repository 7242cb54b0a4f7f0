"""Pages of paged formats as metadata (ingest/pages.py): page spans moved onto the cleaned text, a span's pages, the
OCR note, and what reaches a citation through the index (index/search.py) and assistant/citations.py."""
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
from jianghua.ingest.chunking import chunk_document
from jianghua.ingest.cleaning import clean
from jianghua.ingest.documents import load_document
from jianghua.ingest.loaders import load
from jianghua.ingest.pages import OCR_NOTE, PageJoiner, citation_fields, document_meta, page_label, span_meta
from jianghua.settings import Settings
from tests.ingest.formats import pages_of, photograph, render_page, scanned_pdf, seed_text
from tests.needs import need_module


def test_page_spans_survive_cleaning():
    """Boilerplate lines, blank lines and spaces removed by cleaning: each page's span still holds exactly its
    cleaned text."""
    raw_pages = ["本文系作者原创投稿，仅供学习参考，请勿照搬照抄！\n\n  一、总体情况\u3000\n全市各级党组织……", "- 2 -\n",
                 "（一）政治站位进一步提升。\n\n第3页 共4页\n二、存在问题"]
    j = PageJoiner()
    for t in raw_pages:
        j.add(t)
    cleaned = clean(j.text)
    meta = document_meta(j.meta, cleaned.offsets, len(cleaned.text))
    got = ["".join(cleaned.text[a:b].split()) for a, b in meta["pages"]]
    want = ["".join(clean(t).text.split()) for t in raw_pages]
    assert got == want == ["一、总体情况全市各级党组织……", "", "（一）政治站位进一步提升。二、存在问题"]


def test_a_span_says_its_pages_and_the_note_only_when_it_touches_low_confidence_text():
    meta = {"pages": [[0, 100], [100, 250], [250, 300]], "ocr_pages": [2, 3], "ocr_low": [[260, 280]]}
    assert span_meta(meta, 10, 20) == {"pages": [1]}
    assert span_meta(meta, 90, 110) == {"pages": [1, 2], "ocr": True}
    assert span_meta(meta, 255, 265) == {"pages": [3], "ocr": True, "note": OCR_NOTE}
    assert span_meta(meta, 100, 250)["pages"] == [2]
    assert span_meta({}, 0, 10) == {} and span_meta({"offsets": []}, 0, 10) == {}
    assert page_label([3]) == "第3页" and page_label([3, 4]) == "第3–4页"


@pytest.fixture(scope="module")
def paged_kb(tmp_path_factory):
    need_module("rapidocr_onnxruntime")
    d = tmp_path_factory.mktemp("paged")
    pages = pages_of(seed_text(4))
    scanned_pdf(d / "扫描件.pdf", [render_page(p, 200) for p in pages[:2]])
    (d / "模糊照片.jpg").write_bytes(photograph(render_page(pages_of(seed_text(0))[0], 100), noise=40, blur=1.0,
                                            quality=50))
    kb = KnowledgeBase.open(Settings(kb=d / "kb", dense_weight=0.0), create=True)
    report = kb.ingest([d / "扫描件.pdf", d / "模糊照片.jpg"], progress=False, embed=False)
    assert not report.failed
    yield kb, d
    kb.close()


def test_chunks_carry_their_pages_at_ingest_and_from_the_index(paged_kb):
    kb, d = paged_kb
    doc = load_document(d / "扫描件.pdf")
    at_ingest = {c.id: c.meta["pages"] for c in chunk_document(doc)}
    assert set(p for ps in at_ingest.values() for p in ps) == {1, 2}
    hits = HybridSearcher(kb).search("述职评议会议", k=10, mode="keyword", doc_id=doc.id).hits
    assert hits
    for h in hits:
        assert h.chunk.meta["pages"] == at_ingest[h.chunk.id] and h.chunk.meta["ocr"] is True


def test_a_citation_says_its_page_and_marks_low_confidence_ocr(paged_kb):
    from jianghua.assistant.citations import Source, whole

    kb, d = paged_kb
    searcher = HybridSearcher(kb)
    clear = load_document(d / "扫描件.pdf")
    hit = searcher.search("述职评议会议", k=1, mode="keyword", doc_id=clear.id).hits[0]
    entry = whole(hit).entry(1)
    assert entry["pages"] and entry["page_label"].startswith("第") and entry["ocr"] is True and "note" not in entry
    start, end = clear.meta["pages"][1]
    inside = [h for h in searcher.search("述职评议会议", k=10, mode="keyword", doc_id=clear.id).hits
              if h.chunk.start >= start]
    if inside:                                  # a sentence quoted from page 2 says 第2页
        c = inside[0].chunk
        assert Source(inside[0], c.start, min(c.end, c.start + 10)).entry(1)["page_label"] == "第2页"
    blurred = load_document(d / "模糊照片.jpg")
    assert blurred.meta["ocr_low"]
    hits = searcher.search("全面从严治党", k=5, mode="keyword", doc_id=blurred.id).hits
    assert hits and any(whole(h).entry(1).get("note") == OCR_NOTE for h in hits)
    assert whole(hits[0]).entry(1)["page_label"] == "第1页"


def test_unpaged_formats_add_nothing_to_citations(tmp_path):
    f = tmp_path / "讲话.txt"
    f.write_text(seed_text(0), encoding="utf-8")
    doc = load_document(f)
    assert "pages" not in doc.meta and load(f).meta == {}
    assert all(c.meta == {} for c in chunk_document(doc))
    assert citation_fields({}, 0, 10) == {} and citation_fields({"row": 3}, 0, 10) == {}
    assert Path(f).exists()
