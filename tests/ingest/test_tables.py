"""Tables (ingest/tables.py, the table rows of ingest/office.py): .xlsx written by openpyxl, .csv in UTF-8 and GBK,
tables inside .docx written by python-docx; each row a passage naming its headers, so a question that names a header
finds the row; damaged and hostile workbooks refused alone in a batch."""
import io
import zipfile
from pathlib import Path

import pytest

from tests.needs import missing, need_module

openpyxl = need_module("openpyxl")

from jianghua.index.kb import KnowledgeBase  # noqa: E402
from jianghua.index.search import HybridSearcher  # noqa: E402
from jianghua.ingest.chunking import chunk_document  # noqa: E402
from jianghua.ingest.documents import load_document  # noqa: E402
from jianghua.ingest.loaders import load, load_text  # noqa: E402
from jianghua.errors import DocumentLoadError  # noqa: E402
from jianghua.settings import Settings  # noqa: E402

# the main targets of the 2024 government work report (real figures)
TARGETS = [("指标", "2024年目标", "2023年完成"),
           ("国内生产总值增长", "5%左右", "5.2%"),
           ("城镇新增就业", "1200万人以上", "1244万人"),
           ("城镇调查失业率", "5.5%左右", "5.2%"),
           ("居民消费价格涨幅", "3%左右", "0.2%")]


