"""Tables as passages that keep their headers: spreadsheets (.xlsx, .csv) and the tables inside .docx files.

A table becomes one line a row, each value named by its column's header — ``指标：城镇新增就业，2024年目标：1200万人
以上。`` — so a row read or cited alone still says what its numbers are, and a question that names the header
("2024年城镇新增就业目标") finds the row. The header is the first row with at least two filled cells; a row with a
single filled cell (a caption or a group title inside the table) is kept as it is; a table of one row or one column
has no header: its cells are lines. Values are cleaned of line breaks; whole-number floats lose their ``.0``; dates
are written YYYY-MM-DD.

.xlsx files are read by openpyxl in read-only mode after the package is checked (entries, declared inflated sizes,
no DTD in any XML part); a sheet's rows are bounded. .csv files are decoded like text files (UTF-8, UTF-16, GBK) and
their delimiter (, tab ; |) is sniffed.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

from jianghua.errors import DocumentLoadError

MAX_CELLS = 2_000_000
MAX_ENTRIES = 5000
MAX_INFLATED = 256 * 1024 * 1024
_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _BREAKS.sub(" ", str(value)).strip()


def row_lines(rows: list[list[str]]) -> list[str]:
    """The lines of one table (see the module docstring)."""
    rows = [[c.strip() for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if len(rows) < 2 or max(len(r) for r in rows) < 2:
        return [c for r in rows for c in r if c]
    k = next((i for i, r in enumerate(rows) if sum(1 for c in r if c) >= 2), None)
    if k is None:
        return [c for r in rows for c in r if c]
    header = rows[k]
    lines = [c for r in rows[:k] for c in r if c]          # captions above the header
    if len(rows) == k + 1:                                  # a header and nothing under it
        return lines + ["，".join(c for c in header if c)]
    for r in rows[k + 1:]:
        filled = [(i, c) for i, c in enumerate(r) if c]
        if len(filled) == 1:
            lines.append(filled[0][1])
            continue
        pairs = []
        for i, c in filled:
            name = header[i] if i < len(header) and header[i] else f"第{i + 1}列"
            pairs.append(f"{name}：{c}")
        lines.append("，".join(pairs) + "。")
    return lines


def csv_lines(text: str) -> list[str]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|，")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    return row_lines(rows)


def csv_text(data: bytes, name: str) -> str:
    from jianghua.ingest.encoding import decode

    text = decode(data, name)
    try:
        return "\n".join(csv_lines(text))
    except csv.Error as e:
        raise DocumentLoadError(f"{name}: CSV 文件格式有误，无法读取（{e}）") from e


def _check_package(data: bytes, name: str) -> None:
    zf = zipfile.ZipFile(io.BytesIO(data))
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise DocumentLoadError(f"{name}: 表格文件内有 {len(infos)} 个部件（上限 {MAX_ENTRIES}），被拒绝读取")
    total = sum(i.file_size for i in infos)
    if total > MAX_INFLATED:
        raise DocumentLoadError(f"{name}: 表格文件解压后有 {total / 2**20:.0f} MB（上限 {MAX_INFLATED / 2**20:.0f} MB），"
                                "被拒绝读取；它可能是恶意构造的文件")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with zf.open(info) as f:
                head = f.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise DocumentLoadError(f"{name}: 表格文件的 {info.filename} 含有 DTD 或实体声明（Excel 从不写入，常见于"
                                        "“十亿笑声”攻击），被拒绝读取")


def xlsx_text(data: bytes, name: str) -> str:
    """Every sheet of a workbook: a line naming the sheet (工作表：…, when there are several), then its table's
    lines."""
    try:
        import openpyxl
    except ImportError as e:
        raise DocumentLoadError(f"{name}: 读取 .xlsx 需要 openpyxl：请运行 pip install openpyxl 后重试（{e}）") from e
    try:
        _check_package(data, name)
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DocumentLoadError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError, IndexError,
            SyntaxError) as e:
        raise DocumentLoadError(f"{name}: 这个 Excel 文件已损坏或不完整，无法打开（{e}）；请在 Excel 或 WPS 中另存后"
                                "再导入") from e
    lines: list[str] = []
    cells = 0
    sheets = 0
    try:
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
                if cells > MAX_CELLS:
                    raise DocumentLoadError(f"{name}: 表格超过 {MAX_CELLS:,} 个单元格，超出单个文件的上限；请拆分后再导入")
                rows.append([cell_text(v) for v in row])
            body = row_lines(rows)
            if body:
                sheets += 1
                lines.append(f"工作表：{ws.title}")
                lines.extend(body)
    except DocumentLoadError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError, IndexError, SyntaxError) as e:
        raise DocumentLoadError(f"{name}: 这个 Excel 文件已损坏或不完整，无法读取（{e}）；请在 Excel 或 WPS 中另存后"
                                "再导入") from e
    finally:
        wb.close()
    if sheets == 1:
        lines = lines[1:]              # one sheet: its name says nothing the file name does not
    return "\n".join(lines)
