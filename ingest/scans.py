"""Scanned PDFs and page images (.png .jpg .jpeg .tif .tiff .bmp) read by OCR (see ``ingest.ocr``).

A PDF page whose text layer holds fewer than ``MIN_LAYER_CHARS`` characters is rendered by pypdfium2 at
``RENDER_DPI`` and OCR'd; the other pages keep their text layer, rebuilt into paragraphs from pdfium's text
rectangles when that gives exactly pypdf's characters. An image is one page; a multi-page TIFF is one page
a frame. Every limit is checked before the work: pixels of an image or a frame (a decompression bomb is refused
before it is decoded), pages, and a time budget per OCR'd page. A progress bar (only on a terminal) follows the
OCR'd pages.
"""
from __future__ import annotations

import io
import time

from jianghua.ingest.ocr import OcrPage, OcrParagraph
from jianghua.ingest.pages import Loaded, PageJoiner, typographic_spaces
from jianghua.errors import DocumentLoadError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
MIN_LAYER_CHARS = 10            # a page with fewer characters in its text layer is treated as a scan
RENDER_DPI = 200
MAX_PIXELS = 120_000_000        # an A4 page at 1200 dpi is 140 M; at 600 dpi 35 M
MAX_OCR_PAGES = 1000
OCR_SECONDS_PER_PAGE = 60.0     # ~3 s a page here; the budget only stops a pathological file


def _progress(total: int, name: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"OCR {name}"[:40], unit="页", disable=None if total > 1 else True,
                leave=False)


def _glue(before, page) -> str:
    """Nothing between two OCR'd pages when a paragraph runs on from one to the next (the first page ends on a
    full line and the second opens unindented), else a line break."""
    return "" if before is not None and before.ends_full and not page.opens_indented else "\n"


def image_loaded(data: bytes, name: str):
    """The text of an image file, one page a frame, with its pages and OCR records (``Loaded``)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from jianghua.ingest.ocr import ocr_image

    try:
        with Image.open(io.BytesIO(data)) as img:
            frames = getattr(img, "n_frames", 1)
            if frames > MAX_OCR_PAGES:
                raise DocumentLoadError(f"{name}: 图片有 {frames} 页，超过上限 {MAX_OCR_PAGES} 页；请拆分后再导入")
            pages = PageJoiner()
            deadline = time.monotonic() + OCR_SECONDS_PER_PAGE * frames
            before = None
            with _progress(frames, name) as bar:
                for frame in ImageSequence.Iterator(img):
                    w, h = frame.size
                    if w * h > MAX_PIXELS:
                        raise DocumentLoadError(f"{name}: 图片有 {w}×{h} 像素，超过上限 {MAX_PIXELS // 10**6} 百万像素"
                                                "（可能是恶意构造的文件）；请缩小分辨率后再导入")
                    frame.load()
                    page = ocr_image(frame)
                    pages.add("", ocr=page, glue=_glue(before, page))
                    before = page
                    bar.update()
                    if time.monotonic() > deadline:
                        raise DocumentLoadError(f"{name}: 识别图片文字超时；请拆分后再导入")
    except Image.DecompressionBombError as e:
        raise DocumentLoadError(f"{name}: 图片像素过多，超过上限（可能是恶意构造的文件）；请缩小分辨率后再导入") from e
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as e:
        raise DocumentLoadError(f"{name}: 图片文件已损坏或不完整，无法识别其中的文字（{e}）；请重新扫描或另存后再导入") from e
    if not pages.text.strip():
        raise DocumentLoadError(f"{name}: 图片中没有识别出文字（可能是空白页、照片或分辨率过低）；"
                                "请上传清晰的扫描件（200 dpi 以上）或原始文件")
    return Loaded(pages.text, meta=pages.meta)


def ocr_image_bytes(data: bytes, name: str):
    """OCR of one encoded image (a page image inside another format, e.g. OFD), within the pixel limit."""
    from PIL import Image, UnidentifiedImageError

    from jianghua.ingest.ocr import ocr_image

    try:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise DocumentLoadError(f"{name}: 页面图片有 {w}×{h} 像素，超过上限 {MAX_PIXELS // 10**6} 百万像素")
            img.load()
            return ocr_image(img)
    except Image.DecompressionBombError as e:
        raise DocumentLoadError(f"{name}: 页面图片像素过多，超过上限（可能是恶意构造的文件）") from e
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as e:
        raise DocumentLoadError(f"{name}: 页面图片已损坏，无法识别其中的文字（{e}）") from e


def pdf_loaded(data: bytes, name: str, layer_pages):
    """The text of a PDF, each page from its text layer (``layer_pages``: the texts pypdf extracted, in order)
    or, when that is (nearly) empty, from OCR of the rendered page."""

    layer = list(layer_pages)
    scans = [i for i, t in enumerate(layer) if len("".join(t.split())) < MIN_LAYER_CHARS]
    if len(scans) > MAX_OCR_PAGES:
        raise DocumentLoadError(f"{name}: PDF 有 {len(scans)} 页扫描页需要识别，超过上限 {MAX_OCR_PAGES} 页；"
                                "请拆分后再导入")
    ocr = _ocr_pdf_pages(data, name, scans) if scans else {}
    laid = _layer_paragraphs(data, layer, set(scans))
    pages = PageJoiner()
    before = None
    for i, t in enumerate(layer):
        if i in ocr:
            page = ocr[i]
            pages.add("", ocr=page, glue=_glue(before, page))
        elif laid.get(i) is not None:
            page = laid[i]
            pages.add(page.text, glue=_glue(before, page))
        else:
            page = None
            pages.add(t)
        before = page
    if not pages.text.strip():
        raise DocumentLoadError(f"{name}: PDF 中既没有文字层，也没有识别出文字（可能是空白页或分辨率过低的扫描件）；"
                                "请上传清晰的扫描件（200 dpi 以上）或原始 Word、文本文件")
    return Loaded(pages.text, meta=pages.meta)


def _layer_paragraphs(data: bytes, layer: list[str], skip: set[int]) -> dict:
    """Text-layer pages rebuilt into paragraphs from pdfium's text rectangles (one a run of text on a line), by
    the rules of OCR'd lines (``ingest.ocr.page_lines``). A page is used only when its boxes hold exactly the
    characters pypdf extracted (whitespace aside): the layout changes line breaks (and names a table's cells by
    their headers), never the text. Without pypdfium2, or for
    a file pdfium cannot open, nothing: the pages keep pypdf's lines."""
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return {}
    from jianghua.ingest.ocr import page_lines

    out: dict = {}
    try:
        pdf = pdfium.PdfDocument(data)
    except (pdfium.PdfiumError, ValueError, OSError):
        return {}
    try:
        if len(pdf) != len(layer):
            return {}
        for i, want in enumerate(layer):
            if i in skip:
                continue
            boxes = _runs(pdf[i])
            got = page_lines(boxes, normalise=False) if boxes else None
            if got is not None:
                if got.source == "".join(want.split()):
                    out[i] = OcrPage(tuple(OcrParagraph(typographic_spaces(p.text), p.score) for p in got.paragraphs),
                                     got.opens_indented, got.ends_full, got.source)
    except (pdfium.PdfiumError, ValueError, OSError):       # the layout is an improvement, never a requirement
        return {}
    finally:
        pdf.close()
    return out


