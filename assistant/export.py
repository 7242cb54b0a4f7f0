"""Exporting a draft: Markdown with a source list, and .docx with the sources as endnotes (python-docx)."""
from __future__ import annotations

import io
import re


def _source_line(c: dict) -> str:
    sec = " › ".join(c.get("section") or [])
    return f"[{c['n']}] 《{c['title']}》{(' ' + sec) if sec else ''}，第 {c['start']}–{c['end']} 字：“{c['quote']}”"


def draft_to_markdown(result: dict, topic: str) -> str:
    lines = [f"# 表态发言：{topic}", ""]
    lines += [p for p in result["draft"].split("\n") if p.strip()]
    lines = [lines[0], ""] + [p + "\n" for p in lines[2:]]
    lines += ["## 来源", ""] + [f"- {_source_line(c)}" for c in result["citations"]]
    return "\n".join(lines) + "\n"


def draft_to_docx(result: dict, topic: str) -> bytes:
    """The draft as a Word document: title, paragraphs with superscript markers, and an endnote list."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.add_heading(f"表态发言：{topic}", level=1)
    for para in (p for p in result["draft"].split("\n") if p.strip()):
        p = doc.add_paragraph()
        for piece in re.split(r"(\[\d+\])", para):
            if not piece:
                continue
            run = p.add_run(piece)
            if re.fullmatch(r"\[\d+\]", piece):
                run.font.superscript = True
    if result["citations"]:
        doc.add_heading("注释（来源）", level=2)
        for c in result["citations"]:
            note = doc.add_paragraph(_source_line(c))
            for r in note.runs:
                r.font.size = Pt(9)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
