"""POST /api/eval, POST /api/index/promote|rollback and GET /api/index/versions over a private copy of the seed
knowledge base (keyword-only): a degraded candidate is refused by the gate with 409, forced in, rolled back; the
searcher and the assistant follow the serving version without a restart; the key guards every write; a second
evaluation while one runs gets 409. Each evaluation of the seed set takes a few seconds."""
from __future__ import annotations

import threading

from jianghua.ingest.documents import document_from_text, load_document
from jianghua.samples import SEEDS
from tests.ui.test_api import assert_error
from jianghua.ui import render

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
DEGRADED = sorted(SEEDS.glob("*.txt"))[0]


def degrade(c) -> int:
    """A candidate version in which one seed speech keeps only its first 200 characters (same source: it replaces
    the original); the serving version stays 1."""
    d = load_document(DEGRADED)
    broken = document_from_text(d.text[:200], source=d.source, title=d.title)
    report = c.app.state.jianghua.kb.ingest_documents([broken], progress=False, embed=False)
    assert report.version == 2 and report.serving == 1 and report.replaced
    return report.version


def serving_version(c) -> int:
    search = c.post("/api/search", json={"query": "全面从严治党"}).json()["trace"]["version"]
    ask = c.post("/api/ask", json={"question": "各级党组织书记要做到什么？"}).json()["trace"]["search"]["version"]
    assert search == ask
    return search


def test_gate_refuses_force_promotes_rollback_restores(make_client):
    c = make_client()
    degrade(c)
    rows = c.get("/api/index/versions").json()["versions"]
    assert [(v["version"], v["serving"]) for v in rows] == [(1, True), (2, False)]

    err = assert_error(c.post("/api/index/promote", json={}), 409, "GateError")
    assert "recall@5" in err["message"] and "v2" in err["message"]
    assert serving_version(c) == 1 and c.get("/api/index").json()["candidate"] == 2

    r = c.post("/api/index/promote", json={"version": 2, "force": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["serving"] == 2 and body["serving_before"] == 1 and body["forced"] is True
    assert not body["gate"]["ok"] and "recall@5" in {d["metric"] for d in body["gate"]["drops"]}
    refusal = render.gate_refusal(err["message"], body["gate"])          # what the 评测 tab shows for a refusal
    recall = next(d for d in body["gate"]["drops"] if d["metric"] == "recall@5")
    assert "未通过评测，v2 未启用" in refusal and "评测集 seed:test" in refusal      # the gate uses the test half
    assert f"| 前5条召回率（recall@5） | {recall['serving']:.3f} | {recall['candidate']:.3f} |" in refusal   # 3 decimals
    assert recall["candidate"] < recall["serving"]
    assert "已强制启用" in render.promotion_done(body)
    assert serving_version(c) == 2                                      # followed without a restart
    v2 = c.get("/api/index/versions").json()["versions"][1]
    assert v2["serving"] and v2["eval"]["forced"] is True and v2["eval"]["promoted"]

    assert_error(c.post("/api/index/promote", json={"version": 2}), 409, "VersionError")   # already serving
    r = c.post("/api/index/rollback")
    assert r.status_code == 200 and r.json() == {"serving": 1, "serving_before": 2}
    assert serving_version(c) == 1
    assert_error(c.post("/api/index/rollback"), 409, "VersionError")   # nothing earlier
    assert_error(c.post("/api/index/promote", json={"version": 7}), 404, "VersionError")


def test_eval_compares_against_another_version(make_client):
    c = make_client()
    degrade(c)
    r = c.post("/api/eval", json={"version": "head", "against": "serving", "set": "seed"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["result"]["version"] == 2 and out["result"]["set_name"] == "seed" and out["result"]["rows"]
    cmp = out["comparison"]
    assert cmp["a"]["version"] == 1 and cmp["b"]["version"] == 2 and "rows" not in cmp["a"]
    assert cmp["deltas"]["recall@5"] < 0
    assert cmp["deltas"]["recall@5"] == cmp["b"]["metrics"]["recall@5"] - cmp["a"]["metrics"]["recall@5"]
    assert "v1 (keyword) | v2 (keyword) | Δ |" in out["markdown"] and "| recall@5 |" in out["markdown"]
    assert serving_version(c) == 1                                      # evaluating promotes nothing

    assert_error(c.post("/api/eval", json={"version": 9}), 404, "VersionError")
    assert_error(c.post("/api/eval", json={"against": 9}), 404)         # refused before the first run
    assert_error(c.post("/api/eval", json={"set": "../../etc"}), 422)
    assert_error(c.post("/api/eval", json={"set": "nosuchset"}), 400, "InputError")
    assert_error(c.post("/api/eval", json={"versions": 2}), 422)


def test_key_guards_writes_and_one_evaluation_at_a_time(make_client):
    c = make_client(api_key=KEY)
    assert c.get("/api/index/versions").status_code == 200               # reading needs no key
    for path in ("/api/eval", "/api/index/promote", "/api/index/rollback"):
        assert_error(c.post(path, json={}), 401, "unauthorized")
        assert_error(c.post(path, json={}, headers={"Authorization": "Bearer wrong"}), 401)

    app = c.app.state.jianghua
    started, release, done = threading.Event(), threading.Event(), {}

    def hold(n: int, total: int) -> None:     # the first evaluation waits here until the test lets it go
        started.set()
        release.wait(60)

    def first():
        done["out"] = app.evaluate(progress_cb=hold)

    t = threading.Thread(target=first)
    t.start()
    try:
        assert started.wait(60)
        assert_error(c.post("/api/eval", json={}, headers=AUTH), 409, "BusyError")
        assert_error(c.post("/api/index/promote", json={}, headers=AUTH), 409, "BusyError")
    finally:
        release.set()
        t.join(120)
    assert done["out"]["result"]["version"] == 1 and done["out"]["comparison"] is None
    assert "| recall@5 |" in done["out"]["markdown"]

    r = c.post("/api/eval", json={"set": "seed"}, headers=AUTH)          # free again
    assert r.status_code == 200 and r.json()["result"]["metrics"]["recall@5"] > 0.5
