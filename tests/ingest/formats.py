"""Real files of the office formats, made from the seed speeches: page images drawn with Noto CJK (a scan at a given
dpi, a photo with skew, blur, uneven light and noise), scanned PDFs with no text layer (Pillow's PDF writer, one
image a page), legacy Word and WPS binaries by LibreOffice, OFD by easyofd, spreadsheets by openpyxl.

Used by the tests under tests/ingest and by benchmarks/ocr.py; each maker writes to a path it is given."""
from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
from pathlib import Path

from jianghua.samples import SEEDS

FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
FONT_INDEX_SC = 2                 # the .ttc holds JP, KR, SC, TC, HK in that order
PER_LINE = 28                     # GB/T 9704: 28 characters a line, 22 lines a page, 三号 (16 pt) type
LINES_PER_PAGE = 22


def seed_text(n: int = 0) -> str:
    return sorted(SEEDS.glob("*.txt"))[n].read_text(encoding="utf-8")


def _font(px: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), px, index=FONT_INDEX_SC)


def layout(text: str, per: int = PER_LINE) -> list[list[str]]:
    """The paragraphs of ``text`` as visual lines, as a typesetter fills them: each paragraph indented two
    characters (full-width spaces), a line closed when the next character would pass ``per`` full-width characters
    of width (digits and Latin letters are narrower, so such lines hold more)."""
    font = _font(100)
    width = per * font.getlength("中")
    out = []
    for para in text.splitlines():
        para = para.strip()
        if not para:
            continue
        lines, line = [], "\u3000\u3000"
        for ch in para:
            if font.getlength(line + ch) > width + 0.5:
                lines.append(line)
                line = ""
            line += ch
        out.append(lines + [line])
    return out


def pages_of(text: str, per: int = PER_LINE, rows: int = LINES_PER_PAGE) -> list[list[str]]:
    """Visual lines cut into pages of ``rows`` lines."""
    lines = [line for para in layout(text, per) for line in para]
    return [lines[i:i + rows] for i in range(0, len(lines), rows)]


def page_reference(lines: list[str]) -> str:
    """What OCR should read on a page: its characters, without the indentation."""
    return "".join("".join(lines).split())


def render_page(lines: list[str], dpi: int = 200, pt: float = 16.0):
    """An A4 page (grey-scale PIL image) at ``dpi`` with ``lines`` set in Noto Serif CJK SC at ``pt`` points,
    margins as GB/T 9704 (37 mm top, 28 mm left)."""
    from PIL import Image, ImageDraw

    w, h = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    px = round(pt / 72 * dpi)
    font = _font(px)
    left, top, step = round(28 / 25.4 * dpi), round(37 / 25.4 * dpi), round(px * 1.75)
    for i, line in enumerate(lines):
        draw.text((left, top + i * step), line, font=font, fill=0)
    return img


def photograph(img, angle: float = 2.0, seed: int = 0, noise: float = 12.0, blur: float = 0.6, quality: int = 80):
    """``img`` as a phone photo of the page: rotated by ``angle`` degrees, blurred, lit unevenly, with Gaussian
    noise, saved as JPEG at ``quality`` (returns the JPEG bytes)."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    img = img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255).filter(ImageFilter.GaussianBlur(blur))
    a = np.asarray(img, dtype=np.float32)
    light = np.linspace(0, 30, a.shape[1])[None, :]
    a = a * 0.88 + 12 - light + rng.normal(0, noise, a.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def scanned_pdf(path: Path, images, dpi: int = 200) -> Path:
    """A PDF of page images and nothing else (no text layer), as a scanner writes it."""
    first, *rest = [im.convert("L") for im in images]
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, out_dir: Path, filter_: str, suffix: str) -> Path:
    """``src`` converted by LibreOffice headless with the export filter ``filter_`` (e.g. 'doc:MS Word 97')."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", filter_,
                    "--outdir", str(out_dir), str(src)], check=True, capture_output=True, timeout=180)
    made = out_dir / (src.stem + "." + filter_.split(":")[0])
    target = out_dir / (src.stem + suffix)
    if made != target:
        made.rename(target)
    return target


