"""Word and Markdown exports of drafts: the GB/T 9704 layout read back with python-docx and from the XML, sources
as real footnotes, document properties, and the file rendered by LibreOffice to PDF and a page image."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from tests.needs import need_program
from jianghua.assistant.export import AUTHOR, draft_to_docx, draft_to_markdown, title_of

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MARKER = re.compile(r"\[(\d+)\]")
TOPIC = "加强基层党组织建设"


@pytest.fixture(scope="module")
def long_draft(seed_app):
    r = seed_app.draft(TOPIC, "全区基层党建工作推进会", 1500)
    assert re.search(r"(?m)^一、", r["draft"]) and r["citations"]
    return r


@pytest.fixture(scope="module")
def docx_bytes(long_draft):
    return draft_to_docx(long_draft, TOPIC)


def _xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name).decode("utf-8")


def _east_asia(run) -> str | None:
    fonts = run._r.rPr.find(f"{W}rFonts") if run._r.rPr is not None else None
    return fonts.get(f"{W}eastAsia") if fonts is not None else None


def test_page_and_fonts(docx_bytes, long_draft):
    from docx import Document
    from docx.shared import Mm, Pt
    doc = Document(io.BytesIO(docx_bytes))
    sec = doc.sections[0]
    assert abs(sec.page_width - Mm(210)) < Mm(0.1) and abs(sec.page_height - Mm(297)) < Mm(0.1)
    for side, mm in (("top", 37), ("bottom", 35), ("left", 28), ("right", 26)):
        assert abs(getattr(sec, f"{side}_margin") - Mm(mm)) < Mm(0.1), side
    title = doc.paragraphs[0]
    assert title.text == title_of(TOPIC) == "关于加强基层党组织建设的表态发言"
    assert _east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert abs(normal.paragraph_format.line_spacing - Pt(28.95)) < Pt(0.1)          # 22 lines a page
    assert normal.paragraph_format.first_line_indent == Pt(32)                      # two characters
    assert normal.element.rPr.find(f"{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312"
    heads = [p for p in doc.paragraphs if re.match(r"^[一二三四五六]、", p.text)]
    assert len(heads) >= 3
    assert all(_east_asia(r) == "黑体" for p in heads for r in p.runs)
    assert all(p.paragraph_format.keep_with_next for p in heads)          # never the last line of a page
    measures = [p for p in doc.paragraphs if p.text.startswith("一是")]
    assert measures and all(_east_asia(r) is None for r in measures[0].runs)      # body: the 仿宋 of Normal
    fonts = _xml(docx_bytes, "word/fontTable.xml")
    assert re.search(r'w:name="方正小标宋简体"><w:altName w:val="宋体"', fonts)  # the fallback, declared


def test_every_marker_is_a_real_footnote(docx_bytes, long_draft):
    from docx import Document
    body = _xml(docx_bytes, "word/document.xml")
    notes = _xml(docx_bytes, "word/footnotes.xml")
    types = _xml(docx_bytes, "[Content_Types].xml")
    rels = _xml(docx_bytes, "word/_rels/document.xml.rels")
    assert "wordprocessingml.footnotes+xml" in types and "relationships/footnotes" in rels
    markers = MARKER.findall(long_draft["draft"])
    refs = re.findall(r'<w:footnoteReference w:id="(\d+)"/>', body)
    assert len(refs) == len(markers) and len(set(refs)) == len(refs)
    ids = re.findall(r'<w:footnote (?:(?!w:type)[^>])*w:id="(\d+)"', notes)
    assert sorted(ids, key=int) == sorted(refs, key=int)
    assert 'w:type="separator"' in notes and "<w:footnoteRef/>" in notes
    texts = "".join(p.text for p in Document(io.BytesIO(docx_bytes)).paragraphs)
    assert not MARKER.search(texts)                                   # no plain-text [n] left
    by_n = {c["n"]: c for c in long_draft["citations"]}
    note_text = {i: "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", x))
                 for i, x in re.findall(r'<w:footnote [^>]*w:id="(\d+)">(.*?)</w:footnote>', notes)}
    for ref, n in zip(refs, markers):
        c = by_n[int(n)]
        quote = c["quote"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        assert c["title"] in note_text[ref] and quote in note_text[ref], n


def test_page_numbers_and_properties(docx_bytes):
    from docx import Document
    doc = Document(io.BytesIO(docx_bytes))
    names = zipfile.ZipFile(io.BytesIO(docx_bytes)).namelist()
    footers = [_xml(docx_bytes, n) for n in names if re.match(r"word/footer\d*\.xml", n)]
    assert len(footers) == 2 and all("PAGE" in f and "— " in f for f in footers)
    assert {re.search(r'<w:jc w:val="(\w+)"/>', f).group(1) for f in footers} == {"right", "left"}
    assert "<w:evenAndOddHeaders/>" in _xml(docx_bytes, "word/settings.xml")
    cp = doc.core_properties
    assert cp.author == AUTHOR == "jianghua 讲话助手" and cp.last_modified_by == AUTHOR
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for t in (cp.created, cp.modified):
        assert abs(t.replace(tzinfo=None) - now) < timedelta(minutes=10), t
    assert cp.title == "关于加强基层党组织建设的表态发言"                      # the title line, not the topic


def test_thin_and_none_drafts(seed_app):
    from docx import Document
    thin = seed_app.draft("量子计算产业发展", None, 1500)
    none = {"draft": "", "citations": [], "coverage": "none", "closest": [{"title": "某文", "text": "最接近的段落"}],
            "trace": {}}
    for r in (thin, none):
        data = draft_to_docx(r, "量子计算产业发展")
        doc = Document(io.BytesIO(data))
        texts = [p.text for p in doc.paragraphs]
        assert texts[0] == "关于量子计算产业发展的表态发言"
        assert any("资料" in t and ("不足" in t or "未找到" in t) for t in texts[1:4]), r["coverage"]
    slots = [run for p in Document(io.BytesIO(draft_to_docx(thin, "x"))).paragraphs for run in p.runs
             if run.text.startswith("[待补：")]
    assert thin["coverage"] != "thin" or (slots and all(s.font.highlight_color is not None for s in slots))
    assert "最接近的段落" in " ".join(p.text for p in Document(io.BytesIO(draft_to_docx(none, "x"))).paragraphs)


def test_markdown_export(seed_drafts):
    for case, r in seed_drafts.values():
        md = draft_to_markdown(r, case.topic)
        assert md.startswith("# 关于")
        if not r["citations"]:
            continue
        body, sources = md.split("## 来源", 1)
        for para in (p for p in r["draft"].split("\n") if p.strip()):
            assert para in body, case.id
        for c in r["citations"]:
            assert f"[{c['n']}]" in sources and c["quote"] in sources, case.id


def test_libreoffice_renders_the_file(docx_bytes, long_draft, tmp_path):
    need_program("soffice")
    need_program("pdftoppm")
    src = tmp_path / "draft.docx"
    src.write_bytes(docx_bytes)
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "draft.pdf"
    assert pdf.exists()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = re.sub(r"\s", "", text)
    assert "关于加强基层党组织建设的表态发言" in flat
    first_quote = re.sub(r"\s", "", long_draft["citations"][0]["quote"])[:12]
    assert first_quote in flat                                   # the footnote text is on the page
    assert "—1—" in flat and "—2—" in flat                        # page numbers rendered from the field
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image
    img = Image.open(png).convert("L")
    assert img.size[0] < img.size[1]                              # portrait
    dark = sum(img.histogram()[:128]) / (img.size[0] * img.size[1])
    assert 0.01 < dark < 0.5                                      # text on the page, not blank, not black
