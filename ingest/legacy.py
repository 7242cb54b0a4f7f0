"""Text of legacy Word (.doc, Word 97–2003) and WPS Writer (.wps) binaries, read as the format specifies ([MS-DOC]).

WPS Office saves .wps as the same OLE2 Word-binary container (FIB magic 0xA5EC), so one reader serves both. The
file is opened by olefile; the FIB names the table stream (0Table or 1Table) and the CLX in it; the CLX's piece
table says where each run of the document's characters lies in the WordDocument stream and whether it is stored
as UTF-16 or as compressed 8-bit (cp1252) text. Only the main document (character positions ``0 … ccpText``) is
read — footnotes, headers and comments are not the speech. Word's control characters become text: ``\\r`` (end
of paragraph) a line break, ``\\x0b`` a line break, ``\\x0c`` (page or section break) a line break; a table
(``\\x07`` ends a cell and a row, told apart by the paragraph properties) one line a row, each value named by its
header (``ingest.tables.row_lines``), as the .docx reader writes it; of a field (``\\x13`` code ``\\x14`` result
``\\x15``) only its result is kept; anchors of pictures, footnotes and comments are dropped.

Unlike reading from ``fcMin`` to ``fcMac`` (which is what simple readers do, and which holds only for a file saved
in one piece), the piece table is right for files Word saved quickly (in several pieces) and for files mixing 8-bit
and UTF-16 runs. Word 95 and older files, and encrypted ones, are refused with a reason.
"""
from __future__ import annotations

import io
import re
import struct

from jianghua.errors import DocumentLoadError

MAX_CHARS = 60_000_000
_U16, _U32 = struct.Struct("<H"), struct.Struct("<I")
_DROP = {"\x01", "\x02", "\x03", "\x04", "\x05", "\x06", "\x08", "\x1f", "\x00"}
_LINE = {"\r", "\x07", "\x0b", "\x0c"}


class _Bad(Exception):
    """A structural problem; becomes a DocumentLoadError naming the file."""


