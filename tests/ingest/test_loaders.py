"""ingest.loaders: finding files and reading txt/md/docx/pdf/html into raw text, and every way that fails."""
import random
from pathlib import Path

import docx
import pytest

from jianghua.ingest.loaders import SUPPORTED_SUFFIXES, iter_files, load, load_text
from jianghua.errors import DocumentLoadError, InputError, UnsupportedFileError

SEED_DIR = Path(__file__).resolve().parents[2] / "samples" / "seeds"
SEEDS = sorted(SEED_DIR.glob("*.txt"))
QUZHI = SEED_DIR / "在区直机关党建推进会上的讲话.txt"


def seed_lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]


def nonspace(s: str) -> str:
    return "".join(s.split())


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    d.save(path)
    return path


def make_pdf(path: Path, lines: list[str], width: int = 35) -> Path:
    """A text PDF in Chinese: reportlab's built-in Adobe CID font STSong-Light needs no font file."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    y = 800
    c.setFont("STSong-Light", 12)
    for line in lines:
        for i in range(0, len(line), width):
            if y < 50:
                c.showPage()
                c.setFont("STSong-Light", 12)
                y = 800
            c.drawString(40, y, line[i:i + width])
            y -= 16
    c.save()
    return path


# ---- iter_files

def test_iter_files_walks_folders_sorted_and_skips_hidden(tmp_path):
    for rel in ["b/2.txt", "b/1.MD", "a.docx", "c/d/e.pdf", "c/x.html", "c/y.htm", "z.markdown",
                "notes.pptx", "img.gif", ".hidden.txt", ".git/config.txt", "b/.cache/k.txt", "~$a.docx", "noext"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    got = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert got == ["a.docx", "b/1.MD", "b/2.txt", "c/d/e.pdf", "c/x.html", "c/y.htm", "z.markdown"]


def test_iter_files_mixes_files_and_folders_once_each(tmp_path):
    (tmp_path / "f").mkdir()
    a, b = tmp_path / "f" / "a.txt", tmp_path / "b.txt"
    a.write_text("x"), b.write_text("y")
    assert list(iter_files([b, str(tmp_path / "f"), a, tmp_path])) == sorted([a, b])


def test_iter_files_keeps_an_explicit_file_so_its_type_error_is_reported(tmp_path):
    f = tmp_path / "speech.pptx"
    f.write_text("x")
    assert list(iter_files([f])) == [f]
    with pytest.raises(UnsupportedFileError):
        load(f)


def test_iter_files_missing_path_names_it(tmp_path):
    missing = tmp_path / "没有这个目录"
    with pytest.raises(InputError, match="没有这个目录"):
        list(iter_files([SEED_DIR, missing]))


def test_iter_files_on_the_seeds():
    assert list(iter_files([SEED_DIR])) == SEEDS and len(SEEDS) == 5


# ---- round trips of a seed speech through every format

@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("suffix", [".txt", ".md", ".markdown"])
def test_text_round_trip(tmp_path, path, suffix):
    f = tmp_path / ("speech" + suffix)
    f.write_bytes(path.read_bytes())
    loaded = load(f)
    assert loaded.text == path.read_text("utf-8")
    assert loaded.title_hint is None
    assert load_text(f) == loaded.text


def test_gbk_text_file_round_trip(tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes(QUZHI.read_text("utf-8").encode("gbk"))
    assert load_text(f) == QUZHI.read_text("utf-8")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_docx_round_trip(tmp_path, path):
    lines = seed_lines(path)
    f = make_docx(tmp_path / "speech.docx", lines)
    assert load_text(f).splitlines() == lines  # one paragraph, one line, in order


def test_docx_tables_in_document_order(tmp_path):
    lines = seed_lines(QUZHI)
    d = docx.Document()
    d.add_paragraph(lines[0])
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "单位", "得分"
    t.cell(1, 0).text, t.cell(1, 1).text = "区直机关工委", "95"
    d.add_paragraph(lines[1])
    merged = d.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合并单元格"
    merged.cell(0, 2).text = "末列"
    d.save(tmp_path / "t.docx")
    assert load_text(tmp_path / "t.docx").splitlines() == [     # a row named by its header; one row: its cells
        lines[0], "单位：区直机关工委，得分：95。", lines[1], "合并单元格", "末列"]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_pdf_round_trip(tmp_path, path):
    lines = seed_lines(path)
    text = load_text(make_pdf(tmp_path / "speech.pdf", lines))
    assert nonspace(text) == nonspace("".join(lines))  # a PDF keeps its characters
    # lines are rebuilt into paragraphs (tests/ingest/test_ofd.py: a real PDF gives the .txt's paragraphs); this
    # layout (no indent, no justification) is ambiguous, but a break only ever falls where make_pdf broke a line
    pieces = [nonspace(line[i:i + 35]) for line in lines for i in range(0, len(line), 35)]
    cuts = {sum(map(len, pieces[:k])) for k in range(len(pieces) + 1)}
    got = [nonspace(ln) for ln in text.splitlines() if ln.strip()]
    assert {sum(map(len, got[:k])) for k in range(len(got) + 1)} <= cuts


def test_pdf_pages_joined_by_newline(tmp_path):
    lines = [f"第{i}行：全面从严治党" for i in range(120)]  # > 1 page at 16 pt a line
    text = load_text(make_pdf(tmp_path / "p.pdf", lines))
    assert [ln for ln in text.splitlines() if ln] == lines  # no page's last line glued to the next page's first


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_html_round_trip(tmp_path, path):
    lines = seed_lines(path)
    body = "\n".join(f"<p>\n  {ln}\n</p>" for ln in lines)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title> {lines[0]} _共产党员网 </title>"
            "<style>p {color: red}</style><script>var track = '统计代码';</script></head><body>"
            "<header>网站首页 | 登录</header><nav>导航栏目</nav><!-- 注释不是正文 -->"
            f"<div class='article'>{body}</div><footer>版权所有 ©2024</footer></body></html>")
    f = tmp_path / "page.html"
    f.write_text(page, encoding="utf-8")
    loaded = load(f)
    assert loaded.title_hint == f"{lines[0]} _共产党员网"
    got = [ln.strip() for ln in loaded.text.splitlines() if ln.strip()]
    assert got == lines
    for junk in ("统计代码", "color", "导航栏目", "网站首页", "版权所有", "注释不是正文"):
        assert junk not in loaded.text


def test_html_br_and_inline_tags(tmp_path):
    f = tmp_path / "p.htm"
    f.write_text("<body><p>第一行<br>第二<b>行</b><a href='#'>链接</a></p><ul><li>一</li><li>二</li></ul>"
                 "<pre>保留\n  缩进</pre></body>", encoding="utf-8")
    loaded = load(f)
    assert [ln for ln in loaded.text.splitlines() if ln.strip()] == ["第一行", "第二行链接", "一", "二", "保留", "  缩进"]
    assert loaded.title_hint is None


def test_html_in_gbk(tmp_path):
    lines = seed_lines(QUZHI)[:5]
    page = "<html><head><meta charset='gbk'><title>讲话</title></head><body>" + \
        "".join(f"<p>{ln}</p>" for ln in lines) + "</body></html>"
    (tmp_path / "g.html").write_bytes(page.encode("gbk"))
    loaded = load(tmp_path / "g.html")
    assert [ln for ln in loaded.text.splitlines() if ln.strip()] == lines and loaded.title_hint == "讲话"


# ---- failures

@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_file(tmp_path, suffix):
    f = tmp_path / ("empty" + suffix)
    f.write_bytes(b"")
    with pytest.raises(DocumentLoadError, match=rf"empty{suffix}.*empty"):
        load(f)


def test_whitespace_only_text(tmp_path):
    f = tmp_path / "blank.txt"
    f.write_text(" \n\u3000\u3000\n\t\n", encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="blank.txt: no text"):
        load(f)


def test_random_bytes_as_txt(tmp_path):
    f = tmp_path / "r.txt"
    f.write_bytes(random.Random(1).randbytes(10_000))
    with pytest.raises(DocumentLoadError, match="r.txt"):
        load(f)


def test_png_named_txt(tmp_path):
    f = tmp_path / "photo.txt"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(2).randbytes(500))
    with pytest.raises(DocumentLoadError, match="photo.txt.*binary"):
        load(f)


@pytest.mark.parametrize("keep", [0.5, 0.9, 100])
def test_truncated_docx(tmp_path, keep):
    good = make_docx(tmp_path / "good.docx", seed_lines(QUZHI)).read_bytes()
    f = tmp_path / "cut.docx"
    f.write_bytes(good[:int(len(good) * keep)] if keep < 1 else good[:keep])
    with pytest.raises(DocumentLoadError, match="cut.docx.*Word file is damaged") as e:
        load(f)
    assert e.value.__cause__ is not None


def test_text_named_docx(tmp_path):
    f = tmp_path / "plain.docx"
    f.write_text("这其实是一个文本文件", encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="plain.docx"):
        load(f)


def test_docx_without_text(tmp_path):
    f = make_docx(tmp_path / "blank.docx", ["", "  "])
    with pytest.raises(DocumentLoadError, match="blank.docx: no text"):
        load(f)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_pdf(tmp_path, keep):
    good = make_pdf(tmp_path / "good.pdf", seed_lines(QUZHI)[:10]).read_bytes()
    f = tmp_path / "cut.pdf"
    f.write_bytes(good[:int(len(good) * keep)])
    with pytest.raises(DocumentLoadError, match="cut.pdf.*PDF is damaged") as e:
        load(f)
    assert e.value.__cause__ is not None


def test_scanned_pdf_without_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(50, 50, 400, 600, fill=1)  # a page with only a picture-like drawing
    c.showPage()
    c.save()
    with pytest.raises(DocumentLoadError, match="scan.pdf.*没有文字层.*没有识别出文字"):    # OCR found nothing
        load(tmp_path / "scan.pdf")


def test_garbage_named_pdf(tmp_path):
    f = tmp_path / "x.pdf"
    f.write_bytes(b"%PDF-1.4\n" + random.Random(3).randbytes(2000))
    with pytest.raises(DocumentLoadError, match="x.pdf"):
        load(f)


def test_too_large_rejected_before_reading(tmp_path, monkeypatch):
    f = tmp_path / "huge.txt"
    with open(f, "wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)  # sparse: takes no disk space

    def no_reading(*a, **k):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "read_text", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(DocumentLoadError, match=r"huge.txt.*too large \(50.0 MB; the limit is 50 MB\)"):
        load(f)


def test_max_bytes_is_configurable(tmp_path):
    f = tmp_path / "s.txt"
    f.write_bytes(QUZHI.read_bytes())
    assert load(f, max_bytes=QUZHI.stat().st_size).text
    with pytest.raises(DocumentLoadError, match="too large"):
        load(f, max_bytes=1024)


@pytest.mark.parametrize("name", ["speech.key", "speech.exe", "README", "slides.pptx", "x.txt.bak"])
def test_unsupported_suffix(tmp_path, name):
    f = tmp_path / name
    f.write_text("内容")
    with pytest.raises(UnsupportedFileError) as e:
        load(f)
    message = str(e.value)
    assert name in message and (Path(name).suffix or "no suffix") in message
    assert all(s in message for s in SUPPORTED_SUFFIXES)


def test_missing_file(tmp_path):
    with pytest.raises(DocumentLoadError, match="gone.txt.*cannot be read"):
        load(tmp_path / "gone.txt")


def test_folder_with_a_supported_suffix(tmp_path):
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(DocumentLoadError, match="dir.txt: not a regular file"):
        load(tmp_path / "dir.txt")
