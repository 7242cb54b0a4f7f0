"""One upload path for the page and the API: a seed speech uploaded through the page's 导入知识库 (via Gradio's own
upload route and queue, as the browser does) and through POST /api/documents is one document whose source is the
user's file name; uploading it again either way is "unchanged", an edited copy "replaced"; the type and size limits
and their Chinese messages are the same both ways; no upload or draft export leaves files behind in the temp root."""
from __future__ import annotations

import html
import io
import tempfile
from pathlib import Path

import pytest

from jianghua.samples import SEEDS
from tests.ui.conftest import settings_for
from tests.ui.gradio_queue import PageQueue, entries, file_value
from tests.ui.test_api import assert_error

SEED = SEEDS / "全面从严治党表态发言.txt"
TOPIC = "全面从严治党"


@pytest.fixture
def temp_root(tmp_path, monkeypatch) -> Path:
    """A private temp root for this test (Python's temp dir and Gradio's cache inside it), so that counting its
    entries sees only this server's files."""
    root = tmp_path / "tmp"
    (root / "gradio").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))
    return root


@pytest.fixture
def page_client(temp_root, tmp_path):
    """``page_client(kb=None, **settings)`` → (client, PageQueue): the whole application, page included, over a new
    empty knowledge base unless ``kb`` is given."""
    from fastapi.testclient import TestClient
    from jianghua.ui.server import create_app

    opened = []

    def make(kb=None, **kw):
        c = TestClient(create_app(settings_for(kb or tmp_path / "kb", **kw), background_embedding=False))
        opened.append(c.__enter__())
        return c, PageQueue(c)

    def close(c):                     # shut the server down now (its lifespan's end)
        opened.remove(c)
        c.__exit__(None, None, None)

    make.close = close
    yield make
    for c in opened:
        c.__exit__(None, None, None)


def page_upload(q: PageQueue, name: str, data: bytes, key: str = "") -> str:
    """The 导入知识库 result text (Markdown, unescaped) after choosing one file and clicking."""
    return html.unescape(q.call("ingest", q.upload((name, data)), key)[0])


def api_upload(c, name: str, data: bytes):
    return c.post("/api/documents", files=[("files", (name, data, "application/octet-stream"))])


def head_docs(c) -> list[dict]:
    return c.app.state.jianghua.kb.documents("head")


def test_page_and_api_make_one_document_named_for_the_users_file(page_client):
    c, q = page_client()
    data = SEED.read_bytes()
    assert f"{SEED.name}：已新增" in page_upload(q, SEED.name, data)
    assert [d["source"] for d in head_docs(c)] == ["upload:" + SEED.name]

    body = api_upload(c, SEED.name, data).json()
    assert body["files"] == [{"filename": SEED.name, "status": "unchanged", "error": None}]
    assert body["version"] is None
    assert f"{SEED.name}：未变化" in page_upload(q, SEED.name, data)      # again through the page: no second copy
    docs = head_docs(c)
    assert len(docs) == 1 and docs[0]["source"] == "upload:" + SEED.name
    assert [d["source"] for d in c.get("/api/documents").json()["documents"]] == [SEED.name]
    assert c.app.state.jianghua.kb.head() == 1


def test_edited_reupload_through_the_page_replaces(page_client):
    c, q = page_client()
    text = SEED.read_text("utf-8")
    body = api_upload(c, SEED.name, text.encode("utf-8")).json()
    assert body["files"][0]["status"] == "added"
    first = text.splitlines()[0]
    edited = text.replace(first, first.replace("我们", "我们全体党员干部", 1), 1)
    assert edited != text
    assert f"{SEED.name}：已替换旧版本" in page_upload(q, SEED.name, edited.encode("utf-8"))
    docs = head_docs(c)
    assert len(docs) == 1 and docs[0]["source"] == "upload:" + SEED.name
    assert "我们全体党员干部" in c.app.state.jianghua.kb.document(docs[0]["doc_id"]).text


