"""OFD files (ingest/ofd.py) written by a real OFD writer: each seed speech set as a 公文 .docx, laid out into a PDF by
LibreOffice, converted to OFD by easyofd. The OFD (and the PDF) reads back to the same document, chunks and section
paths as the .txt; its pages are recorded and agree with the PDF's; a scanned OFD is OCR'd; damaged and hostile OFDs
are refused alone in a batch."""
import io
import zipfile
from pathlib import Path

import pytest

from tests.needs import missing, need_module

need_module("ofdkit")
need_module("easyofd")

from jianghua.index.kb import KnowledgeBase  # noqa: E402
from jianghua.ingest.chunking import chunk_document  # noqa: E402
from jianghua.ingest.documents import load_document  # noqa: E402
from jianghua.ingest.loaders import load  # noqa: E402
from jianghua.ingest.pages import span_meta  # noqa: E402
from jianghua.errors import DocumentLoadError  # noqa: E402
from jianghua.settings import Settings  # noqa: E402
from jianghua.samples import SEEDS  # noqa: E402
from tests.ingest.formats import (char_accuracy, easyofd_ofd, easyofd_scan, lo_pdf, page_reference,  # noqa: E402
                                  pages_of, render_page, seed_text, soffice)

if soffice() is None:
    missing("LibreOffice (soffice) is not installed")
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """{seed name: (pdf, ofd)}."""
    out = tmp_path_factory.mktemp("ofd")
    result = {}
    for p in SEED_FILES:
        pdf = lo_pdf(p, out)
        result[p.name] = (pdf, easyofd_ofd(pdf, out / (p.stem + ".ofd")))
    return result


def _chunks(doc):
    return [(c.text, c.section, c.start, c.end) for c in chunk_document(doc)]


@pytest.mark.parametrize("seed", [p.name for p in SEED_FILES])
def test_a_seed_saved_as_ofd_chunks_like_the_txt(made, seed):
    _, ofd = made[seed]
    with zipfile.ZipFile(ofd) as z:                       # a real OFD package: OFD.xml → Document.xml → pages
        assert b"<ofd:OFD" in z.read("OFD.xml") and any(n.endswith("Content.xml") for n in z.namelist())
    txt, doc = load_document(SEEDS / seed), load_document(ofd)
    assert doc.id == txt.id and doc.title == txt.title and doc.date == txt.date
    assert _chunks(doc) == _chunks(txt)


@pytest.mark.parametrize("seed", [p.name for p in SEED_FILES])
def test_the_pdf_it_was_made_from_chunks_like_the_txt_too(made, seed):
    """The LibreOffice PDF's text layer, rebuilt into paragraphs (ingest/scans.py), is the .txt's text."""
    pdf, _ = made[seed]
    txt, doc = load_document(SEEDS / seed), load_document(pdf)
    assert doc.id == txt.id and _chunks(doc) == _chunks(txt)
    assert len(doc.meta["pages"]) > 1 and "ocr_pages" not in doc.meta


@pytest.mark.parametrize("seed", [SEED_FILES[1].name, SEED_FILES[4].name])
def test_pages_are_recorded_and_agree_with_the_pdf(made, seed):
    import pypdf

    pdf, ofd = made[seed]
    loaded, doc = load(ofd), load_document(ofd)
    pdf_pages = ["".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(pdf).pages]
    assert len(loaded.meta["pages"]) == len(pdf_pages) > 1
    for (a, b), want in zip(loaded.meta["pages"], pdf_pages):      # raw text: before boilerplate lines go
        assert "".join(loaded.text[a:b].split()) == want
    spans = doc.meta["pages"]
    assert len(spans) == len(pdf_pages)
    chunks = chunk_document(doc)
    assert span_meta(doc.meta, chunks[0].start, chunks[0].end)["pages"] == [1]
    assert span_meta(doc.meta, chunks[-1].start, chunks[-1].end)["pages"][-1] == len(spans)
    seen = sorted({p for c in chunks for p in span_meta(doc.meta, c.start, c.end)["pages"]})
    assert seen == list(range(1, len(spans) + 1))
    assert "ocr" not in span_meta(doc.meta, chunks[0].start, chunks[0].end)


