"""GET /api/documents/{doc_id} and the offsets a citation carries: into the document text the route returns, and
into the user's own .txt file."""
from __future__ import annotations

import io
import re

from jianghua.samples import SEEDS
from tests.ui.conftest import QUESTION
from tests.ui.latin import english_words

QUESTIONS = [QUESTION, "软弱涣散党组织怎么整顿？", "三会一课是什么？", "如何加强基层党组织建设？", "述职评议发现了哪些问题？"]
PATHISH = re.compile(r"(/tmp/|/root/|/home/|samples/|[A-Za-z]:\\)")


def test_every_citation_indexes_the_document_text_and_the_file(client):
    files = {p.name: p.read_text(encoding="utf-8-sig") for p in SEEDS.glob("*.txt")}
    seen = 0
    for q in QUESTIONS:
        body = client.post("/api/ask", json={"question": q}).json()
        for c in body["citations"]:
            doc = client.get(f"/api/documents/{c['doc_id']}")
            assert doc.status_code == 200, doc.text
            d = doc.json()
            assert d["text"][c["start"]:c["end"]] == c["quote"]
            assert d["source"] in files and c["source"] == d["source"]     # a file name, not a server path
            assert files[d["source"]][c["file_start"]:c["file_end"]] == c["quote"]
            seen += 1
    assert seen >= 10


def test_document_view_shape(client):
    doc_id = client.get("/api/documents").json()["documents"][0]["doc_id"]
    d = client.get(f"/api/documents/{doc_id}").json()
    assert d["doc_id"] == doc_id and d["chars"] == len(d["text"]) and d["serving"] is True and d["versions"] == [1]
    assert d["format"] == "txt" and d["offsets"] and not PATHISH.search(d["source"])
    spans = [(p["start"], p["end"]) for p in d["passages"]]
    assert spans == sorted(spans) and spans[-1][1] <= d["chars"]
    assert any(p["section"] for p in d["passages"])


def test_unknown_document_is_a_chinese_404(client):
    r = client.get("/api/documents/0123456789abcdef")
    assert r.status_code == 404
    msg = r.json()["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", msg) and not english_words(msg), msg
    assert client.get("/api/documents/..%2F..%2Fetc").status_code in (404, 422)


def test_uploaded_text_file_offsets_index_the_file_as_sent(make_client):
    c = make_client(kb="empty")
    raw = ("关于加强机关作风建设的讲话\n\n\n  同志们：\n\n本文系作者原创投稿，仅供学习参考，请勿照搬照抄！\n"
           "今天我们召开会议，专题研究机关作风建设。\n一是要转变作风，\t深入基层  调查研究。\n")
    r = c.post("/api/documents", files=[("files", ("作风建设讲话.txt", io.BytesIO(raw.encode("utf-8")), "text/plain"))])
    assert r.status_code == 200 and r.json()["files"][0]["status"] == "added", r.text
    body = c.post("/api/ask", json={"question": "机关作风建设要怎么做？"}).json()
    assert body["citations"], body
    for cit in body["citations"]:
        assert cit["source"] == "作风建设讲话.txt"
        got = raw[cit["file_start"]:cit["file_end"]]
        assert re.sub(r"\s+", "", got) == re.sub(r"\s+", "", cit["quote"])     # cleaning only touched whitespace
        assert got[0] == cit["quote"][0] and got[-1] == cit["quote"][-1]


def test_no_server_path_in_any_response(client):
    bodies = [client.post("/api/ask", json={"question": q}).text for q in QUESTIONS[:2]]
    bodies.append(client.post("/api/ask", json={"question": "火星上有水吗？"}).text)      # declined: closest hits
    bodies.append(client.post("/api/draft", json={"topic": "基层党组织建设"}).text)
    bodies.append(client.post("/api/search", json={"query": "主体责任"}).text)
    bodies.append(client.get("/api/documents").text)
    bodies.append(client.post("/v1/chat/completions", json={"model": "jianghua", "messages": [
        {"role": "user", "content": QUESTION}]}).text)
    assert sum('"source"' in b for b in bodies) >= 5                  # the check below has something to look at
    for b in bodies:
        assert not re.search(r'"source":\s*"[^"]*[/\\\\]', b), b[:300]


def test_streamed_answer_carries_file_offsets(client):
    import json
    with client.stream("POST", "/api/ask", json={"question": QUESTION, "stream": True}) as r:
        text = "".join(r.iter_text())
    result = next(json.loads(b.split("data: ", 1)[1]) for b in text.split("\n\n") if b.startswith("event: result"))
    files = {p.name: p.read_text(encoding="utf-8-sig") for p in SEEDS.glob("*.txt")}
    assert result["citations"]
    for c in result["citations"]:
        assert files[c["source"]][c["file_start"]:c["file_end"]] == c["quote"]


def test_api_docs_state_the_offsets(client):
    info = client.get("/openapi.json").json()
    assert "file_start" in info["info"]["description"] and "/api/documents/{doc_id}" in info["paths"]