def _runs(page) -> list:
    """A page's characters as runs on one line, ``[corners, text, 1.0]`` as the OCR engine gives lines: characters
    in pdfium's order, a run broken at a line break or where the next character is not beside the last one."""
    height = page.get_height()
    tp = page.get_textpage()
    n = tp.count_chars()
    if n > 200_000:
        return []
    text = tp.get_text_range(0, n)
    if len(text) != n:
        return []
    runs: list[list] = []                  # [left, bottom, right, top, chars]
    for k, ch in enumerate(text):
        if ch in "\r\n":
            runs.append(None)
            continue
        left, bottom, right, top = tp.get_charbox(k)
        cur = runs[-1] if runs else None
        if cur is not None and (top - bottom) > 0:
            mid, cmid = (top + bottom) / 2, (cur[3] + cur[1]) / 2
            size = max(top - bottom, cur[3] - cur[1])
            if abs(mid - cmid) < 0.5 * size and -0.5 * size < left - cur[2] < 3 * size:
                cur[0], cur[1], cur[2], cur[3] = min(cur[0], left), min(cur[1], bottom), max(cur[2], right), \
                    max(cur[3], top)
                cur[4].append(ch)
                continue
        if ch.isspace():
            continue
        runs.append([left, bottom, right, top, [ch]])
    return [([(r[0], height - r[3]), (r[2], height - r[3]), (r[2], height - r[1]), (r[0], height - r[1])],
              "".join(r[4]), 1.0) for r in runs if r is not None and "".join(r[4]).strip()]


def _ocr_pdf_pages(data: bytes, name: str, indexes: list[int]) -> dict:
    try:
        import pypdfium2 as pdfium
    except ImportError as e:
        raise DocumentLoadError(f"{name}: 这是扫描件（没有文字层），识别它需要 pypdfium2：请运行 pip install "
                                f"pypdfium2 rapidocr-onnxruntime 后重试（{e}）") from e
    from jianghua.ingest.ocr import ocr_image

    out = {}
    deadline = time.monotonic() + OCR_SECONDS_PER_PAGE * len(indexes)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise DocumentLoadError(f"{name}: 扫描版 PDF 已损坏，无法渲染页面（{e}）") from e
    try:
        with _progress(len(indexes), name) as bar:
            for i in indexes:
                page = pdf[i]
                w, h = page.get_size()                              # points
                scale = RENDER_DPI / 72
                if w * h * scale * scale > MAX_PIXELS:
                    scale = (MAX_PIXELS / (w * h)) ** 0.5
                image = page.render(scale=scale, grayscale=True).to_pil()
                out[i] = ocr_image(image)
                bar.update()
                if time.monotonic() > deadline:
                    raise DocumentLoadError(f"{name}: 识别扫描页超时；请拆分后再导入")
    except pdfium.PdfiumError as e:
        raise DocumentLoadError(f"{name}: 扫描版 PDF 的第 {i + 1} 页已损坏，无法渲染（{e}）") from e
    finally:
        pdf.close()
    return out
