"""The API key (write endpoints; every endpoint with api_key_all) and CORS."""
from __future__ import annotations

import pytest

from jianghua.errors import InputError
from tests.ui.test_api import assert_error
from tests.ui.test_uploads import SPEECH
from jianghua.ui.server import create_app

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


def test_write_endpoints_need_the_key(make_client):
    c = make_client(api_key=KEY)
    docs = c.get("/api/documents").json()["documents"]                # reading needs no key
    assert c.post("/api/search", json={"query": "党建"}).status_code == 200
    fresh = make_client(kb="empty", api_key=KEY)                       # uploads go to an empty knowledge base
    files = [("files", ("a.txt", SPEECH.encode(), "text/plain"))]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"},
                    {"Authorization": f"Bearer {KEY}x"}):
        r = fresh.post("/api/documents", files=files, headers=headers)
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
        assert_error(c.delete(f"/api/documents/{docs[0]['doc_id']}", headers=headers), 401)
    assert fresh.get("/api/index").json()["serving"] is None and c.get("/api/index").json()["head"] == 1
    assert fresh.post("/api/documents", files=files, headers=AUTH).status_code == 200
    assert c.delete(f"/api/documents/{docs[0]['doc_id']}", headers=AUTH).status_code == 200


def test_key_on_every_endpoint(make_client):
    c = make_client(api_key=KEY, api_key_all=True)
    assert c.get("/healthz").status_code == 200
    for method, path, body in [("GET", "/api/index", None), ("GET", "/api/documents", None),
                               ("POST", "/api/search", {"query": "党建"}), ("GET", "/v1/models", None),
                               ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "党建"}]})]:
        assert_error(c.request(method, path, json=body), 401)
        assert c.request(method, path, json=body, headers=AUTH).status_code == 200, path


def test_key_all_without_key_is_refused(tmp_path):
    from jianghua.settings import Settings
    with pytest.raises(InputError):
        create_app(Settings(kb=tmp_path / "kb", api_key_all=True), page=False)


def test_no_cors_by_default(client):
    r = client.options("/api/search",
                       headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_when_configured(make_client):
    c = make_client(cors_origins=("http://intranet.example",))
    r = c.options("/api/search", headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://intranet.example"
    r = c.options("/api/search", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.headers.get("access-control-allow-origin") != "http://evil.example"
