"""Loading evaluation sets into typed records."""
import json

import pytest

from jianghua.evals.data import DEFAULT_SET, configured_set, load_set
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
    assert str(configured_set(Settings())) == f"{DEFAULT_SET}:test"     # the gate uses the half nobody tuned on
    assert load_set(configured_set(Settings())).name == "seed:test"
    assert configured_set(Settings.from_env({"JIANGHUA_EVAL_SET": str(tmp_path)})) == tmp_path


def test_split_halves_partition_the_seed_set():
    whole = load_set()
    dev, test = load_set("seed:dev"), load_set("seed:test")
    assert {q.id for q in dev.queries} | {q.id for q in test.queries} == {q.id for q in whole.queries}
    assert not {q.id for q in dev.queries} & {q.id for q in test.queries}
    assert all(q.split == "test" for q in test.queries)
    assert set(test.qrels) <= {q.id for q in test.queries}
    for typ in {q.type for q in whole.queries}:      # stratified: every type in both halves
        assert any(q.type == typ for q in dev.queries) and any(q.type == typ for q in test.queries)


def test_unknown_split_is_an_error():
    with pytest.raises(InputError):
        load_set(DEFAULT_SET, split="train")
