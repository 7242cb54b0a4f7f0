"""Hostile and pathological files (ingest/office.py, ingest/html_text.py, ingest/loaders.py, ingest/encoding.py):
bombs are refused in bounded memory, pathological text and HTML take linear time, content beats the name, and in a
batch a bad file fails alone with a one-line reason."""
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.ingest.chunking import chunk_document
from jianghua.ingest.documents import load_document
from jianghua.ingest.loaders import iter_files, load, load_text
from jianghua.errors import DocumentLoadError
from jianghua.settings import Settings
from tests.ingest.test_loaders import QUZHI, make_docx, make_pdf, seed_lines

ROOT = Path(__file__).resolve().parents[2]
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
PARA = b"<w:p><w:r><w:t>" + "党的建设".encode() * 40 + b"</w:t></w:r></w:p>"


def docx_with(path: Path, template: Path, document: bytes | None = None, stream=None) -> Path:
    """A copy of a real .docx whose word/document.xml is replaced (``stream``: an iterator of byte blocks)."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
        with out.open("word/document.xml", "w", force_zip64=True) as f:
            for block in (stream if stream is not None else [document]):
                f.write(block)
    return path


@pytest.fixture
def good_docx(tmp_path) -> Path:
    return make_docx(tmp_path / "good.docx", seed_lines(QUZHI))


def bomb_blocks(total: int):
    head = f'<?xml version="1.0"?><w:document {W}><w:body>'.encode()
    yield head
    n = (total - len(head)) // len(PARA)
    for _ in range(n // 1000):
        yield PARA * 1000
    yield b"</w:body></w:document>"


def peak_rss_mb(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code + "\nimport resource; print(resource.getrusage("
                          "resource.RUSAGE_SELF).ru_maxrss / 1024)"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return float(out.stdout.split()[-1])


def test_zip_bomb_docx_is_refused_in_bounded_memory(tmp_path, good_docx):
    bomb = docx_with(tmp_path / "bomb.docx", good_docx, stream=bomb_blocks(200 * 2**20))
    assert bomb.stat().st_size < 2 * 2**20                       # ~1 MB on disk, 200 MB inflated
    with pytest.raises(DocumentLoadError, match="bomb.docx.*解压后有 200 MB"):
        load(bomb)
    imports = "from jianghua.ingest.loaders import load\nfrom pathlib import Path\n"
    idle = peak_rss_mb(imports)
    peak = peak_rss_mb(imports + f"try:\n    load(Path({str(bomb)!r}))\nexcept Exception as e:\n    print(e)")
    assert peak < idle + 30, (idle, peak)


def test_a_zip_that_lies_about_its_inflated_size_is_refused(tmp_path, good_docx):
    real = docx_with(tmp_path / "real.docx", good_docx, stream=bomb_blocks(100 * 2**20))
    data = bytearray(real.read_bytes())
    with zipfile.ZipFile(real) as z:
        info = z.getinfo("word/document.xml")
    # declare 1 MB instead of 100 MB in the entry's central directory record (uncompressed size at +24)
    at = -1
    while True:
        at = data.find(b"PK\x01\x02", at + 1)
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len] == b"word/document.xml":
            break
    assert int.from_bytes(data[at + 24:at + 28], "little") == info.file_size
    data[at + 24:at + 28] = (2**20).to_bytes(4, "little")
    (tmp_path / "liar.docx").write_bytes(bytes(data))
    with zipfile.ZipFile(tmp_path / "liar.docx") as z:
        assert z.getinfo("word/document.xml").file_size == 2**20
    with pytest.raises(DocumentLoadError, match="liar.docx.*damaged"):
        load(tmp_path / "liar.docx")


def test_billion_laughs_docx_is_refused_without_expanding(tmp_path, good_docx):
    lol = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)) + \
        f"]><w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>".encode()
    f = docx_with(tmp_path / "lol.docx", good_docx, lol)
    t0 = time.perf_counter()
    with pytest.raises(DocumentLoadError, match="lol.docx.*DTD"):
        load(f)
    assert time.perf_counter() - t0 < 1


@pytest.mark.parametrize("xml, why", [
    (f"<w:document {W}><w:body>".encode() + b"<w:tbl>" * 5000, "嵌套超过"),
    (f"<w:document {W}><w:body><w:p><w:r><w:t>未闭合".encode(), "damaged"),
    (b"\x00\x01garbage", "damaged")], ids=["deep", "unclosed", "garbage"])
def test_malformed_docx_xml_is_one_clear_error(tmp_path, good_docx, xml, why):
    f = docx_with(tmp_path / "bad.docx", good_docx, xml)
    with pytest.raises(DocumentLoadError, match=f"bad.docx.*{why}"):
        load(f)


def test_100000_deep_html_takes_linear_time(tmp_path):
    times = {}
    for n in (25_000, 100_000):
        f = tmp_path / f"deep{n}.html"
        f.write_text("<html><body>" + "<div>" * n + "深层正文。" + "</div>" * n + "<p>末段。</p></body></html>",
                     encoding="utf-8")
        t0 = time.perf_counter()
        text = load_text(f)
        times[n] = time.perf_counter() - t0
        assert "深层正文。" in text and "末段。" in text
    assert times[100_000] < 5 and times[100_000] < 8 * times[25_000] + 0.5, times


def test_five_megabytes_without_punctuation_load_and_chunk_quickly(tmp_path):
    letters = "".join(ch for ch in QUZHI.read_text(encoding="utf-8") if "\u4e00" <= ch <= "\u9fff")
    f = tmp_path / "run.txt"
    f.write_text((letters * (5_000_000 // len(letters) + 1))[:5_000_000], encoding="utf-8")
    t0 = time.perf_counter()
    doc = load_document(f)
    chunks = chunk_document(doc)
    assert time.perf_counter() - t0 < 60
    assert max(len(c.text) for c in chunks) <= 800 and all(doc.text[c.start:c.end] == c.text for c in chunks)


def test_a_pdf_named_txt_is_read_as_a_pdf(tmp_path):
    lines = seed_lines(QUZHI)[:6]
    pdf = make_pdf(tmp_path / "real.pdf", lines)
    (tmp_path / "renamed.txt").write_bytes(pdf.read_bytes())
    assert "".join(load_text(tmp_path / "renamed.txt").split()) == "".join("".join(lines).split())


def test_a_zip_named_txt_and_a_png_named_txt_are_refused(tmp_path, good_docx):
    with zipfile.ZipFile(tmp_path / "a.txt", "w") as z:
        z.writestr("x.csv", "1,2")
    with pytest.raises(DocumentLoadError, match="a.txt.*zip"):
        load(tmp_path / "a.txt")
    (tmp_path / "w.txt").write_bytes(good_docx.read_bytes())        # a Word file named .txt: read as Word
    assert load_text(tmp_path / "w.txt").splitlines() == seed_lines(QUZHI)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text(tmp_path, encoding):
    text = QUZHI.read_text(encoding="utf-8")
    (tmp_path / "u.txt").write_bytes(text.encode(encoding))
    assert load_text(tmp_path / "u.txt") == text


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("不应被导入的文件。", encoding="utf-8")
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(QUZHI.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    (folder / "sub" / "same.txt").symlink_to(folder / "a.txt")         # inside the folder: fine
    assert sorted(p.relative_to(folder).as_posix() for p in iter_files([folder])) == ["a.txt", "sub/same.txt"]


def test_a_bad_file_fails_alone_in_a_batch_with_a_one_line_reason(tmp_path, good_docx):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "speech.txt").write_text(QUZHI.read_text(encoding="utf-8"), encoding="utf-8")
    docx_with(folder / "bomb.docx", good_docx, stream=bomb_blocks(100 * 2**20))
    docx_with(folder / "broken.docx", good_docx, b"<w:document><w:body><w:p>")
    docx_with(folder / "lol.docx", good_docx, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    report = kb.ingest([folder], progress=False, embed=False)
    assert [Path(s).name for s in report.added] == ["speech.txt"]
    failed = {Path(s).name: e for s, e in report.failed}
    assert sorted(failed) == ["bomb.docx", "broken.docx", "lol.docx"]
    assert all("\n" not in e and len(e) <= 300 for e in failed.values())
    assert kb.documents()[0]["chunks"] > 0
    kb.close()


def test_cli_ingest_reports_each_bad_file_and_keeps_the_good_ones(tmp_path, good_docx):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "speech.txt").write_text(QUZHI.read_text(encoding="utf-8"), encoding="utf-8")
    docx_with(folder / "lol.docx", good_docx, b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANGHUA_")}
    done = subprocess.run([sys.executable, "-m", "jianghua.cli", "ingest", str(folder), "--kb", str(tmp_path / "kb"),
                           "--quiet", "--no-embed", "--json"], cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert [Path(s).name for s in report["added"]] == ["speech.txt"]
    assert [Path(f["source"]).name for f in report["failed"]] == ["lol.docx"]
