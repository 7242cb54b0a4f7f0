"""ingest.documents: a file or a pasted text in, one Document out, the same id for the same cleaned text."""
import hashlib
from pathlib import Path

import docx
import pytest

from jianghua.ingest.cleaning import Cleaned
from jianghua.ingest.documents import document_from_text, load_document
from jianghua.errors import DocumentLoadError, InputError, UnsupportedFileError
from jianghua.records import Document

SEED_DIR = Path(__file__).resolve().parents[2] / "samples" / "seeds"
SEEDS = sorted(SEED_DIR.glob("*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_document(path):
    raw = path.read_text("utf-8")
    d = load_document(path)
    assert isinstance(d, Document)
    # the text is the file's, less whitespace and the one boilerplate line a seed carries (read off the file)
    kept = [ln for ln in raw.splitlines() if not ln.startswith("本文系作者原创投稿")]
    assert "".join(d.text.split()) == "".join("".join(kept).split())
    assert d.id == hashlib.sha256(d.text.encode("utf-8")).hexdigest()[:16]      # sha256 prefix of the text
    assert d.source == str(path)
    assert d.meta["suffix"] == ".txt" and d.meta["bytes"] == path.stat().st_size
    first = next(ln for ln in d.text.splitlines())
    assert d.title in (first, path.stem)
    # the stored offsets lead every character of every line back to the raw file
    c = Cleaned(d.text, d.meta["offsets"])
    for line_start in [0] + [i + 1 for i, ch in enumerate(d.text) if ch == "\n"]:
        j = c.to_original(line_start)
        assert raw[j:j + 10] == d.text[line_start:line_start + 10]


def test_metadata_fields_filled():
    d = load_document(SEED_DIR / "市领导在基层党组织书记述职评议会议上的讲话.txt")
    assert d.speaker == "市领导" and d.occasion.endswith("述职评议会议") and d.date is None
    assert d.title.startswith("市领导在参加2022年度")


def test_same_text_same_id_whatever_the_file(tmp_path):
    seed = SEED_DIR / "在区直机关党建推进会上的讲话.txt"
    lines = [ln for ln in seed.read_text("utf-8").splitlines() if ln.strip()]
    copy = tmp_path / "副本.txt"
    copy.write_bytes(b"\r\n".join(ln.encode("gb18030") for ln in lines))  # GB18030, CRLF, no blank lines
    word = tmp_path / "讲话.docx"
    d = docx.Document()
    for ln in lines:
        d.add_paragraph(ln)
    d.save(word)
    html = tmp_path / "page.html"
    html.write_text("<html><body>" + "".join(f"<p>{ln}</p>" for ln in lines) + "</body></html>", encoding="utf-8")
    docs = [load_document(p) for p in (seed, copy, word, html)]
    assert len({x.id for x in docs}) == 1
    assert {x.title for x in docs} == {"在区直机关党建推进会上的讲话"}
    assert [x.meta["suffix"] for x in docs] == [".txt", ".txt", ".docx", ".html"]


def test_html_title_used_when_text_has_none(tmp_path):
    f = tmp_path / "p.html"
    f.write_text("<html><head><title>关于加强作风建设的通知_某某网</title></head><body><p>各单位：现将有关事项通知如下。</p>"
                 "</body></html>", encoding="utf-8")
    assert load_document(f).title == "关于加强作风建设的通知"


def test_only_boilerplate_is_empty(tmp_path):
    f = tmp_path / "notice.txt"
    f.write_text("本文系作者原创投稿，仅供学习参考，请勿照搬照抄！\n\n（全文完）\n", encoding="utf-8")
    with pytest.raises(DocumentLoadError, match="notice.txt"):
        load_document(f)


def test_errors_pass_through(tmp_path):
    (tmp_path / "a.pptx").write_text("x")
    with pytest.raises(UnsupportedFileError):
        load_document(tmp_path / "a.pptx")
    (tmp_path / "b.txt").write_bytes(b"")
    with pytest.raises(DocumentLoadError, match="empty"):
        load_document(tmp_path / "b.txt")


def test_document_from_text():
    raw = (SEED_DIR / "在区直机关党建推进会上的讲话.txt").read_text("utf-8")
    d = document_from_text(raw, "api:upload-1")
    assert "".join(d.text.split()) == "".join(raw.split())       # this seed has no boilerplate: only spaces go
    assert d == Document(
        id=hashlib.sha256(d.text.encode("utf-8")).hexdigest()[:16], title="在区直机关党建推进会上的讲话",
        source="api:upload-1", text=d.text, date=None, speaker=None, occasion="区直机关党建推进会")
    # pasted or read from the file: the same document
    f = load_document(SEED_DIR / "在区直机关党建推进会上的讲话.txt")
    assert (d.id, d.text) == (f.id, f.text)
    c = Cleaned(d.text, d.meta["offsets"])                       # the offsets lead each line back to the raw text
    for line_start in [0] + [i + 1 for i, ch in enumerate(d.text) if ch == "\n"]:
        j = c.to_original(line_start)
        assert raw[j:j + 10] == d.text[line_start:line_start + 10]


def test_document_from_text_given_title_wins():
    d = document_from_text("在区直机关党建推进会上的讲话\n同志们：", "api", title="  我的标题 ")
    assert d.title == "我的标题" and d.occasion == "区直机关党建推进会"


@pytest.mark.parametrize("text", ["", "  \n\u3000", "（全文完）"])
def test_document_from_empty_text(text):
    with pytest.raises(InputError):
        document_from_text(text, "api")
