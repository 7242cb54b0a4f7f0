"""Text of OFD files (GB/T 33190, the fixed-layout format of official electronic documents), page by page.

The package is read by ofdkit (pure Python, no dependencies; it refuses DTDs, bounds the entries and the inflated
size of every part, resolves templates and transforms, and tolerates the namespace and attribute quirks of Chinese
producers). Each page's text runs, placed in millimetres, are put back into paragraphs by the same rules as OCR'd
lines (``ingest.ocr.page_lines``: a line that starts indented, or follows a short line or a wider gap, starts a
paragraph; others continue it), so the text of an OFD keeps the paragraphs — and so the 公文 headings — of the
document it was made from. Pages are recorded (``ingest.pages``) so citations can say 第X页. A page without any
text (a scanned page) is refused by name: OCR of OFD page images is not implemented.
"""
from __future__ import annotations

import re

from ingest.pages import PageJoiner
from jianghua.errors import DocumentLoadError

MAX_PAGES = 5000


_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]) (?=[0-9A-Za-z])|"
                        r"(?<=[0-9A-Za-z]) (?=[\u3400-\u9fff\u3000-\u303f\uff00-\uffef])")


def _typographic_spaces(text: str) -> str:
    """A single space between a Chinese character and a digit or Latin letter dropped: fixed-layout producers write
    the typographic gap they leave there (autospacing) as a space character; Chinese text has none."""
    return _CJK_SPACE.sub("", text)


def _em(runs) -> float:
    """The page's usual character size: the median font size, or, where a producer writes none (easyofd writes
    ``size`` for ``Size``), the median advance per character of the longer runs."""
    sizes = sorted(r.size for r in runs if r.size > 0)
    if not sizes:
        sizes = sorted(r.width / len(r.text) for r in runs if len(r.text) >= 5) or \
            sorted(r.width / max(1, len(r.text)) for r in runs)
    return sizes[len(sizes) // 2] or 1.0


def _box(run, em: float) -> list[tuple[float, float]]:
    """A run's four corners (clockwise from top left); ``y`` is its baseline."""
    h = run.size if run.size > 0 else em
    x0, x1, y1 = run.x, run.x + max(run.width, 0.1 * h), run.y
    return [(x0, y1 - h), (x1, y1 - h), (x1, y1), (x0, y1)]


def ofd_loaded(data: bytes, name: str):
    """The text of an OFD file, one paragraph a line, pages joined by a newline (``Loaded`` with page spans)."""
    try:
        import ofdkit
    except ImportError as e:
        raise DocumentLoadError(f"{name}: 读取 OFD 文件需要 ofdkit：请运行 pip install ofdkit 后重试（{e}）") from e
    from ingest.loaders import Loaded
    from ingest.ocr import page_lines

    pages = PageJoiner()
    blank: list[int] = []
    try:
        with ofdkit.open(data) as doc:
            if len(doc.pages) > MAX_PAGES:
                raise DocumentLoadError(f"{name}: OFD 有 {len(doc.pages)} 页，超过上限 {MAX_PAGES} 页；请拆分后再导入")
            before = None
            for k, page in enumerate(doc.pages, 1):
                runs = [r for r in page.runs if r.text.strip()]
                em = _em(runs) if runs else 1.0
                laid = page_lines([(_box(r, em), r.text, 1.0) for r in runs], normalise=False) if runs else None
                text = _typographic_spaces(laid.text) if laid else ""
                if not text.strip():
                    blank.append(k)
                runs_on = before is not None and before.ends_full and laid is not None and not laid.opens_indented
                pages.add(text, glue="" if runs_on else "\n")
                before = laid
    except ofdkit.OFDLimitError as e:
        raise DocumentLoadError(f"{name}: 这个 OFD 文件超出读取上限，被拒绝（{e}）；它可能是恶意构造的文件") from e
    except (ofdkit.OFDError, ValueError, KeyError, IndexError, RecursionError, SyntaxError, OSError) as e:
        raise DocumentLoadError(f"{name}: 这个 OFD 文件已损坏或不完整，无法读取（{e}）；请用 OFD 阅读器打开后重新导出"
                                "或另存为 PDF 后再导入") from e
    if not pages.text.strip():
        raise DocumentLoadError(f"{name}: OFD 文件中没有文字（可能是扫描件，OFD 扫描页的文字识别尚不支持）；请导出为 "
                                "PDF 或图片后再导入")
    meta = pages.meta
    if blank:
        meta["pages_without_text"] = blank
    return Loaded(pages.text, meta=meta)
