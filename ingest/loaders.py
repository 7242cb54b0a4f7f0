"""Find supported files and turn each into raw text (txt/md, docx, pdf, html, images and scans by OCR)."""
from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Iterable, Iterator

from jianghua.ingest.encoding import decode
from jianghua.ingest.html_text import html_text
from jianghua.ingest.legacy import legacy_text
from jianghua.ingest.ofd import ofd_loaded
from jianghua.ingest.office import docx_text
from jianghua.ingest.pages import Loaded
from jianghua.ingest.scans import IMAGE_SUFFIXES, image_loaded, pdf_loaded
from jianghua.ingest.tables import csv_text, xlsx_text
from jianghua.errors import DocumentLoadError, InputError, UnsupportedFileError

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".doc", ".wps", ".ofd", ".pdf", ".html", ".htm",
                      ".xlsx", ".csv") + IMAGE_SUFFIXES
MAX_BYTES = 50 * 1024 * 1024


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Supported files under ``paths`` (folders recursively, hidden entries skipped), sorted, each once.

    A file named explicitly is yielded whatever its suffix, so that loading it reports an unsupported type.
    """
    found: set[str] = set()
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_file():
            found.add(str(p))
            continue
        found.update(_walk(str(p), p.resolve()))
    for f in sorted(found, key=lambda f: f.split(os.sep)):       # as pathlib orders paths: part by part
        yield Path(f)


def _walk(folder: str, top: Path) -> Iterator[str]:
    """Supported, non-hidden files under ``folder``; linked folders are not entered (as ``os.walk``), a linked
    file counts only if it lies inside ``top``. ``os.scandir`` tells links and folders apart without a stat."""
    stack = [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                entries = list(it)
        except OSError:
            continue
        for e in entries:
            if _hidden(e.name):
                continue
            if e.is_dir(follow_symlinks=False):
                stack.append(e.path)
            elif os.path.splitext(e.name)[1].lower() in SUPPORTED_SUFFIXES and (
                    not e.is_symlink() or e.is_file() and _inside(Path(e.path), top)):
                yield e.path


def _inside(f: Path, top: Path) -> bool:
    """A file in a walked folder counts only if it really lies inside it (a symlink may point anywhere)."""
    if not f.is_symlink():
        return True
    try:
        return f.resolve().is_relative_to(top)
    except (OSError, RuntimeError):        # a link loop
        return False


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))  # ~$x.docx: an Office lock file


def load(path: Path, max_bytes: int = MAX_BYTES) -> Loaded:
    """Read one file into raw text; ``UnsupportedFileError`` or ``DocumentLoadError`` when that is not possible."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFileError(f"{path.name}: files of type '{suffix or '(no suffix)'}' are not supported; "
                                   f"supported types: {', '.join(SUPPORTED_SUFFIXES)}")
    name = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise DocumentLoadError(f"{name}: not a regular file")
        if size == 0:
            raise DocumentLoadError(f"{name}: the file is empty")
        if size > max_bytes:
            raise DocumentLoadError(f"{name}: the file is too large ({size / 2**20:.1f} MB; "
                                    f"the limit is {max_bytes / 2**20:.0f} MB)")
        data = path.read_bytes()
    except OSError as e:
        raise DocumentLoadError(f"{name}: the file cannot be read ({e.strerror or e})") from e
    kind = sniff(data, suffix, name)
    if kind == "docx":
        loaded = Loaded(docx_text(data, name))
    elif kind == "pdf":
        loaded = _pdf(data, name)
    elif kind == "xlsx":
        loaded = Loaded(xlsx_text(data, name))
    elif kind == "csv":
        loaded = Loaded(csv_text(data, name))
    elif kind == "ofd":
        loaded = ofd_loaded(data, name)
    elif kind == "legacy":
        loaded = Loaded(legacy_text(data, name))
    elif kind == "image":
        loaded = image_loaded(data, name)
    elif kind == "html":
        loaded = _html(data, name)
    else:
        loaded = Loaded(decode(data, name))
    if not loaded.text.strip():
        raise DocumentLoadError(f"{name}: no text found in the file")
    return loaded


