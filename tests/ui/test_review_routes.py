"""POST /api/eval/review and /api/eval/accept, GET /api/eval/accepted: an update reviewed and accepted over HTTP."""
from __future__ import annotations

from tests.ui.test_api import assert_error
from tests.ui.test_messages import assert_chinese
from tests.ui.test_review import SPEECH


def test_review_accept_promote_over_http(make_client):
    c = make_client()
    up = c.post("/api/documents", files=[("files", (SPEECH.name, SPEECH.read_bytes(), "text/plain"))]).json()
    assert up["candidate"] and up["files"][0]["status"] == "added"
    r = c.post("/api/eval/review", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["candidate"] == up["version"] and body["serving"] == up["serving"]
    assert [d["source"] for d in body["documents"]["added"]] == ["upload:" + SPEECH.name]
    changed = [q for q in body["questions"] if q["outcome_changed"] and q["added_documents"]]
    assert changed and changed[0]["added_documents"] == [body["documents"]["added"][0]["title"]]
    qid = changed[0]["id"]
    assert_error(c.post("/api/index/promote", json={}), 409, "GateError")

    unchanged = next((q["id"] for q in body["questions"] if not q["outcome_changed"]), "q001")
    assert_chinese(c.post("/api/eval/accept", json={"query_ids": [unchanged], "reviewer": "张三"}), 400)
    assert_error(c.post("/api/eval/accept", json={"query_ids": [qid], "reviewer": ""}), 422)
    r = c.post("/api/eval/accept", json={"query_ids": [qid], "reviewer": "张三"})
    assert r.status_code == 200, r.text
    rec = r.json()["accepted"][0]
    assert rec["query_id"] == qid and rec["accepted_by"] == "张三" and rec["candidate"] == up["version"]
    assert c.get("/api/eval/accepted").json()["accepted"] == [rec]
    assert r.json()["review"]["comparison"]["deltas"]["abstention_accuracy"] >= 0
    p = c.post("/api/index/promote", json={})
    assert p.status_code == 200 and p.json()["forced"] is False, p.text


def test_review_needs_the_key(make_client):
    c = make_client(api_key="k" * 16)
    assert_error(c.post("/api/eval/review", json={}), 401)
    assert_error(c.post("/api/eval/accept", json={"query_ids": ["q1"], "reviewer": "张三"}), 401)
