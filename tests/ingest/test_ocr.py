"""OCR of page images and scanned PDFs (ingest/ocr.py, ingest/scans.py, ingest/pages.py) on pages drawn from the
seed speeches with Noto CJK: the models come from inside the package and nothing is downloaded, accuracy on a scan
and on a skewed noisy photo, paragraphs rebuilt, pages and OCR records kept, low confidence flagged, damaged and
hostile images refused alone in a batch."""
import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import need_module

need_module("rapidocr_onnxruntime")
need_module("pypdfium2")

from PIL import Image  # noqa: E402

from jianghua.index.kb import KnowledgeBase  # noqa: E402
from jianghua.ingest.chunking import chunk_document  # noqa: E402
from jianghua.ingest.documents import load_document  # noqa: E402
from jianghua.ingest.loaders import load  # noqa: E402
from jianghua.ingest.ocr import LOW_CONFIDENCE, ocr_image  # noqa: E402
from jianghua.ingest.pages import OCR_NOTE, span_meta  # noqa: E402
from jianghua.errors import DocumentLoadError  # noqa: E402
from jianghua.settings import Settings  # noqa: E402
from tests.ingest.formats import (char_accuracy, page_paragraphs, page_reference, pages_of, photograph,  # noqa: E402
                                  render_page, scanned_pdf, seed_text)

ROOT = Path(__file__).resolve().parents[2]
TEXT = seed_text(4)                       # 市领导在基层党组织书记述职评议会议上的讲话: four pages
PAGES = pages_of(TEXT)
PARAS = page_paragraphs(TEXT)


@pytest.fixture(scope="module")
def scan200():
    return ocr_image(render_page(PAGES[1], 200))


