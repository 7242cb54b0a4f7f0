"""POST /api/documents: real files through the multipart stream into a new knowledge-base version, and every
way an upload can be wrong (type, size, name, body)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_api import assert_error
from jianghua.ui.uploads import safe_name

SPEECH = """在全市机关作风建设大会上的讲话
（2024年3月1日）
同志们：
今天召开全市机关作风建设大会，主要任务是深入贯彻落实上级关于加强作风建设的部署要求，动员全市机关干部进一步转变作风、提升效能。
一、提高思想认识，切实增强作风建设的责任感
作风建设永远在路上。各级机关要把作风建设摆在突出位置，主要负责同志要亲自抓、负总责，班子成员要落实“一岗双责”。
二、聚焦突出问题，持续整治形式主义官僚主义
要坚持问题导向，精简会议文件，规范督查检查考核，切实为基层减负，让干部把更多精力用在抓落实上。
三、健全长效机制，推动作风建设常态化
要完善作风建设考评办法，把作风表现作为干部选拔任用的重要依据，做到奖惩分明、激浊扬清。
"""


def upload(c, *files, headers=None):
    return c.post("/api/documents", files=[("files", f) for f in files], headers=headers or {})


def test_upload_first_serves_then_candidate(make_client):
    c = make_client(kb="empty")
    assert c.get("/api/index").json()["serving"] is None
    r = upload(c, ("机关作风建设讲话.txt", SPEECH.encode("utf-8"), "text/plain"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["files"] == [{"filename": "机关作风建设讲话.txt", "status": "added", "error": None}]
    assert body["version"] == 1 and body["serving"] == 1 and body["candidate"] is False
    assert body["embedded"] == 0          # a keyword-only knowledge base (dense_weight=0) embeds nothing
    docs = c.get("/api/documents").json()["documents"]
    assert [d["title"] for d in docs] == ["在全市机关作风建设大会上的讲话"]
    # a later upload is a candidate: the serving version stays until promoted
    body = upload(c, ("第二篇.txt", SPEECH.replace("全市", "全县").encode("utf-8"), "text/plain")).json()
    assert body["version"] == 2 and body["serving"] == 1 and body["candidate"] is True
    info = c.get("/api/index").json()
    assert info["candidate"] == 2 and info["documents"] == 1
    assert [v["serving"] for v in info["versions"]] == [True, False]


def test_upload_several_and_again(make_client):
    c = make_client(kb="empty")
    files = [("a.md", SPEECH.encode("utf-8"), "text/markdown"),
             ("b.txt", SPEECH.replace("全市", "全区").encode("gb18030"), "text/plain")]
    body = upload(c, *files).json()
    assert [f["status"] for f in body["files"]] == ["added", "added"]
    again = upload(c, *files).json()
    assert [f["status"] for f in again["files"]] == ["unchanged", "unchanged"] and again["version"] is None


def test_upload_path_traversal_name(make_client, tmp_path):
    c = make_client(kb="empty")
    r = upload(c, ("../../x.txt", SPEECH.encode("utf-8"), "text/plain"))
    assert r.status_code == 200 and r.json()["files"][0]["filename"] == "../../x.txt"
    sources = [d["source"] for d in c.app.state.jianghua.kb.documents("head")]
    assert sources == ["upload:x.txt"]    # a label without the directory part, never a path
    assert not Path("/x.txt").exists() and not (tmp_path.parent.parent / "x.txt").exists()


@pytest.mark.parametrize("name,expected", [
    ("../../x.txt", "01-x.txt"), ("..\\..\\evil.md", "01-evil.md"), ("/etc/passwd.txt", "01-passwd.txt"),
    ("讲话 稿(定稿).DOCX", "01-讲话_稿_定稿.docx"), ("..txt", "01-upload.txt"), ("a\x00b.pdf", "01-a_b.pdf"),
    ("a.b.c.html", "01-a_b_c.html"),
])
def test_safe_name(name, expected):
    assert safe_name(1, name) == expected


def test_unsupported_type(make_client):
    c = make_client(kb="empty")
    assert_error(upload(c, ("tool.exe", b"MZ\x90\x00", "application/octet-stream")), 415, "unsupported_media_type")
    assert_error(upload(c, ("README", b"hello", "text/plain")), 415)
    # one bad file refuses the whole upload: nothing is ingested
    assert_error(upload(c, ("ok.txt", SPEECH.encode(), "text/plain"), ("x.sh", b"rm -rf /", "text/plain")), 415)
    assert c.get("/api/index").json()["serving"] is None


def test_oversized_upload(make_client):
    c = make_client(kb="empty", max_upload_mb=1)
    big = ("big.txt", ("作风建设。" * 120_000).encode("utf-8"), "text/plain")    # ~1.8 MB
    err = assert_error(upload(c, big), 413, "payload_too_large")
    assert "big.txt" in err["message"] and "1 MB" in err["message"]
    assert c.get("/api/index").json()["serving"] is None


def test_empty_and_unreadable_files_fail_per_file(make_client):
    c = make_client(kb="empty")
    body = upload(c, ("empty.txt", b"", "text/plain"), ("good.txt", SPEECH.encode(), "text/plain"),
                  ("broken.docx", b"PK\x03\x04 not really", "application/octet-stream")).json()
    status = {f["filename"]: (f["status"], f["error"]) for f in body["files"]}
    assert status["good.txt"] == ("added", None)
    assert status["empty.txt"][0] == "failed" and "empty.txt" in status["empty.txt"][1]
    assert status["broken.docx"][0] == "failed" and "01-" not in status["broken.docx"][1]


def test_not_multipart(make_client):
    c = make_client(kb="empty")
    assert_error(c.post("/api/documents", json={"files": ["a.txt"]}), 415)
    assert_error(c.post("/api/documents", data={"note": "no file"}, files={}), 415)


def test_multipart_without_files(make_client):
    c = make_client(kb="empty")
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ--\r\n")
    r = c.post("/api/documents", content=body, headers={"content-type": "multipart/form-data; boundary=XyZ"})
    assert_error(r, 400)
    r = c.post("/api/documents", content=b"--XyZ\r\ngarbage",
               headers={"content-type": "multipart/form-data; boundary=XyZ"})
    assert 400 <= r.status_code < 500


def test_rfc5987_file_name(make_client):
    c = make_client(kb="empty")
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''%E8%AE%B2%E8%AF%9D.txt\r\n"
            "Content-Type: text/plain\r\n\r\n" + SPEECH + "\r\n--XyZ--\r\n").encode("utf-8")
    r = c.post("/api/documents", content=body, headers={"content-type": "multipart/form-data; boundary=XyZ"})
    assert r.status_code == 200 and r.json()["files"][0] == {"filename": "讲话.txt", "status": "added", "error": None}


def test_reupload_of_an_edited_file_replaces_it(make_client):
    c = make_client(kb="empty")
    assert upload(c, ("作风讲话.txt", SPEECH.encode("utf-8"), "text/plain")).json()["files"][0]["status"] == "added"
    edited = SPEECH.replace("同志们", "各位同志", 1)
    assert edited != SPEECH
    body = upload(c, ("作风讲话.txt", edited.encode("utf-8"), "text/plain")).json()
    assert body["files"][0]["status"] == "replaced" and body["candidate"] is True
    head = c.app.state.jianghua.kb.documents("head")
    assert [d["source"] for d in head] == ["upload:作风讲话.txt"]
    assert "各位同志" in c.app.state.jianghua.kb.document(head[0]["doc_id"]).text