def test_a_long_file_name_is_recorded_whole_both_ways(page_client):
    # official file names are often long titles: this one is over the 200 bytes Gradio keeps of a stored file's name
    c, q = page_client()
    text = SEED.read_text("utf-8")
    first = text.splitlines()[0]
    name = f"{SEED.stem}（{first[:60]}）.txt"
    assert len(name.encode("utf-8")) > 200
    assert f"{name}：已新增" in page_upload(q, name, text.encode("utf-8"))
    edited = text.replace(first, first + "我们将坚决贯彻落实。", 1)
    assert api_upload(c, name, edited.encode("utf-8")).json()["files"][0]["status"] == "replaced"
    assert [d["source"] for d in head_docs(c)] == ["upload:" + name]


def test_unsupported_type_refused_with_the_same_message(page_client):
    c, q = page_client()
    name = SEED.stem + ".zip"
    message = assert_error(api_upload(c, name, SEED.read_bytes()), 415, "unsupported_media_type")["message"]
    shown = page_upload(q, name, SEED.read_bytes())
    assert shown == f"⚠ {message}"
    assert c.get("/api/index").json()["serving"] is None          # nothing ingested either way


def test_size_limit_the_same_both_ways(page_client, temp_root):
    c, q = page_client(max_upload_mb=1)
    big = SEED.read_bytes() * (2**20 // SEED.stat().st_size + 1)
    assert len(big) > 2**20
    message = assert_error(api_upload(c, SEED.name, big), 413, "payload_too_large")["message"]
    # the page's upload route has the same limit ...
    assert c.get("/config").json()["max_file_size"] == 2**20
    assert c.post("/gradio_api/upload", files=[("files", (SEED.name, big, "text/plain"))]).status_code == 413
    # ... and so has its handler, with the same message, for a file stored by any other way
    stored = temp_root / "gradio" / ("0" * 64) / SEED.name
    stored.parent.mkdir(parents=True)
    stored.write_bytes(big)
    shown = html.unescape(q.call("ingest", [file_value(str(stored), SEED.name, len(big))], "")[0])
    assert shown == f"⚠ {message}"
    assert c.get("/api/index").json()["serving"] is None


def test_uploads_leave_no_files_behind(page_client, temp_root):
    c, q = page_client()
    before = entries(temp_root)
    page_upload(q, SEED.name, SEED.read_bytes())
    api_upload(c, SEED.name, SEED.read_bytes())
    page_upload(q, SEED.stem + ".zip", SEED.read_bytes())            # refused: its stored copy goes too
    assert entries(temp_root) == before
    assert len(head_docs(c)) == 1


def test_draft_exports_leave_no_files_behind(page_client, temp_root, seed_kb_dir, tmp_path):
    import shutil

    import docx

    kb = tmp_path / "seed"
    shutil.copytree(seed_kb_dir, kb)
    c, q = page_client(kb=kb)
    before = entries(temp_root)

    def export(session: str) -> tuple[dict, bytes]:
        out = q.call("write", TOPIC, "", 600, session=session)
        value = out[2]["value"]
        return value, q.download(value)

    value, data = export("one")
    after_one = entries(temp_root)
    assert len(after_one) > len(before)                           # the file being offered for download
    assert TOPIC in "".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    for _ in range(3):                                            # drafts in the same session replace it
        value, data = export("one")
        assert len(entries(temp_root)) == len(after_one)
    assert data.startswith(b"PK")
    other, _ = export("two")                                      # another session's does not take it away
    assert q.download(value) == data and other["path"] != value["path"]
    page_client.close(c)                                          # shutdown removes them all
    assert entries(temp_root) == before


def test_a_killed_servers_download_files_go_at_the_next_start(page_client, temp_root):
    import subprocess
    import sys

    from jianghua.ui.downloads import DOWNLOAD_PREFIX
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    left = temp_root / "gradio" / f"{DOWNLOAD_PREFIX}{ended.pid}"
    (left / "session" / "1").mkdir(parents=True)
    (left / "session" / "1" / "讲话稿-全面从严治党.docx").write_bytes(b"PK")
    page_client()
    assert not left.exists()
