"""Legacy Word (.doc) and WPS (.wps) binaries (ingest/legacy.py), written by LibreOffice from the seed speeches: the
same document, chunks and section paths as the .txt; tables and page breaks as the .docx reader gives them;
damaged, disguised and foreign OLE files refused with a reason, alone in a batch."""
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.ingest.chunking import chunk_document
from jianghua.ingest.documents import load_document
from jianghua.ingest.loaders import load, load_text
from jianghua.errors import DocumentLoadError
from jianghua.settings import Settings
from jianghua.samples import SEEDS
from tests.ingest.formats import convert, lo_word97, soffice
from tests.needs import missing

if soffice() is None:
    missing("LibreOffice (soffice) is not installed")
SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Every seed speech as .doc and as .wps."""
    out = tmp_path_factory.mktemp("legacy")
    return {(p.name, s): lo_word97(p, out / s[1:], s) for p in SEED_FILES for s in (".doc", ".wps")}


def _chunks(doc):
    return [(c.text, c.section, c.start, c.end) for c in chunk_document(doc)]


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
@pytest.mark.parametrize("seed", [p.name for p in SEED_FILES])
def test_a_seed_saved_as_doc_or_wps_chunks_like_the_txt(made, seed, suffix):
    f = made[(seed, suffix)]
    assert f.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"        # a real OLE2 compound file
    txt, doc = load_document(SEEDS / seed), load_document(f)
    assert doc.id == txt.id and doc.title == txt.title and doc.date == txt.date
    assert _chunks(doc) == _chunks(txt)


def test_tables_and_page_breaks_read_as_the_docx_reader_reads_them(tmp_path):
    """Rows told from cells by the paragraph properties (sprmPFTtp): each row a line naming its header's cells, as
    the .docx reader writes it; a cell of two paragraphs is one value."""
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    d.add_paragraph("一、2024年主要目标")
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("指标", "目标", "单位"), ("城镇新增就业", "1200", "万人"), ("城镇调查失业率", "5.5", "%")]):
        for c, v in enumerate(row):
            table.cell(r, c).text = v
    table.cell(1, 0).add_paragraph("（含农民工）")
    d.add_paragraph("二、下一步工作").runs[0].add_break(WD_BREAK.PAGE)
    d.add_paragraph("坚持稳中求进工作总基调。")
    src = tmp_path / "目标.docx"
    d.save(src)
    as_doc = convert(src, tmp_path / "out", "doc:MS Word 97", ".doc")
    lines = [ln for ln in load_text(as_doc).splitlines() if ln.strip()]
    assert lines == [ln for ln in load_text(src).splitlines() if ln.strip()]
    assert lines[1] == "指标：城镇新增就业 （含农民工），目标：1200，单位：万人。"


def test_an_html_page_saved_as_doc_is_read_as_html(tmp_path):
    f = tmp_path / "网页.doc"
    f.write_text("<html><head><title>通知</title></head><body><p>关于开展主题教育的通知</p></body></html>",
                 encoding="utf-8")
    loaded = load(f)
    assert loaded.text.strip() == "关于开展主题教育的通知" and loaded.title_hint == "通知"


def test_damaged_and_disguised_files_are_refused_with_a_reason(tmp_path, made):
    good = made[(SEED_FILES[0].name, ".doc")].read_bytes()
    cases = {
        "cut.doc": (good[:len(good) // 3], "cut.doc.*已损坏"),
        "noise.wps": (b"\x00\x01WPS" + bytes(range(256)) * 20, "noise.wps.*不是 Word 97–2003 或 WPS"),
        "rtf.doc": (b"{\\rtf1\\ansi{\\fonttbl\\f0 Song;}\\f0 text}", "rtf.doc.*RTF"),
    }
    # the CLX pointer aimed past the end of the table stream
    broken = bytearray(good)
    fib = good.find(b"\xec\xa5")
    broken[fib + 0x1A2:fib + 0x1A6] = (0x7FFFFFF0).to_bytes(4, "little")
    cases["clx.doc"] = (bytes(broken), "clx.doc.*无法读取")
    for name, (data, match) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DocumentLoadError, match=match):
            load(tmp_path / name)


def _renamed_stream(data: bytes, new: str) -> bytes:
    """The OLE2 container with its WordDocument stream renamed (directory entry: UTF-16 name, then its length)."""
    out = bytearray(data)
    old = "WordDocument".encode("utf-16-le") + b"\0\0"
    i = out.find(old)
    name = new.encode("utf-16-le") + b"\0\0"
    out[i:i + 64] = name + b"\0" * (64 - len(name))
    out[i + 64:i + 66] = len(name).to_bytes(2, "little")
    return bytes(out)


@pytest.mark.parametrize("stream, match", [("Workbook", "旧版 Excel"), ("Contents", "没有 WordDocument")])
def test_an_ole_file_that_is_not_a_word_document_is_named_as_such(tmp_path, made, stream, match):
    """No Calc here to write a real .xls: a real .doc whose main stream is renamed to what an .xls holds
    (Workbook) or to another name; the container stays a valid OLE2 file."""
    good = made[(SEED_FILES[0].name, ".doc")].read_bytes()
    (tmp_path / "x.doc").write_bytes(_renamed_stream(good, stream))
    with pytest.raises(DocumentLoadError, match=match):
        load(tmp_path / "x.doc")


def test_a_bad_doc_fails_alone_in_a_batch(tmp_path, made):
    folder = tmp_path / "batch"
    folder.mkdir()
    good = made[(SEED_FILES[1].name, ".wps")]
    (folder / "好.wps").write_bytes(good.read_bytes())
    (folder / "坏.doc").write_bytes(good.read_bytes()[:2000])
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    report = kb.ingest([folder], progress=False, embed=False)
    assert [Path(s).name for s in report.added] == ["好.wps"]
    failed = {Path(s).name: e for s, e in report.failed}
    assert list(failed) == ["坏.doc"] and "\n" not in failed["坏.doc"]
    kb.close()
