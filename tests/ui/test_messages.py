"""Every error the API's ``message`` carries (and so the page shows) is Chinese: real failures from the real core,
checked for English words and server paths."""
from __future__ import annotations

import io
import re
import zipfile

from tests.ui.latin import english_words

PATH = re.compile(r"/tmp/|/root/|/home/|pytest-of|site-packages|Traceback")


def assert_chinese(r, status: int) -> str:
    assert r.status_code == status, r.text
    msg = r.json()["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", msg) and not english_words(msg) and not PATH.search(msg), msg
    return msg


def damaged_docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return buf.getvalue()[:-30]                      # cut: the central directory is incomplete


def test_core_errors_are_chinese(make_client):
    c = make_client()
    assert_chinese(c.delete("/api/documents/0123456789ab"), 404)
    assert_chinese(c.post("/api/index/rollback"), 409)
    assert_chinese(c.post("/api/index/promote", json={"version": 1}), 409)         # already serving
    assert_chinese(c.post("/api/index/promote", json={"version": 99}), 404)
    assert_chinese(c.post("/api/eval", json={"version": 99}), 404)
    assert_chinese(c.post("/api/ask", json={"question": "   "}), 400)
    assert_chinese(c.post("/api/draft", json={"topic": "基层党建", "length": 99}), 400)
    assert_chinese(c.post("/api/ask", json={"question": 5}), 422)
    assert_chinese(c.post("/api/search", json={"query": "党建", "k": 0}), 422)
    assert_chinese(c.post("/api/search", json={"query": "党建", "mode": "x"}), 422)
    assert_chinese(c.get("/api/nowhere"), 404)


def test_upload_errors_are_chinese_and_name_the_file(make_client):
    c = make_client()
    assert_chinese(c.post("/api/documents", files=[("files", ("病毒.exe", b"MZ\x90\x00", "application/x-msdownload"))]),
                   415)
    assert_chinese(c.post("/api/documents", data={"x": "1"}), 415)
    r = c.post("/api/documents", files=[("files", ("损坏的讲话.docx", damaged_docx(), "application/octet-stream")),
                                        ("files", ("空白.txt", b"   \n\n", "text/plain")),
                                        ("files", ("二进制.txt", bytes(range(256)) * 8, "text/plain"))])
    assert r.status_code == 200, r.text
    for f in r.json()["files"]:
        assert f["status"] == "failed" and f["error"].startswith(f["filename"] + "："), f
        rest = f["error"][len(f["filename"]):]
        assert re.search(r"[\u4e00-\u9fff]", rest) and not english_words(rest) and not PATH.search(rest), f


def test_api_key_errors_are_chinese(make_client):
    c = make_client(api_key="k" * 16)
    assert_chinese(c.post("/api/index/rollback"), 401)
    assert_chinese(c.post("/api/index/rollback", headers={"Authorization": "Bearer wrong-key-123456"}), 401)


def test_milvus_backend_errors_are_chinese_and_unavailable():
    """The Milvus backend's errors (index/milvus_store.py raises them in English) reach users in Chinese, as 503."""
    from jianghua.errors import BackendError
    from jianghua.ui.errors import describe
    for text in ("JIANGHUA_BACKEND=milvus needs pymilvus and milvus-lite: pip install 'jianghua[milvus]'",
                 "cannot open Milvus at /kb/milvus.db: locked (Milvus Lite serves one process at a time: stop the "
                 "other one, or use a Milvus server, JIANGHUA_MILVUS_URI=http://host:19530)",
                 "cannot open Milvus at http://10.0.0.5:19530: connection refused",
                 "some failure nobody wrote a message for"):
        status, body = describe(BackendError(text))
        message = body["error"]["message"]
        assert status == 503 and re.search(r"[\u4e00-\u9fff]{4}", message), (text, message)
        assert "cannot" not in message and "needs" not in message and "nobody" not in message, message
    assert "另一个进程" in describe(BackendError("cannot open Milvus at x: y (Milvus Lite serves one process at a "
                                               "time: stop the other one)"))[1]["error"]["message"]