def test_a_scanned_ofd_is_read_by_ocr_page_by_page(tmp_path):
    need_module("rapidocr_onnxruntime")
    pages = pages_of(seed_text(4))[:2]
    ofd = easyofd_scan([render_page(p, 200) for p in pages], tmp_path / "扫描件.ofd")
    loaded = load(ofd)
    assert loaded.meta["ocr_pages"] == [1, 2] and not loaded.meta["ocr_low"]
    for (a, b), lines in zip(loaded.meta["pages"], pages):
        assert char_accuracy(page_reference(lines), loaded.text[a:b]) >= 0.98


def test_an_ofd_named_txt_is_read_as_ofd(made, tmp_path):
    _, ofd = made[SEED_FILES[0].name]
    (tmp_path / "renamed.txt").write_bytes(ofd.read_bytes())
    assert load(tmp_path / "renamed.txt").text == load(ofd).text


def _rewritten(src: Path, dst: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of the OFD package with some parts replaced (None: left out)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    zout.writestr(info.filename, replace[info.filename])
            else:
                zout.writestr(info, zin.read(info))
    return dst


def test_damaged_and_hostile_ofds_are_refused_with_a_reason(made, tmp_path):
    _, ofd = made[SEED_FILES[0].name]
    good = ofd.read_bytes()
    (tmp_path / "cut.ofd").write_bytes(good[:len(good) // 2])
    _rewritten(ofd, tmp_path / "no-root.ofd", {"OFD.xml": None})
    lol = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
           b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&b;</ofd:OFD>')
    _rewritten(ofd, tmp_path / "lol.ofd", {"OFD.xml": lol})
    with zipfile.ZipFile(ofd) as z:
        page = next(n for n in z.namelist() if n.endswith("Content.xml"))
    _rewritten(ofd, tmp_path / "broken-xml.ofd", {page: b"<ofd:Page><ofd:Content><ofd:Layer"})
    empty_page = (b'<?xml version="1.0" encoding="utf-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
                  b"<ofd:Content><ofd:Layer ID=\"5\"/></ofd:Content></ofd:Page>")
    with zipfile.ZipFile(ofd) as z:
        pages = [n for n in z.namelist() if n.endswith("Content.xml")]
    _rewritten(ofd, tmp_path / "scan.ofd", {n: empty_page for n in pages})
    (tmp_path / "plain.ofd").write_text("这不是 OFD 文件", encoding="utf-8")
    cases = {"cut.ofd": "cut.ofd.*已损坏", "no-root.ofd": "no-root.ofd.*已损坏.*OFD.xml",
             "lol.ofd": "lol.ofd", "broken-xml.ofd": "broken-xml.ofd", "scan.ofd": "scan.ofd.*没有文字",
             "plain.ofd": "plain.ofd.*已损坏"}
    for name, match in cases.items():
        with pytest.raises(DocumentLoadError, match=match):
            load(tmp_path / name)


def test_a_zip_bomb_in_an_ofd_is_refused_in_bounded_memory(made, tmp_path):
    _, ofd = made[SEED_FILES[0].name]
    with zipfile.ZipFile(ofd) as z:
        page = next(n for n in z.namelist() if n.endswith("Content.xml"))
    buf = io.BytesIO()
    with zipfile.ZipFile(ofd) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != page:
                zout.writestr(info, zin.read(info))
        with zout.open(page, "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(100):                          # 100 MB of spaces, ~100 KB compressed
                f.write(block)
    (tmp_path / "bomb.ofd").write_bytes(buf.getvalue())
    with pytest.raises(DocumentLoadError, match="bomb.ofd.*上限"):
        load(tmp_path / "bomb.ofd")


def test_a_bad_ofd_fails_alone_in_a_batch(made, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    _, ofd = made[SEED_FILES[2].name]
    (folder / "讲话.ofd").write_bytes(ofd.read_bytes())
    (folder / "坏.ofd").write_bytes(ofd.read_bytes()[:3000])
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    report = kb.ingest([folder], progress=False, embed=False)
    assert [Path(s).name for s in report.added] == ["讲话.ofd"]
    failed = {Path(s).name: e for s, e in report.failed}
    assert list(failed) == ["坏.ofd"] and "\n" not in failed["坏.ofd"]
    kb.close()
