"""Text of OFD files (GB/T 33190, the fixed-layout format of official electronic documents), page by page.

The package is read by ofdkit (pure Python, no dependencies; it refuses DTDs, bounds the entries and the inflated
size of every part, resolves templates and transforms, and tolerates the namespace and attribute quirks of Chinese
producers). Each page's text runs, placed in millimetres, are put back into paragraphs by the same rules as OCR'd
lines (``ingest.ocr.page_lines``: a line that starts indented, or follows a short line or a wider gap, starts a
paragraph; others continue it), so the text of an OFD keeps the paragraphs — and so the 公文 headings — of the
document it was made from. Pages are recorded (``ingest.pages``) so citations can say 第X页. A page without any
text (a scanned page) has the images it draws OCR'd (``ingest.ocr``), recorded as OCR'd pages like a scanned PDF's.
"""
from __future__ import annotations

import posixpath

from jianghua.ingest.pages import Loaded, PageJoiner, typographic_spaces
from jianghua.errors import DocumentLoadError

MAX_PAGES = 5000
MAX_IMAGES_PER_PAGE = 16




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


def _page_images(doc, page) -> list[bytes]:
    """The images a page draws (ImageObject → MultiMedia → MediaFile), in drawing order. Uses ofdkit's package and
    page internals (ofdkit is pinned below 0.3); an OFD it cannot follow gives no images."""
    from ofdkit._xml import child_text, local_name

    pkg, body = doc._package, page._body
    media: dict[str, str] = {}
    for res in body.resources:
        root = pkg.read_xml(res)
        base = (root.get("BaseLoc") or "").strip()
        for el in root.iter():
            if local_name(el.tag) == "MultiMedia" and (el.get("Type") or "Image").lower() == "image":
                file = (child_text(el, "MediaFile") or "").strip()
                found = pkg.resolve(res, posixpath.join(base, file)) or pkg.resolve(res, file) if file else None
                if found and el.get("ID"):
                    media[el.get("ID").strip()] = found
    if not page.location:
        return []
    ids = [(el.get("ResourceID") or "").strip() for el in pkg.read_xml(page.location).iter()
           if local_name(el.tag) == "ImageObject"]
    return [pkg.read(media[i]) for i in ids if i in media]


def _ocr_page(doc, page, name: str):
    """OCR of a page without text (a scanned OFD page): its images read in drawing order, as one page."""
    try:
        images = _page_images(doc, page)
    except AttributeError:                    # another ofdkit layout: no scanned pages then
        return None
    if not images:
        return None
    from jianghua.ingest.ocr import OcrPage
    from jianghua.ingest.scans import ocr_image_bytes

    got = [ocr_image_bytes(data, name) for data in images[:MAX_IMAGES_PER_PAGE]]
    paras = tuple(p for g in got for p in g.paragraphs)
    return OcrPage(paras, opens_indented=got[0].opens_indented, ends_full=got[-1].ends_full) if paras else None


def ofd_loaded(data: bytes, name: str):
    """The text of an OFD file, one paragraph a line, pages joined by a newline (``Loaded`` with page spans)."""
    try:
        import ofdkit
    except ImportError as e:
        raise DocumentLoadError(f"{name}: 读取 OFD 文件需要 ofdkit：请运行 pip install ofdkit 后重试（{e}）") from e
    from jianghua.ingest.ocr import page_lines

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
                text = typographic_spaces(laid.text) if laid else ""
                scan = None if text.strip() else _ocr_page(doc, page, name)
                if scan is not None:
                    laid = scan
                elif not text.strip():
                    blank.append(k)
                runs_on = before is not None and before.ends_full and laid is not None and not laid.opens_indented
                pages.add(text, ocr=scan, glue="" if runs_on else "\n")
                before = laid
    except ofdkit.OFDLimitError as e:
        raise DocumentLoadError(f"{name}: 这个 OFD 文件超出读取上限，被拒绝（{e}）；它可能是恶意构造的文件") from e
    except (ofdkit.OFDError, ValueError, KeyError, IndexError, RecursionError, SyntaxError, OSError) as e:
        raise DocumentLoadError(f"{name}: 这个 OFD 文件已损坏或不完整，无法读取（{e}）；请用 OFD 阅读器打开后重新导出"
                                "或另存为 PDF 后再导入") from e
    if not pages.text.strip():
        raise DocumentLoadError(f"{name}: OFD 文件中没有文字，页面图片中也没有识别出文字；请上传清晰的原件或文字版")
    meta = pages.meta
    if blank:
        meta["pages_without_text"] = blank
    return Loaded(pages.text, meta=meta)