def legacy_text(data: bytes, name: str) -> str:
    """The main text of a .doc/.wps binary, one paragraph a line."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError, struct.error) as e:
        raise DocumentLoadError(f"{name}: 这个旧版 Word/WPS 文件已损坏或不完整，无法打开（{e}）；请用 Word 或 WPS "
                                "打开后另存为 .docx 再导入") from e
    try:
        if ole.exists("Workbook") or ole.exists("Book"):
            raise DocumentLoadError(f"{name}: 这是旧版 Excel 表格（.xls），不是 Word 文档；请另存为 .xlsx 后再导入")
        if ole.exists("PowerPoint Document"):
            raise DocumentLoadError(f"{name}: 这是旧版 PowerPoint 演示文稿（.ppt），不能导入；请另存为 .docx 或 .pdf")
        if not ole.exists("WordDocument"):
            raise _Bad("其中没有 WordDocument 数据流，不是 Word/WPS 文字文档")
        return _text(ole, name)
    except _Bad as e:
        raise DocumentLoadError(f"{name}: 这个旧版 Word/WPS 文件无法读取：{e}；请用 Word 或 WPS 打开后另存为 .docx "
                                "再导入") from e
    except (OSError, ValueError, IndexError, KeyError, struct.error, UnicodeDecodeError) as e:
        raise DocumentLoadError(f"{name}: 这个旧版 Word/WPS 文件已损坏或不完整，无法读取（{e}）；请用 Word 或 WPS "
                                "打开后另存为 .docx 再导入") from e
    finally:
        ole.close()


def _text(ole, name: str) -> str:
    wd = ole.openstream("WordDocument").read()
    if len(wd) < 0x200:
        raise _Bad("WordDocument 数据流过短")
    ident = _U16.unpack_from(wd, 0)[0]
    if ident != 0xA5EC:
        if ident in (0xA5DC, 0xA699, 0xA697):
            raise _Bad("这是 Word 95 或更早版本的文件，不受支持")
        raise _Bad(f"文件头标识 {ident:#06x} 不是 Word 97–2003 格式")
    flags = _U16.unpack_from(wd, 0x0A)[0]
    if flags & 0x0100:
        raise DocumentLoadError(f"{name}: 这个 Word/WPS 文件设有密码（已加密）；请去掉密码后再导入")
    table_name = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table_name):
        raise _Bad(f"缺少 {table_name} 数据流")
    table = ole.openstream(table_name).read()
    # FIB: base (32 bytes), csw + fibRgW (2 + 28), cslw + fibRgLw (2 + 88), cbRgFcLcb + fibRgFcLcb
    ccp_text = _U32.unpack_from(wd, 32 + 2 + 28 + 2 + 12)[0]            # fibRgLw.ccpText
    fc_lcb = 32 + 2 + 28 + 2 + 88 + 2
    fc_clx, lcb_clx = _U32.unpack_from(wd, fc_lcb + 33 * 8)[0], _U32.unpack_from(wd, fc_lcb + 33 * 8 + 4)[0]
    if ccp_text > MAX_CHARS:
        raise DocumentLoadError(f"{name}: 文档声明有 {ccp_text:,} 个字符，超出单个文件的上限；请拆分后再导入")
    if lcb_clx == 0 or fc_clx + lcb_clx > len(table):
        raise _Bad("找不到文本片段表（CLX）")
    pieces = _pieces(table[fc_clx:fc_clx + lcb_clx])
    flags = _para_flags(wd, table, fc_lcb)
    out: list[str] = []
    need = ccp_text
    for cp0, cp1, fc, compressed in pieces:
        if need <= 0:
            break
        n = min(cp1 - cp0, need)
        if n <= 0:
            continue
        if compressed:
            chunk = wd[fc:fc + n]
            if len(chunk) < n:
                raise _Bad("文本片段超出数据流末尾")
            out.append(_marks(chunk.decode("cp1252", errors="replace"), fc, 1, flags))
        else:
            chunk = wd[fc:fc + 2 * n]
            if len(chunk) < 2 * n:
                raise _Bad("文本片段超出数据流末尾")
            out.append(_marks(chunk.decode("utf-16-le", errors="replace"), fc, 2, flags))
        need -= n
    return _assemble(_plain("".join(out)))


_CELL, _ROW, _IN_CELL = "\ue000", "\ue001", "\ue002"


def _marks(text: str, fc: int, width: int, flags: dict[int, tuple[bool, bool]]) -> str:
    """Paragraph and cell marks told apart by their paragraph properties: the end of a table row, of a cell, of a
    paragraph inside a cell. ``flags``: byte offset just past a paragraph mark → (in a table, ends a row)."""
    if not flags or ("\x07" not in text and "\r" not in text):
        return text
    out = list(text)
    for k, ch in enumerate(text):
        if ch in "\x07\r":
            in_table, row_end = flags.get(fc + (k + 1) * width, (False, False))
            if ch == "\x07":
                out[k] = _ROW if row_end else _CELL
            elif in_table:
                out[k] = _IN_CELL
    return "".join(out)


def _para_flags(wd: bytes, table: bytes, fc_lcb: int) -> dict[int, tuple[bool, bool]]:
    """From the paragraph properties (PlcfBtePapx → PAPX FKPs): the byte offset just past each paragraph mark →
    (sprmPFInTable, sprmPFTtp). Empty when they cannot be read: a table's cells then come out one a line."""
    try:
        fc, lcb = _U32.unpack_from(wd, fc_lcb + 13 * 8)[0], _U32.unpack_from(wd, fc_lcb + 13 * 8 + 4)[0]
        if lcb < 12 or fc + lcb > len(table):
            return {}
        n = (lcb - 4) // 8
        out: dict[int, tuple[bool, bool]] = {}
        for k in range(min(n, 100_000)):
            pn = _U32.unpack_from(table, fc + 4 * (n + 1) + 4 * k)[0] & 0x3FFFFF
            fkp = wd[pn * 512:(pn + 1) * 512]
            if len(fkp) < 512:
                continue
            crun = fkp[511]
            rgfc = struct.unpack_from(f"<{crun + 1}I", fkp, 0)
            for i in range(crun):
                off = fkp[4 * (crun + 1) + 13 * i] * 2
                in_table = row_end = False
                if off:
                    cb = fkp[off]
                    start, size = (off + 3, cb * 2 - 3) if cb else (off + 4, fkp[off + 1] * 2 - 2)
                    for op, val in _sprms(fkp[start:start + max(0, size)]):
                        if op == 0x2416 and val[:1] not in (b"", b"\x00"):
                            in_table = True
                        elif op == 0x2417 and val[:1] not in (b"", b"\x00"):
                            in_table = row_end = True
                out[rgfc[i + 1]] = (in_table, row_end)
        return out
    except (struct.error, IndexError):
        return {}