def test_the_models_ship_inside_the_package_and_nothing_downloads():
    import rapidocr_onnxruntime

    pkg = Path(rapidocr_onnxruntime.__file__).parent
    models = sorted(p.name for p in (pkg / "models").glob("*.onnx"))
    assert models == ["ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
                      "ch_ppocr_mobile_v2.0_cls_infer.onnx"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in pkg.rglob("*.py"))
    for word in ("urlopen", "urlretrieve", "requests", "http.client", "download("):
        assert word not in source
    # a fresh process with every socket refused builds the engine and reads a page
    code = ("import socket\n"
            "def refuse(*a, **k): raise OSError('network used')\n"
            "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
            "from tests.ingest.formats import render_page\n"
            "from jianghua.ingest.ocr import ocr_image\n"
            "print(ocr_image(render_page(['　　全面从严治党'], 200)).text)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "全面从严治党"


def test_ocr_is_imported_only_when_an_image_is_loaded(tmp_path):
    code = ("import sys\nfrom ingest.documents import load_document\nfrom samples import SEEDS\n"
            "load_document(sorted(SEEDS.glob('*.txt'))[0])\n"
            "print(sorted(m for m in ('onnxruntime', 'rapidocr_onnxruntime', 'cv2', 'pypdfium2') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_a_200_dpi_scan_reads_at_least_98_percent_of_characters(scan200):
    assert char_accuracy(page_reference(PAGES[1]), scan200.text) >= 0.98
    assert scan200.confidence > LOW_CONFIDENCE


def test_paragraphs_are_rebuilt_from_the_lines(scan200):
    """A line that starts indented, or follows a short line, starts a paragraph; the others continue it."""
    got = [p.text for p in scan200.paragraphs]
    assert len(got) == len(PARAS[1])
    assert all(char_accuracy(want, have) >= 0.97 for want, have in zip(PARAS[1], got))


def test_a_150_dpi_photo_with_2_degrees_of_skew_and_noise_reads_at_least_95_percent():
    img = Image.open(io.BytesIO(photograph(render_page(PAGES[0], 150), angle=2.0)))
    page = ocr_image(img)
    assert char_accuracy(page_reference(PAGES[0]), page.text) >= 0.95
    assert len(page.paragraphs) == len(PARAS[0])        # the skew is undone before indents are compared


def test_a_scanned_pdf_is_read_page_by_page_with_pages_and_confidence(tmp_path):
    path = scanned_pdf(tmp_path / "扫描件.pdf", [render_page(p, 200) for p in PAGES[:2]])
    doc = load_document(path)
    assert doc.meta["ocr_pages"] == [1, 2]
    assert all(LOW_CONFIDENCE < c <= 1 for c in doc.meta["ocr_confidence"].values())
    (a0, b0), (a1, b1) = doc.meta["pages"]
    assert a0 == 0 and b0 <= a1 and b1 == len(doc.text)      # b0 == a1: a paragraph runs on overleaf
    for k, (a, b) in enumerate(doc.meta["pages"]):
        assert char_accuracy(page_reference(PAGES[k]), doc.text[a:b]) >= 0.98
    chunks = chunk_document(doc)
    assert {p for c in chunks for p in span_meta(doc.meta, c.start, c.end)["pages"]} == {1, 2}
    assert all(span_meta(doc.meta, c.start, c.end)["ocr"] for c in chunks)
    assert not any("note" in span_meta(doc.meta, c.start, c.end) for c in chunks)     # read with confidence


def test_only_pages_without_a_text_layer_are_ocrd(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    typed = tmp_path / "typed.pdf"
    c = canvas.Canvas(str(typed))
    c.setFont("STSong-Light", 14)
    for i, line in enumerate(PARAS[0][:3]):
        c.drawString(40, 800 - 20 * i, line[:36])
    c.showPage()
    c.save()
    scan = scanned_pdf(tmp_path / "scan.pdf", [render_page(PAGES[1], 200)])
    import pypdf

    w = pypdf.PdfWriter()
    w.append(str(typed))
    w.append(str(scan))
    w.write(tmp_path / "mixed.pdf")
    loaded = load(tmp_path / "mixed.pdf")
    assert loaded.meta["ocr_pages"] == [2]
    (a0, b0), (a1, b1) = loaded.meta["pages"]
    assert "".join(loaded.text[a0:b0].split()) == "".join(p[:36] for p in PARAS[0][:3])      # the text layer
    assert char_accuracy(page_reference(PAGES[1]), loaded.text[a1:b1]) >= 0.98


def test_a_multi_page_tiff_is_one_page_a_frame(tmp_path):
    first, second = (render_page(p, 200) for p in PAGES[2:4])
    path = tmp_path / "两页.tif"
    first.save(path, save_all=True, append_images=[second], compression="tiff_lzw")
    loaded = load(path)
    assert loaded.meta["ocr_pages"] == [1, 2]
    for k, (a, b) in enumerate(loaded.meta["pages"]):
        assert char_accuracy(page_reference(PAGES[2 + k]), loaded.text[a:b]) >= 0.98


def test_text_read_with_low_confidence_is_marked_for_citations(tmp_path):
    bad = photograph(render_page(PAGES[0], 100), angle=2.0, noise=40, blur=1.0, quality=50)   # barely legible
    (tmp_path / "模糊.jpg").write_bytes(bad)
    doc = load_document(tmp_path / "模糊.jpg")
    assert doc.meta["ocr_low"]
    notes = [span_meta(doc.meta, c.start, c.end).get("note") for c in chunk_document(doc)]
    assert OCR_NOTE in notes
    assert OCR_NOTE == "OCR识别，请核对原件"


@pytest.mark.parametrize("name, data, match", [
    ("cut.png", "truncated", "cut.png.*图片文件已损坏"),
    ("noise.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "noise.jpg.*图片文件已损坏"),
    ("blank.png", "blank", "blank.png.*没有识别出文字"),
    ("bomb.png", "bomb", "bomb.png.*像素"),
    ("word.tif", b"just some text, not an image", "word.tif.*图片文件已损坏"),
])
def test_bad_images_are_refused_with_a_clear_reason(tmp_path, name, data, match):
    if data == "truncated":
        buf = io.BytesIO()
        render_page(PAGES[0], 100).save(buf, "PNG")
        data = buf.getvalue()[:len(buf.getvalue()) // 2]
    elif data == "blank":
        buf = io.BytesIO()
        Image.new("L", (800, 1100), 255).save(buf, "PNG")
        data = buf.getvalue()
    elif data == "bomb":            # 40000 × 40000 pixels in a few kilobytes
        buf = io.BytesIO()
        Image.new("1", (40000, 40000), 1).save(buf, "PNG", optimize=True)
        data = buf.getvalue()
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentLoadError, match=match):
        load(tmp_path / name)


def test_a_truncated_scanned_pdf_is_refused(tmp_path):
    good = scanned_pdf(tmp_path / "good.pdf", [render_page(PAGES[0], 150)]).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(good[:len(good) // 2])
    with pytest.raises(DocumentLoadError, match="cut.pdf"):
        load(tmp_path / "cut.pdf")


def test_a_bad_image_fails_alone_in_a_batch(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "讲话.txt").write_text(seed_text(0), encoding="utf-8")
    render_page(PAGES[0], 200).save(folder / "扫描.png")
    (folder / "坏图.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    report = kb.ingest([folder], progress=False, embed=False)
    assert sorted(Path(s).name for s in report.added) == ["扫描.png", "讲话.txt"]
    failed = {Path(s).name: e for s, e in report.failed}
    assert list(failed) == ["坏图.png"] and "图片文件已损坏" in failed["坏图.png"] and "\n" not in failed["坏图.png"]
    docs = {Path(d["source"]).name: d for d in kb.documents()}
    assert docs["扫描.png"]["chunks"] > 0
    kb.close()
