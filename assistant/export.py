"""Exporting a draft: Markdown with a source list, and Word in the official style of GB/T 9704 (党政机关公文格式).

Word: A4, margins 上 37 mm 下 35 mm 左 28 mm 右 26 mm; title 方正小标宋简体 二号 (22 pt) centred, falling back to 宋体
where the font is absent; body 仿宋_GB2312 三号 (16 pt), first lines indented two characters, 22 lines of 28
characters a page;
level-1 headings (一、) 黑体, level-2 (（一）) 楷体_GB2312; page numbers “— N —” in 4号宋体, odd pages right and even
pages left; every citation marker [n] becomes a real footnote (``w:footnoteReference``) naming the source; document
properties carry the product as author and the time of export.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

AUTHOR = "jianghua 讲话助手"
TITLE_FONT, BODY_FONT, HEADING1_FONT, HEADING2_FONT, PAGE_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
SUBSTITUTES = {"方正小标宋简体": "宋体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体"}
TITLE_PT, BODY_PT, NOTE_PT, PAGE_PT = 22, 16, 10.5, 14          # 二号, 三号, 五号, 四号
LINE_PT = 28.95          # exact line pitch: 22 lines in the 225 mm text block (28 characters of 16 pt in 156 mm)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
PIECES = re.compile(r"(\[\d+\]|\[待补：[^\]]*\])")
COVERAGE_NOTE = {"thin": "资料覆盖不足：文中【待补】处请补充本单位的具体举措。",
                 "none": "资料中未找到足够的与该主题相关的表述，未生成讲话稿。以下是最接近的资料，供参考。"}


def title_of(topic: str) -> str:
    t = re.sub(r"(?:的)?(?:表态发言|表态|发言)$", "", topic.strip()) or topic.strip()
    return f"关于{t}的表态发言" if not t.startswith("关于") else f"{t}的表态发言"


def source_line(c: dict) -> str:
    sec = " › ".join(c.get("section") or [])
    return f"《{c['title']}》{(' ' + sec) if sec else ''}，第 {c['start']}–{c['end']} 字：“{c['quote']}”"


def draft_to_markdown(result: dict, topic: str) -> str:
    lines = [f"# {title_of(topic)}", ""]
    coverage = result.get("coverage")
    if coverage in COVERAGE_NOTE:
        lines += [f"> {COVERAGE_NOTE[coverage]}", ""]
    for p in (p for p in result["draft"].split("\n") if p.strip()):
        lines += [f"## {p}" if HEADING1.match(p) else p, ""]
    if result["citations"]:
        lines += ["## 来源", ""] + [f"- [{c['n']}] {source_line(c)}" for c in result["citations"]]
    for h in result.get("closest") or []:
        lines.append(f"- 《{h.get('title', '')}》：{h.get('text', '')[:200]}")
    return "\n".join(lines) + "\n"


def draft_to_docx(result: dict, topic: str, now: datetime | None = None) -> bytes:
    """The draft as a .docx laid out per GB/T 9704, with the sources as footnotes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.shared import Mm, Pt

    from jianghua.assistant.docx_parts import Footnotes, add_font_substitutes, page_number_footer, set_fonts

    doc = Document()
    now = now or datetime.now(timezone.utc)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    for side, mm in MARGINS_MM.items():
        setattr(sec, f"{side}_margin", Mm(mm))
    sec.footer_distance = Mm(28)
    add_font_substitutes(doc, SUBSTITUTES)

    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.first_line_indent, pf.space_before, pf.space_after = Pt(BODY_PT * 2), Pt(0), Pt(0)
    pf.line_spacing = Pt(LINE_PT)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    def paragraph(text: str = "", font: str | None = None, size: float | None = None, center: bool = False):
        p = doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
        if text:
            run = p.add_run(text)
            if font:
                set_fonts(run._r, font)
            if size:
                run.font.size = Pt(size)
        return p

    title = paragraph(title_of(topic), TITLE_FONT, TITLE_PT, center=True)
    title.paragraph_format.line_spacing = Pt(36)
    occasion = (result.get("trace") or {}).get("occasion")
    if occasion:
        paragraph(f"（在{occasion}上）", HEADING2_FONT, BODY_PT, center=True)
    paragraph()
    coverage = result.get("coverage")
    if coverage in COVERAGE_NOTE:
        note = paragraph(COVERAGE_NOTE[coverage], HEADING2_FONT, BODY_PT)
        note.runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW

    notes = Footnotes(doc, BODY_FONT, NOTE_PT)
    by_n = {c["n"]: c for c in result.get("citations", [])}
    for line in (p for p in result.get("draft", "").split("\n") if p.strip()):
        font = HEADING1_FONT if HEADING1.match(line) else HEADING2_FONT if HEADING2.match(line) else None
        p = doc.add_paragraph()
        if font:
            p.paragraph_format.keep_with_next = True          # a heading never ends a page
        for piece in PIECES.split(line):
            if not piece:
                continue
            m = re.fullmatch(r"\[(\d+)\]", piece)
            if m and int(m.group(1)) in by_n:
                notes.add(p, source_line(by_n[int(m.group(1))]))
                continue
            run = p.add_run(piece)
            if font:
                set_fonts(run._r, font)
            if piece.startswith("[待补："):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    for h in result.get("closest") or []:
        paragraph(f"《{h.get('title', '')}》：{h.get('text', '')[:200]}")

    doc.settings.odd_and_even_pages_header_footer = True
    page_number_footer(sec.footer, "right", PAGE_FONT, PAGE_PT)
    page_number_footer(sec.even_page_footer, "left", PAGE_FONT, PAGE_PT)

    cp = doc.core_properties
    cp.author = cp.last_modified_by = AUTHOR
    cp.title = title_of(topic)
    cp.subject = topic
    cp.keywords = "表态发言"
    cp.comments = f"资料覆盖：{coverage}" if coverage else ""
    cp.created = cp.modified = now.replace(tzinfo=None) if now.tzinfo else now
    cp.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