def _sprms(grpprl: bytes):
    """(opcode, operand) of each sprm; the operand's size is in the opcode's top three bits ([MS-DOC] 2.2.5.1)."""
    j = 0
    while j + 2 <= len(grpprl):
        op = _U16.unpack_from(grpprl, j)[0]
        j += 2
        spra = op >> 13
        size = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}.get(spra)
        if size is None:                                   # variable: a length byte first
            if j >= len(grpprl):
                return
            size = grpprl[j] + 1
        yield op, grpprl[j:j + size]
        j += size


def _assemble(text: str) -> str:
    """Table rows (cells ended by cell marks, the row by a row mark) as ``ingest.tables.row_lines`` lines."""
    if _CELL not in text and _ROW not in text:
        return text.replace(_IN_CELL, " ")
    from jianghua.ingest.tables import row_lines

    lines: list[str] = []
    rows: list[list[str]] = []
    row: list[str] = []
    current = ""
    for piece in re.split(f"([\n{_CELL}{_ROW}])", text.replace(_IN_CELL, " ")):
        if piece == _CELL:
            row.append(current)
            current = ""
        elif piece == _ROW:
            rows.append(row)
            row, current = [], ""
        elif piece == "\n":
            if row:
                rows.append(row)
                row = []
            if rows:
                lines.extend(row_lines(rows))
                rows = []
            lines.append(current)
            current = ""
        else:
            current += piece
    if row:
        rows.append(row)
    if rows:
        lines.extend(row_lines(rows))
    lines.append(current)
    return "\n".join(lines)


def _pieces(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """(cp start, cp end, byte offset, compressed) for each piece of the CLX's PlcPcd."""
    i = 0
    while i < len(clx) and clx[i] == 0x01:                 # Prc: formatting we do not need
        i += 3 + _U16.unpack_from(clx, i + 1)[0]
    if i >= len(clx) or clx[i] != 0x02:
        raise _Bad("文本片段表（CLX）格式不对")
    lcb = _U32.unpack_from(clx, i + 1)[0]
    plc = clx[i + 5:i + 5 + lcb]
    if len(plc) < lcb or (lcb - 4) % 12:
        raise _Bad("文本片段表（PlcPcd）长度不对")
    n = (lcb - 4) // 12
    cps = [_U32.unpack_from(plc, 4 * k)[0] for k in range(n + 1)]
    out = []
    for k in range(n):
        fc = _U32.unpack_from(plc, 4 * (n + 1) + 8 * k + 2)[0]
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        out.append((cps[k], cps[k + 1], fc // 2 if compressed else fc, compressed))
    if any(b < a for a, b, _, _ in out):
        raise _Bad("文本片段表的位置不是递增的")
    return out


def _plain(raw: str) -> str:
    """Word's control characters as text (see the module docstring)."""
    out: list[str] = []
    code: list[bool] = []        # fields nest; inside a field's code (before its \x14) nothing is kept
    for ch in raw:
        if ch == "\x13":
            code.append(True)
        elif ch == "\x14" and code:
            code[-1] = False
        elif ch == "\x15" and code:
            code.pop()
        elif any(code):
            continue
        elif ch in _LINE:
            out.append("\n")
        elif ch == "\x1e":
            out.append("-")
        elif ch == "\xa0":
            out.append(" ")
        elif ch not in _DROP:
            out.append(ch)
    return "".join(out)
