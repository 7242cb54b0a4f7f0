"""POST /api/search and `jianghua search` take the document filters (doc_id, year, type, speaker)."""
import json

from jianghua.cli import main


def test_api_search_filters(client):
    r = client.post("/api/search", json={"query": "基层党组织建设", "k": 10, "type": "通报"})
    assert r.status_code == 200
    body = r.json()
    assert body["hits"] and {h["title"] for h in body["hits"]} == {"关于落实全面从严治党主体责任情况通报"}
    assert body["trace"]["scope"]["hard"] and body["trace"]["scope"]["named"] == {"type": "通报"}
    doc = body["hits"][0]["doc_id"]
    r = client.post("/api/search", json={"query": "基层党组织建设", "doc_id": doc})
    assert r.status_code == 200 and {h["doc_id"] for h in r.json()["hits"]} == {doc}
    r = client.post("/api/search", json={"query": "基层党组织建设", "year": 1901})
    assert r.status_code == 200 and r.json()["hits"] == []


def test_api_search_rejects_a_bad_filter(client):
    r = client.post("/api/search", json={"query": "党建", "year": "去年"})
    assert r.status_code == 422 and "error" in r.json()


def test_cli_search_filters(seed_kb_dir, capsys):
    code = main(["search", "基层党组织建设", "--kb", str(seed_kb_dir), "--type", "表态发言", "--json", "-k", "4"])
    hits = json.loads(capsys.readouterr().out)
    assert code == 0 and hits and {h["title"] for h in hits} == {"全面从严治党表态发言"}