def page_paragraphs(text: str, per: int = PER_LINE, rows: int = LINES_PER_PAGE) -> list[list[str]]:
    """Per page, the paragraphs (or the parts of paragraphs) it shows, without their indentation: what OCR should
    rebuild from a page's lines."""
    out: list[list[str]] = [[]]
    n = 0
    for para in layout(text, per):
        for k, line in enumerate(para):
            if n == rows:
                out.append([])
                n = 0
            if k == 0 or not out[-1] or n == 0:
                out[-1].append("")
            out[-1][-1] += line.strip("\u3000")
            n += 1
    return out


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), O(len(a)·len(b))."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(reference: str, got: str) -> float:
    """1 − edit distance / length of the reference, whitespace ignored on both sides."""
    ref, hyp = "".join(reference.split()), "".join(got.split())
    return 1 - edit_distance(ref, hyp) / len(ref)


def lo_word97(src_txt: Path, out_dir: Path, suffix: str = ".doc") -> Path:
    """A plain-text speech (one paragraph a line, UTF-8) saved by LibreOffice as a Word 97–2003 binary. For
    ``suffix='.wps'`` LibreOffice is asked for a .wps and picks its 'MS Word 97' filter itself: the OLE2
    Word-binary container that WPS Office writes under that name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    done = subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                           "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", suffix[1:], "--outdir",
                           str(out_dir), str(src_txt)], capture_output=True, text=True, timeout=180)
    made = out_dir / (src_txt.stem + suffix)
    if done.returncode != 0 or not made.exists():
        raise RuntimeError(f"soffice failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    return made


def official_docx(src_txt: Path, out: Path) -> Path:
    """A plain-text speech (one paragraph a line) as a .docx set the way 公文 are: one typeface for Chinese and
    Latin (Noto Serif CJK SC standing in for 仿宋), 16 pt, justified, first lines indented two characters."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(16)
    style.font.name = "Noto Serif CJK SC"
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), "Noto Serif CJK SC")
    style.paragraph_format.first_line_indent = Pt(32)
    style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for line in src_txt.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d.add_paragraph(line.strip())
    d.save(out)
    return out


def lo_pdf(src_txt: Path, out_dir: Path) -> Path:
    """A plain-text speech set as ``official_docx`` and saved as a PDF (with its text layer) by LibreOffice."""
    out_dir.mkdir(parents=True, exist_ok=True)
    src = official_docx(src_txt, out_dir / (src_txt.stem + ".docx"))
    return convert(src, out_dir, "pdf", ".pdf")


@contextlib.contextmanager
def _chdir(path: str):
    """contextlib.chdir, which Python 3.10 lacks."""
    import os

    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def easyofd_ofd(pdf: Path, out: Path) -> Path:
    """``pdf`` converted to OFD by easyofd (its PDF → OFD writer, text kept as text objects)."""
    import contextlib
    import logging
    import tempfile
    import warnings

    logging.disable(logging.WARNING)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as scratch, _chdir(scratch), \
            contextlib.redirect_stdout(io.StringIO()):          # it writes ./test and prints as it goes
        warnings.simplefilter("ignore")
        from loguru import logger

        logger.remove()
        from easyofd.ofd import OFD

        data = OFD().pdf2ofd(pdf.read_bytes(), optional_text=True)
    out.write_bytes(data)
    return out


def easyofd_scan(images, out: Path) -> Path:
    """Page images as a scanned OFD (one image a page, no text), written by easyofd."""
    import contextlib
    import logging
    import tempfile
    import warnings

    logging.disable(logging.WARNING)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as scratch, _chdir(scratch), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        from loguru import logger

        logger.remove()
        from easyofd.ofd import OFD

        data = OFD().jpg2ofd([im.convert("RGB") for im in images])
    out.write_bytes(data)
    return out
