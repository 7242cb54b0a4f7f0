"""Loading evaluation sets into typed records."""
import json

import pytest

from evals.data import DEFAULT_SET, configured_set, load_set
from jianghua.errors import InputError
from jianghua.settings import Settings


def test_seed_set_loads_typed():
    es = load_set()
    assert es.name == "seed" and es.root == DEFAULT_SET
    assert len(es.queries) >= 48 and len(es.drafts) >= 6
    assert all(p.is_file() for p in es.corpus_files()) and len(es.corpus_files()) == 5
    q = next(q for q in es.queries if q.type == "followup")
    assert q.history and q.history[0]["role"] == "user" and q.answerable
    assert not next(q for q in es.queries if q.type == "unanswerable").answerable
    assert es.qrels_for("q001")[0].doc == "在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话"
    assert load_set(DEFAULT_SET / "queries.jsonl").queries == es.queries   # the queries file's path works too


def test_bad_sets_fail_with_the_path(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_set(tmp_path / "nope")
    (tmp_path / "queries.jsonl").write_text('{"_id": "a", "text": "问", "type": "fact"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="qrels.jsonl"):
        load_set(tmp_path)
    (tmp_path / "qrels.jsonl").write_text(json.dumps({"query_id": "b", "doc": "x", "answer": "答"}) + "\n",
                                          encoding="utf-8")
    with pytest.raises(InputError, match="unknown query 'b'"):
        load_set(tmp_path)
    (tmp_path / "qrels.jsonl").write_text("{bad\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"qrels.jsonl:1"):
        load_set(tmp_path)


def test_configured_set_follows_settings(tmp_path):
    assert configured_set(Settings()) == DEFAULT_SET
    assert configured_set(Settings.from_env({"JIANGHUA_EVAL_SET": str(tmp_path)})) == tmp_path