def load_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The raw text of one file (see ``load``)."""
    return load(path, max_bytes).text


# signatures of formats that are never text: (magic, what it is)
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
          (b"\x7fELF", "程序文件"), (b"MZ", "Windows 程序文件"), (b"\x1f\x8b", "gzip 压缩包"),
          (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"))


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes, suffix: str, name: str) -> str:
    """What the bytes are, whatever the name says: 'pdf' and 'docx' by their signatures (a PDF named .txt is read
    as a PDF); a .docx or .pdf without its signature, or another binary format, is refused; else the suffix's."""
    head = data[:1024]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".ofd" or (suffix != ".docx" and b"OFD.xml" in data[:64 * 1024]):
            return "ofd"
        if suffix == ".xlsx" or (suffix != ".docx" and b"xl/workbook" in data[:64 * 1024]):
            return "xlsx"
        if suffix == ".docx" or b"word/" in data[:64 * 1024] or b"[Content_Types].xml" in head:
            return "docx"
        raise DocumentLoadError(f"{name}: 这是一个 zip 压缩包而不是 Word 文档或文本文件；请解压后导入其中的文件")
    if head.startswith(_OLE):
        return "legacy"               # .doc/.wps (an .xls or .ppt is named as such by the legacy reader)
    if suffix in (".doc", ".wps"):
        if head.lstrip().startswith(b"{\\rtf"):
            raise DocumentLoadError(f"{name}: 这是 RTF 文件（只是扩展名为 {suffix}）；请在 Word 或 WPS 中另存为 .docx 后再导入")
        if head.lstrip()[:1] == b"<":
            return "html"             # Word and WPS save a web page as .doc on request
        raise DocumentLoadError(f"{name}: 这不是 Word 97–2003 或 WPS 文字文件（文件头不对，可能已损坏，或是 WPS 2000 "
                                "以前的旧格式）；请在 WPS 或 Word 中另存为 .docx 后再导入")
    if suffix in (".docx", ".pdf", ".ofd", ".xlsx"):
        return suffix[1:]             # its own loader names the damage
    if suffix in IMAGE_SUFFIXES:
        return "image"                # Pillow names the damage (a PDF or Word file named .png was caught above)
    for magic, what in _MAGIC:
        if head.startswith(magic) and (magic != b"MZ" or b"\x00" in head):
            raise DocumentLoadError(f"{name}: 这是{what}，不是文本文件 (binary)，无法导入")
    if suffix == ".csv":
        return "csv"
    return "html" if suffix in (".html", ".htm") else "text"


MAX_PDF_PAGES = 5000
MAX_PDF_SECONDS = 120.0
MAX_TEXT_CHARS = 60_000_000       # about 120 MB of UTF-8: more than any speech or report


def _pdf_pages(reader, name: str):
    """Page texts, within a page count, a time and a text size budget (pypdf bounds each stream it inflates)."""
    if len(reader.pages) > MAX_PDF_PAGES:
        raise DocumentLoadError(f"{name}: PDF 有 {len(reader.pages)} 页，超过上限 {MAX_PDF_PAGES} 页；请拆分后再导入")
    deadline = time.monotonic() + MAX_PDF_SECONDS
    chars = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        chars += len(text)
        if chars > MAX_TEXT_CHARS:
            raise DocumentLoadError(f"{name}: PDF 的文字超过 {MAX_TEXT_CHARS:,} 字，超出单个文件的上限；请拆分后再导入")
        if time.monotonic() > deadline:
            raise DocumentLoadError(f"{name}: 读取 PDF 超过 {MAX_PDF_SECONDS:.0f} 秒仍未完成（文件过于复杂）；"
                                    "请另存为文本或 Word 文件后再导入")
        yield text


def _pdf(data: bytes, name: str) -> Loaded:
    """Page texts joined by newlines; a page without a text layer is OCR'd (``ingest.scans``)."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentLoadError(f"{name}: the PDF is password-protected; remove the password and retry")
        layer = list(_pdf_pages(reader, name))
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as e:
        raise DocumentLoadError(f"{name}: the PDF is damaged or incomplete and cannot be read ({e})") from e
    return pdf_loaded(data, name, layer)


def _html(data: bytes, name: str) -> Loaded:
    """Visible text of a page, one block element a line, and its ``<title>`` (linear time, see html_text)."""
    text, title = html_text(decode(data, name))
    return Loaded(text, title)
