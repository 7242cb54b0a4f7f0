"""The Word parts python-docx does not write: footnotes (a real ``word/footnotes.xml`` part with
``w:footnoteReference`` runs in the body), font substitutes (``w:altName`` in the font table, so 方正小标宋简体 falls
back to 宋体 where it is absent), page-number fields and odd/even footers."""
from __future__ import annotations

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_SEPARATORS = (
    f'<w:footnotes {nsdecls("w", "r")}>'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    '</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '</w:footnotes>')


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def set_fonts(run_or_style_element, east_asia: str, ascii_font: str = "Times New Roman") -> None:
    """Set a run's (or a style's) fonts, the East Asian one included (python-docx sets only ascii/hAnsi)."""
    rpr = run_or_style_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for attr, val in (("w:ascii", ascii_font), ("w:hAnsi", ascii_font), ("w:eastAsia", east_asia),
                      ("w:cs", ascii_font)):
        fonts.set(qn(attr), val)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def add_font_substitutes(doc, substitutes: dict[str, str]) -> None:
    """Declare each font in the font table with its substitute (``w:altName``)."""
    from lxml import etree
    part = doc.part.part_related_by(RT.FONT_TABLE)
    table = etree.fromstring(part.blob)
    for name, alt in substitutes.items():
        for f in table.findall(qn("w:font")):
            if f.get(qn("w:name")) == name:
                table.remove(f)
        table.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{_esc(name)}"><w:altName w:val="{_esc(alt)}"/>'
            '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'))
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


class Footnotes:
    """The document's footnotes part; ``add(paragraph, text)`` appends a footnote reference to the paragraph."""

    def __init__(self, doc, font: str, size_pt: float):
        self.doc, self.font, self.size = doc, font, size_pt
        part = doc.part
        try:
            self.part = part.part_related_by(RT.FOOTNOTES)
        except KeyError:
            self.part = XmlPart(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, parse_xml(_SEPARATORS), part.package)
            part.relate_to(self.part, RT.FOOTNOTES)
        settings = doc.settings.element
        if settings.find(qn("w:footnotePr")) is None:
            settings.append(parse_xml(f'<w:footnotePr {nsdecls("w")}><w:numFmt w:val="decimal"/>'
                                      '<w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'))
        self.next_id = 1 + max([int(f.get(qn("w:id"))) for f in self.part.element.findall(qn("w:footnote"))] + [0])

    def add(self, paragraph, text: str) -> int:
        fid = self.next_id
        self.next_id += 1
        half = int(self.size * 2)
        fonts = f'<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{_esc(self.font)}"/>'
        self.part.element.append(parse_xml(
            f'<w:footnote {nsdecls("w")} w:id="{fid}"><w:p><w:pPr><w:spacing w:after="0" w:line="300" '
            f'w:lineRule="exact"/><w:jc w:val="both"/></w:pPr>'
            f'<w:r><w:rPr>{fonts}<w:vertAlign w:val="superscript"/><w:sz w:val="{half}"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr>{fonts}<w:sz w:val="{half}"/></w:rPr><w:t xml:space="preserve"> {_esc(text)}</w:t></w:r>'
            '</w:p></w:footnote>'))
        paragraph._p.append(parse_xml(
            f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{fid}"/></w:r>'))
        return fid


def page_number_footer(footer, align: str, font: str, size_pt: float) -> None:
    """'— N —' with a PAGE field (GB/T 9704: 4号半角宋体, 一字线 either side)."""
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.text = ""
    p._p.get_or_add_pPr().append(parse_xml(f'<w:jc {nsdecls("w")} w:val="{align}"/>'))
    half = int(size_pt * 2)
    rpr = (f'<w:rPr><w:rFonts w:ascii="{_esc(font)}" w:hAnsi="{_esc(font)}" w:eastAsia="{_esc(font)}"/>'
           f'<w:sz w:val="{half}"/></w:rPr>')
    for xml in (f'<w:r {nsdecls("w")}>{rpr}<w:t xml:space="preserve">— </w:t></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:t>1</w:t></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:fldChar w:fldCharType="end"/></w:r>',
                f'<w:r {nsdecls("w")}>{rpr}<w:t xml:space="preserve"> —</w:t></w:r>'):
        p._p.append(parse_xml(xml))
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.first_line_indent = Pt(0)
    if align == "right":                       # 单页码居右空一字，双页码居左空一字
        p.paragraph_format.right_indent = Pt(size_pt)
    else:
        p.paragraph_format.left_indent = Pt(size_pt)
