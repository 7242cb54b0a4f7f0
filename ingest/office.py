"""Text of a .docx without trusting it: the zip and its XML are read with hard limits, in bounded memory.

Checked before anything is inflated: the number of entries and the declared size of the main document part; while
it inflates, the bytes actually produced (a zip that lies about its sizes is caught too). The XML is parsed as a
stream by expat with no DTD allowed at all (Word never writes one), so entities are never declared, let alone
expanded (billion laughs), and elements nested deeper than ``MAX_DEPTH`` are refused. Time and memory are linear in
the inflated size, which the limits bound.

The text is what python-docx gives: paragraphs one a line, the runs and hyperlinks of each paragraph, with ``w:tab``
as a tab and ``w:br``/``w:cr`` as a line break. A table (the outermost; a table nested in a cell is part of its cell)
becomes one line a row with each value named by its column header (``ingest.tables.row_lines``).
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from xml.parsers import expat

from jianghua.errors import DocumentLoadError

MAX_ENTRIES = 5000
MAX_PART_BYTES = 64 * 1024 * 1024        # inflated size of word/document.xml (a 1,000-page report is ~20 MB)
MAX_RELS_BYTES = 1024 * 1024
MAX_DEPTH = 256
_READ = 1 << 16

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_RUN_TEXT = {f"{W} t": None, f"{W} tab": "\t", f"{W} br": "\n", f"{W} cr": "\n", f"{W} noBreakHyphen": "-",
             f"{W} ptab": "\t"}
_P, _R, _LINK = f"{W} p", f"{W} r", f"{W} hyperlink"
_TBL, _TR, _TC, _SPAN, _VMERGE = f"{W} tbl", f"{W} tr", f"{W} tc", f"{W} gridSpan", f"{W} vMerge"


class _Refused(Exception):
    """Raised inside expat handlers; becomes a DocumentLoadError naming the file."""


def docx_text(data: bytes, name: str) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _Refused(f"压缩包内有 {len(infos)} 个文件（上限 {MAX_ENTRIES}）")
        part = _main_part(zf)
        return _document_text(zf, zf.getinfo(part))
    except _Refused as e:
        raise DocumentLoadError(f"{name}: 这个 Word 文件被拒绝读取：{e}。它可能是恶意构造的文件；请在 Word 中打开并"
                                "另存为新文件后重试") from e
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, expat.ExpatError, NotImplementedError,
            RuntimeError) as e:
        raise DocumentLoadError(f"{name}: the Word file is damaged or incomplete and cannot be opened "
                                f"({e}); open and save it again in Word, then retry") from e


def _main_part(zf: zipfile.ZipFile) -> str:
    """The main document part named by the package relationships (normally word/document.xml)."""
    target = None

    def start(tag, attrs):
        nonlocal target
        if tag.endswith(" Relationship") and attrs.get("Type") == _REL_OFFICE and target is None:
            target = attrs.get("Target")

    _parse(zf, zf.getinfo("_rels/.rels"), MAX_RELS_BYTES, start, None, None)
    if not target:
        raise KeyError("the package names no main document part")
    return posixpath.normpath(target.lstrip("/"))


def _document_text(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    lines: list[str] = []
    line: list[str] = []
    stack: list[str] = []
    state = {"paras": 0, "text": False, "tables": 0}
    rows: list[list[list]] = []       # the outermost table being read: rows of [cell paragraphs, span, merged]

    def in_run() -> bool:        # a run directly in the outermost paragraph, or in one of its hyperlinks
        if state["paras"] != 1 or len(stack) < 3 or stack[-2] != _R:
            return False
        return stack[-3] == _P or stack[-3] == _LINK and len(stack) >= 4 and stack[-4] == _P

    def start(tag, attrs):
        stack.append(tag)
        if tag == _TBL:
            state["tables"] += 1
            if state["tables"] == 1:
                rows.clear()
        elif state["tables"] == 1 and tag == _TR:
            rows.append([])
        elif state["tables"] == 1 and tag == _TC and rows:
            rows[-1].append([[], 1, False])
        elif state["tables"] == 1 and tag == _SPAN and rows and rows[-1]:
            rows[-1][-1][1] = max(1, min(64, int(attrs.get(f"{W} val", "1") or 1)))
        elif state["tables"] == 1 and tag == _VMERGE and rows and rows[-1]:
            rows[-1][-1][2] = attrs.get(f"{W} val", "continue") != "restart"
        elif tag == _P:
            state["paras"] += 1
        elif tag in _RUN_TEXT and in_run():
            if tag == f"{W} t":
                state["text"] = True
            elif tag != f"{W} br" or attrs.get(f"{W} type", "textWrapping") == "textWrapping":
                line.append(_RUN_TEXT[tag])

    def end(tag):
        stack.pop()
        if tag == f"{W} t":
            state["text"] = False
        elif tag == _P:
            state["paras"] -= 1
            if state["paras"] == 0:
                if state["tables"] and rows and rows[-1]:
                    rows[-1][-1][0].append("".join(line))
                else:
                    lines.append("".join(line))
                line.clear()
        elif tag == _TBL:
            state["tables"] -= 1
            if state["tables"] == 0:
                lines.extend(_table_lines(rows))

    def chars(data):
        if state["text"]:
            line.append(data)

    _parse(zf, info, MAX_PART_BYTES, start, end, chars)
    return "\n".join(lines)


def _table_lines(rows: list[list[list]]) -> list[str]:
    """A Word table as ``ingest.tables.row_lines`` gives it: a cell spanning n columns fills the first of them; a
    cell continuing a vertical merge repeats the value above it."""
    from jianghua.ingest.tables import row_lines

    grid: list[list[str]] = []
    for row in rows:
        out: list[str] = []
        for paras, span, merged in row:
            text = " ".join(p.strip() for p in paras if p.strip())
            col = len(out)
            if merged and not text and grid and col < len(grid[-1]):
                text = grid[-1][col]
            out.extend([text] + [""] * (span - 1))
        grid.append(out)
    return row_lines(grid)


def _parse(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, start, end, chars) -> None:
    """Stream one part through expat, refusing DTDs, deep nesting and more than ``limit`` inflated bytes."""
    if info.file_size > limit:
        raise _Refused(f"{info.filename} 解压后有 {info.file_size / 2**20:.0f} MB（上限 {limit / 2**20:.0f} MB）")
    p = expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = [0]

    def no_dtd(*_):
        raise _Refused("其中含有 DTD 或实体声明（Word 文件从不包含，常见于“十亿笑声”攻击）")

    def on_start(tag, attrs):
        depth[0] += 1
        if depth[0] > MAX_DEPTH:
            raise _Refused(f"XML 嵌套超过 {MAX_DEPTH} 层")
        start(tag, attrs)

    def on_end(tag):
        depth[0] -= 1
        if end is not None:
            end(tag)

    p.StartDoctypeDeclHandler = no_dtd
    p.EntityDeclHandler = no_dtd
    p.ExternalEntityRefHandler = no_dtd
    p.StartElementHandler = on_start
    p.EndElementHandler = on_end
    if chars is not None:
        p.CharacterDataHandler = chars
    p.buffer_text = True
    seen = 0
    with zf.open(info) as f:
        while True:
            block = f.read(_READ)
            if not block:
                break
            seen += len(block)
            if seen > limit:      # zipfile stops at the declared size; counted all the same
                raise _Refused(f"{info.filename} 解压后超过 {limit / 2**20:.0f} MB")
            p.Parse(block, False)
    p.Parse(b"", True)
