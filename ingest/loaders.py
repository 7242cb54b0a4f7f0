"""Find supported files and turn each into raw text (txt/md, docx, pdf, html)."""
from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ingest.encoding import decode
from jianghua.errors import DocumentLoadError, InputError, UnsupportedFileError

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")
MAX_BYTES = 50 * 1024 * 1024

_HTML_DROP = ("script", "style", "nav", "header", "footer", "noscript", "template", "head")
_HTML_BLOCKS = ("p", "div", "section", "article", "main", "aside", "blockquote", "pre", "li", "ul", "ol", "dl",
                "dt", "dd", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure",
                "figcaption", "address", "center")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses ASCII whitespace only; U+3000 indents stay


@dataclass(frozen=True)
class Loaded:
    """Raw text of a file, and a title the format itself declares (HTML ``<title>``)."""

    text: str
    title_hint: str | None = None


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Supported files under ``paths`` (folders recursively, hidden entries skipped), sorted, each once.

    A file named explicitly is yielded whatever its suffix, so that loading it reports an unsupported type.
    """
    found: set[Path] = set()
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file or folder")
        if p.is_file():
            found.add(p)
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = [d for d in dirs if not _hidden(d)]
            found.update(Path(root) / f for f in files
                         if not _hidden(f) and Path(f).suffix.lower() in SUPPORTED_SUFFIXES)
    yield from sorted(found)


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
    if suffix == ".docx":
        loaded = Loaded(_docx_text(data, name))
    elif suffix == ".pdf":
        loaded = Loaded(_pdf_text(data, name))
    elif suffix in (".html", ".htm"):
        loaded = _html(data, name)
    else:
        loaded = Loaded(decode(data, name))
    if not loaded.text.strip():
        raise DocumentLoadError(f"{name}: no text found in the file")
    return loaded


def load_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The raw text of one file (see ``load``)."""
    return load(path, max_bytes).text


def _docx_text(data: bytes, name: str) -> str:
    """Paragraphs and table cells in document order, one paragraph a line."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        doc = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
        raise DocumentLoadError(f"{name}: the Word file is damaged or incomplete and cannot be opened "
                                f"({e}); open and save it again in Word, then retry") from e
    lines: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell repeats in row.cells
                        seen.add(id(cell._tc))
                        lines.extend(p.text for p in cell.paragraphs)
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _pdf_text(data: bytes, name: str) -> str:
    """Page texts joined by newlines."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentLoadError(f"{name}: the PDF is password-protected; remove the password and retry")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError) as e:
        raise DocumentLoadError(f"{name}: the PDF is damaged or incomplete and cannot be read ({e})") from e
    if not text.strip():
        raise DocumentLoadError(f"{name}: the PDF has no text layer (probably a scanned image); "
                                "run OCR on it first, or upload the original Word or text file")
    return text


def _html(data: bytes, name: str) -> Loaded:
    """Visible text of a page, one block element a line, and its ``<title>``."""
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(decode(data, name), "html.parser")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for tag in soup.find_all(_HTML_DROP + ("title",)):
        tag.decompose()
    for s in soup.find_all(string=True):
        if type(s) is NavigableString and s.find_parent("pre") is None:  # not comments, not <pre>
            s.replace_with(NavigableString(_HTML_SPACE.sub(" ", s)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return Loaded(soup.get_text(), title or None)
