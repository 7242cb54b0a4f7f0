"""Every /api endpoint through FastAPI's TestClient over the real seed knowledge base: good and bad input."""
from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest

from jianghua.samples import SEEDS
from tests.ui.conftest import QUESTION


def assert_error(r, status: int, type_: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    assert body["error"]["message"]
    if type_:
        assert body["error"]["type"] == type_
    return body["error"]


GOLD_DOC = "在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话.txt"     # the speech that answers QUESTION (q001)


def _plain(text: str) -> str:
    """Markers and whitespace removed."""
    return "".join(re.sub(r"\[\d+\]", "", text).split())


def assert_quotes_from_the_gold_speech(citations: list[dict]) -> None:
    """Each quote is in its seed file as the file words it (read from samples/seeds, whitespace aside), and the
    speech that answers QUESTION (the gold document of seed query q001) is among the cited ones."""
    files = {p.name: _plain(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    for c in citations:
        assert _plain(c["quote"]) in files[c["source"]], c
    assert GOLD_DOC in {c["source"] for c in citations}, citations


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines.get("event", "message"), json.loads(lines["data"])))
    return events


# -- health, index, documents ---------------------------------------------------------------------------------------
def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["ready"] is True


def test_index_info(client):
    info = client.get("/api/index").json()
    assert info["serving"] == 1 and info["documents"] == 5 and info["chunks"] > 50
    assert info["embedder"] == "multilingual-e5-small" and info["candidate"] is None
    assert [v["version"] for v in info["versions"]] == [1] and info["versions"][0]["serving"] is True


# the title each seed speech gives on its first line (the 通报 after its boilerplate line; the 表态发言 has none, so
# its file name), read off samples/seeds
SEED_TITLES = {"全面从严治党表态发言.txt": "全面从严治党表态发言",
               "关于落实全面从严治党主体责任情况通报.txt": "关于落实全面从严治党主体责任情况通报",
               "在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话.txt":
                   "在全区基层党建工作会暨乡镇党委书记抓基层党建专项述职评议大会上的讲话",
               "在区直机关党建推进会上的讲话.txt": "在区直机关党建推进会上的讲话",
               "市领导在基层党组织书记述职评议会议上的讲话.txt":
                   "市领导在参加2022年度某区基层党组织书记落实管党治党主体责任述职评议会议上的讲话"}


def test_documents_list(client):
    docs = client.get("/api/documents").json()["documents"]
    assert {d["source"]: d["title"] for d in docs} == SEED_TITLES
    assert all(d["chunks"] > 0 and d["doc_id"] for d in docs)
    assert sum(d["chunks"] for d in docs) == client.get("/api/index").json()["chunks"]


# -- search -------------------------------------------------------------------------------------------------------
def test_search(client):
    r = client.post("/api/search", json={"query": "主体责任", "k": 3})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert len(hits) == 3
    keys = {"chunk_id", "doc_id", "title", "source", "section", "start", "end", "text", "score", "keyword_rank",
            "dense_rank", "matched"}
    assert keys <= set(hits[0])
    assert "主体责任" in hits[0]["text"] and hits[0]["keyword_rank"] == 1 and hits[0]["end"] > hits[0]["start"]


def test_search_hybrid(make_client, hybrid_kb):
    c = make_client(kb=hybrid_kb, dense_weight=1.0)
    hits = c.post("/api/search", json={"query": "书记述职要突出什么", "k": 5}).json()["hits"]
    assert hits and any(h["dense_rank"] is not None for h in hits)
    assert any(h["keyword_rank"] is not None for h in hits)


@pytest.mark.parametrize("body,status", [
    ({"query": ""}, 400),                       # empty
    ({"query": "   "}, 400),                    # blank
    ({"query": 5}, 422),                        # wrong type
    ({}, 422),                                  # missing key
    ({"query": "党建", "k": 0}, 422),
    ({"query": "党建", "k": "many"}, 422),
    ({"query": "党建", "extra": 1}, 422),        # unknown key
    ({"query": "党" * 2001}, 400),              # over max_question_chars
])
def test_search_bad_input(client, body, status):
    assert_error(client.post("/api/search", json=body), status)


def test_not_json_and_not_object(client):
    assert_error(client.post("/api/search", content=b"{not json", headers={"content-type": "application/json"}), 422)
    assert_error(client.post("/api/search", json=["a"]), 422)


def test_body_too_large(client):
    assert_error(client.post("/api/ask", json={"question": "x" * 1_100_000}), 413, "payload_too_large")


def test_unknown_endpoint(client):
    assert_error(client.get("/api/nothing"), 404, "not_found")


# -- ask -----------------------------------------------------------------------------------------------------------
def test_ask(client):
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    res = r.json()
    assert {"answer", "citations", "grounded", "sentences", "trace"} <= set(res)
    assert "[1]" in res["answer"] and res["citations"][0]["n"] == 1
    c = res["citations"][0]
    assert {"chunk_id", "doc_id", "title", "section", "start", "end", "quote"} <= set(c) and c["quote"]
    assert all({"text", "citations", "support", "supported", "flags"} <= set(s) for s in res["sentences"])
    assert_quotes_from_the_gold_speech(res["citations"])


def test_ask_with_history(client):
    first = client.post("/api/ask", json={"question": QUESTION}).json()
    r = client.post("/api/ask", json={"question": "具体有哪些要求？", "history": [
        {"role": "user", "content": QUESTION}, {"role": "assistant", "content": first["answer"]}]})
    assert r.status_code == 200
    assert r.json()["trace"]["standalone"] != "具体有哪些要求？"   # the follow-up was made standalone


def test_ask_stream(client):
    with client.stream("POST", "/api/ask", json={"question": QUESTION, "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(r.read().decode("utf-8"))
    kinds = [k for k, _ in events]
    assert kinds[-2:] == ["result", "done"] and set(kinds[:-2]) == {"delta"}
    streamed = "".join(d["text"] for k, d in events if k == "delta")
    result = events[-2][1]
    assert "[1]" in streamed and result["citations"] and result["answer"].startswith(streamed[:10])


@pytest.mark.parametrize("body,status", [
    ({"question": ""}, 400),
    ({"question": "问" * 2001}, 400),
    ({"question": None}, 422),
    ({"question": QUESTION, "history": [{"role": "system", "content": "x"}]}, 422),
    ({"question": QUESTION, "history": [{"role": "user"}]}, 422),
    ({"question": QUESTION, "history": "not a list"}, 422),
    ({"question": QUESTION, "stream": "maybe"}, 422),
    ({"question": "", "stream": True}, 400),                 # a stream's bad input is still a plain 4xx
])
def test_ask_bad_input(client, body, status):
    assert_error(client.post("/api/ask", json=body), status)


def test_small_question_limit(make_client):
    c = make_client(max_question_chars=10)
    err = assert_error(c.post("/api/ask", json={"question": QUESTION + "请详细说明"}), 400, "InputError")
    assert "上限 10 字" in err["message"]


# -- draft ---------------------------------------------------------------------------------------------------------
def test_draft(client):
    r = client.post("/api/draft", json={"topic": "落实全面从严治党主体责任", "occasion": "机关党建工作推进会",
                                        "length": 600})
    assert r.status_code == 200
    d = r.json()
    assert {"draft", "citations", "grounded", "sentences"} <= set(d) and len(d["draft"]) > 200 and d["citations"]
    # read off the text: the occasion opens it, measures 一是, 二是, 三是… in order, 600 characters ± 20 % (markers
    # and spaces aside) when the sources suffice, every marker a citation and every quote as its seed file words it
    paras = [p for p in d["draft"].split("\n") if p.strip()]
    assert "机关党建工作推进会" in paras[0]
    measures = [p[0] for p in paras if re.match(r"^[一二三四五六七八九十]是", p)]
    assert len(measures) >= 3 and measures == list("一二三四五六七八九十")[:len(measures)], paras
    if d["coverage"] == "sufficient":
        assert 480 <= len(_plain(d["draft"])) <= 720, len(_plain(d["draft"]))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", d["draft"])} == {c["n"] for c in d["citations"]}
    files = {p.name: _plain(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    assert all(_plain(c["quote"]) in files[c["source"]] for c in d["citations"]), d["citations"]


def test_draft_docx(client):
    topic = "落实全面从严治党主体责任"
    r = client.post("/api/draft.docx", json={"topic": topic})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert r.content[:2] == b"PK"
    cd = r.headers["content-disposition"]
    cd.encode("ascii")                                          # the header itself is ASCII
    assert 'filename="jianghua-draft.docx"' in cd
    assert unquote(cd.split("filename*=UTF-8''")[1]) == topic + ".docx"


@pytest.mark.parametrize("body,status", [
    ({"topic": ""}, 400), ({"topic": "党建", "length": 50}, 400), ({"topic": "党建", "length": 99999}, 400),
    ({"occasion": "会议"}, 422), ({"topic": ["a"]}, 422), ({"topic": "党建", "length": "long"}, 422),
])
def test_draft_bad_input(client, body, status):
    assert_error(client.post("/api/draft", json=body), status)
    assert_error(client.post("/api/draft.docx", json=body), status)


# -- remove ----------------------------------------------------------------------------------------------------------
def test_remove(make_client):
    c = make_client()
    doc = c.get("/api/documents").json()["documents"][0]["doc_id"]
    r = c.delete(f"/api/documents/{doc}")
    assert r.status_code == 200 and r.json()["removed"] == doc and r.json()["version"] == 2
    info = c.get("/api/index").json()
    assert info["serving"] == 1 and info["candidate"] == 2      # a later version waits for promotion
    assert_error(c.delete(f"/api/documents/{doc}"), 404, "DocumentNotFoundError")


def test_remove_bad_ids(client):
    assert_error(client.delete("/api/documents/0123456789abcdef"), 404)
    assert_error(client.delete("/api/documents/..%2F..%2Fetc"), 404)
    assert_error(client.delete("/api/documents/" + "a" * 65), 422)


def test_openapi_docs(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/search", "/api/ask", "/api/draft", "/api/draft.docx", "/api/documents", "/api/documents/{doc_id}",
              "/api/index", "/healthz", "/v1/chat/completions", "/v1/models"):
        assert p in paths
    assert "multipart/form-data" in paths["/api/documents"]["post"]["requestBody"]["content"]


# -- states of the knowledge base and the generator ----------------------------------------------------------------
def test_empty_knowledge_base(make_client):
    c = make_client(kb="empty")
    assert c.get("/api/documents").json() == {"documents": []}
    assert c.get("/api/index").json()["serving"] is None
    assert_error(c.post("/api/search", json={"query": "党建"}), 404, "VersionError")
    assert_error(c.post("/api/ask", json={"question": QUESTION}), 404)
    assert_error(c.post("/api/ask", json={"question": QUESTION, "stream": True}), 404)   # before any event
    assert_error(c.delete("/api/documents/0123456789abcdef"), 404)


def test_generator_unreachable_is_502(make_client):
    from tests.ui.conftest import free_port
    c = make_client(generator="openai", openai_base_url=f"http://127.0.0.1:{free_port()}/v1")
    assert_error(c.post("/api/ask", json={"question": QUESTION}), 502, "GeneratorError")
    r = c.post("/api/ask", json={"question": QUESTION, "stream": True})
    if r.status_code == 200:            # the failure came after the stream started: an error event ends it
        kind, data = parse_sse(r.text)[-1]
        assert kind == "error" and data["status"] == 502 and data["error"]["type"] == "GeneratorError"
    else:
        assert_error(r, 502, "GeneratorError")