def make_xlsx(path: Path, rows=TARGETS, title="2024年主要预期目标", more_sheets: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "主要目标"
    ws.append([title])                         # a caption in the first row, as offices lay sheets out
    for r in rows:
        ws.append(list(r))
    if more_sheets:
        ws2 = wb.create_sheet("粮食")
        ws2.append(["指标", "2024年目标"])
        ws2.append(["粮食产量", 1.3e12 / 1e3])  # a float that is a whole number
    wb.save(path)
    return path


def test_an_xlsx_row_is_one_line_naming_its_headers(tmp_path):
    lines = load_text(make_xlsx(tmp_path / "目标.xlsx")).splitlines()
    assert lines[0] == "2024年主要预期目标"
    assert lines[2] == "指标：城镇新增就业，2024年目标：1200万人以上，2023年完成：1244万人。"
    assert len(lines) == 1 + len(TARGETS) - 1


def test_sheets_are_named_when_there_are_several_and_numbers_read_as_written(tmp_path):
    lines = load_text(make_xlsx(tmp_path / "目标.xlsx", more_sheets=True)).splitlines()
    assert lines[0] == "工作表：主要目标" and "工作表：粮食" in lines
    assert lines[-1] == "指标：粮食产量，2024年目标：1300000000。"


@pytest.mark.parametrize("encoding, delimiter", [("utf-8", ","), ("gbk", "\t"), ("utf-8-sig", ";")])
def test_csv_in_any_office_encoding_and_delimiter(tmp_path, encoding, delimiter):
    text = "\n".join(delimiter.join(r) for r in TARGETS) + "\n"
    (tmp_path / "目标.csv").write_bytes(text.encode(encoding))
    lines = load_text(tmp_path / "目标.csv").splitlines()
    assert lines[1] == "指标：城镇新增就业，2024年目标：1200万人以上，2023年完成：1244万人。"
    assert len(lines) == len(TARGETS) - 1


def test_a_docx_table_keeps_its_headers_and_merged_cells(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("一、2024年发展主要预期目标")
    t = d.add_table(rows=len(TARGETS), cols=3)
    for r, row in enumerate(TARGETS):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.add_paragraph("二、2024年政府工作任务")
    grouped = d.add_table(rows=3, cols=2)
    grouped.cell(0, 0).text, grouped.cell(0, 1).text = "类别", "任务"
    grouped.cell(1, 0).merge(grouped.cell(2, 0)).text = "扩大内需"     # a vertical merge
    grouped.cell(1, 1).text, grouped.cell(2, 1).text = "促进消费稳定增长", "积极扩大有效投资"
    d.save(tmp_path / "报告.docx")
    lines = load_text(tmp_path / "报告.docx").splitlines()
    assert lines[0] == "一、2024年发展主要预期目标"
    assert lines[2] == "指标：城镇新增就业，2024年目标：1200万人以上，2023年完成：1244万人。"
    assert lines[5] == "二、2024年政府工作任务"
    assert lines[6:] == ["类别：扩大内需，任务：促进消费稳定增长。", "类别：扩大内需，任务：积极扩大有效投资。"]


def test_rows_are_chunked_under_their_heading_and_a_question_naming_the_header_finds_the_row(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("2024年政府工作报告摘要")
    d.add_paragraph("一、2024年发展主要预期目标")
    t = d.add_table(rows=len(TARGETS), cols=3)
    for r, row in enumerate(TARGETS):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.save(tmp_path / "报告.docx")
    doc = load_document(tmp_path / "报告.docx")
    rows = [c for c in chunk_document(doc) if "城镇新增就业" in c.text]
    assert rows and rows[0].section == ("一、2024年发展主要预期目标",)
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    kb.ingest([tmp_path / "报告.docx", make_xlsx(tmp_path / "目标.xlsx")], progress=False, embed=False)
    hits = HybridSearcher(kb).search("2024年城镇新增就业目标", k=3, mode="keyword").hits
    assert hits and "2024年目标：1200万人以上" in hits[0].chunk.text and "城镇新增就业" in hits[0].chunk.text
    kb.close()


def test_damaged_and_hostile_workbooks_are_refused_with_a_reason(tmp_path):
    good = make_xlsx(tmp_path / "good.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[:len(good) // 2])
    lol = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(tmp_path / "lol.xlsx", "w") as zl, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zb:
        for info in zin.infolist():
            data = zin.read(info)
            zl.writestr(info, lol if info.filename == "xl/worksheets/sheet1.xml" else data)
            if info.filename == "xl/worksheets/sheet1.xml":
                with zb.open(info.filename, "w", force_zip64=True) as f:
                    for _ in range(300):
                        f.write(b" " * (1 << 20))          # 300 MB of spaces, declared in the zip directory
            else:
                zb.writestr(info, data)
    (tmp_path / "bomb.xlsx").write_bytes(bomb.getvalue())
    (tmp_path / "plain.xlsx").write_text("指标,目标\n", encoding="utf-8")
    cases = {"cut.xlsx": "cut.xlsx.*Excel 文件已损坏", "lol.xlsx": "lol.xlsx.*DTD", "bomb.xlsx": "bomb.xlsx.*上限",
             "plain.xlsx": "plain.xlsx.*Excel 文件已损坏"}
    for name, match in cases.items():
        with pytest.raises(DocumentLoadError, match=match):
            load(tmp_path / name)


def test_a_bad_workbook_fails_alone_in_a_batch(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    make_xlsx(folder / "目标.xlsx")
    (folder / "坏.xlsx").write_bytes(make_xlsx(tmp_path / "x.xlsx").read_bytes()[:500])
    (folder / "目标.csv").write_text("\n".join(",".join(r) for r in TARGETS), encoding="utf-8")
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    report = kb.ingest([folder], progress=False, embed=False)
    assert sorted(Path(s).name for s in report.added) == ["目标.csv", "目标.xlsx"]
    failed = {Path(s).name: e for s, e in report.failed}
    assert list(failed) == ["坏.xlsx"] and "\n" not in failed["坏.xlsx"]
    kb.close()


def test_a_table_in_a_pdf_or_an_ofd_keeps_its_headers(tmp_path):
    """A .docx table laid out by LibreOffice into a PDF (and that PDF converted to OFD by easyofd): its rows are
    found by their cells' wide gaps and named by the header row like the .docx's own rows."""
    import docx

    from tests.ingest.formats import convert, soffice

    if soffice() is None:
        missing("LibreOffice (soffice) is not installed")
    d = docx.Document()
    d.add_paragraph("一、2024年发展主要预期目标")
    t = d.add_table(rows=len(TARGETS), cols=3)
    t.style = "Table Grid"
    for r, row in enumerate(TARGETS):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.add_paragraph("二、2024年政府工作任务。坚持稳中求进工作总基调，完整、准确、全面贯彻新发展理念。")
    d.save(tmp_path / "目标.docx")
    want = load_text(tmp_path / "目标.docx").splitlines()
    pdf = convert(tmp_path / "目标.docx", tmp_path / "out", "pdf", ".pdf")
    assert load_text(pdf).splitlines() == want
    need_module("easyofd")
    from tests.ingest.formats import easyofd_ofd

    assert load_text(easyofd_ofd(pdf, tmp_path / "目标.ofd")).splitlines() == want
