"""The bundled sets by name: seed halves, the sets written for answers, and the two drawn from CMRC 2018 where it
lies (cmrc: answerable over its own passages; cross: CMRC questions asked of the speeches, all to be declined)."""
from __future__ import annotations

import pytest

from jianghua.evals.data import load_set


@pytest.mark.parametrize("name, kind", [("followups", "followup"), ("negatives", "unanswerable"),
                                        ("indomain", None), ("cross", "unanswerable"), ("cmrc", "fact")])
def test_named_sets_load_with_their_corpus(name, kind):
    es = load_set(name)
    assert es.queries
    if kind:
        assert all(q.type == kind for q in es.queries)
    assert es.corpus and all(d.path is not None or d.text for d in es.corpus), "a corpus document is missing"


def test_cmrc_set_is_the_dev_split_with_gold_in_its_passages():
    es = load_set("cmrc")
    assert len(es.queries) == 3219 and len(es.corpus) == 848 and es.own_corpus
    text = {d.doc: d.text for d in es.corpus}
    for q in es.queries[:200]:
        assert any(r.answer in text[r.doc] for r in es.qrels_for(q.id)), q.id


def test_followups_carry_only_the_first_user_turn():
    es = load_set("followups")
    assert len(es.queries) == 40
    assert all(len(q.history) == 1 and q.history[0]["role"] == "user" for q in es.queries)


def test_cross_set_is_declined_on_its_own_corpus(tmp_path, monkeypatch):
    """`jianghua eval --set cross`: a knowledge base of the set's corpus (the five speeches), every CMRC question
    declined — at least 95% of them (the answer model's target for cross-corpus negatives)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from dataclasses import replace

    from jianghua.app import Jianghua
    from jianghua.evals.runner import run_eval
    from jianghua.settings import Settings
    es = load_set("cross")
    es = replace(es, queries=es.queries[:80])
    app = Jianghua.over_eval_corpus(es, Settings(kb=tmp_path / "unused"), progress=False)
    assert app.kb.stats()["documents"] == 5
    result = run_eval(app, es, progress=False, drafts=False)
    assert result.metrics["abstention_accuracy"] >= 0.95, result.metrics


@pytest.mark.parametrize("name", ["followups2", "followups3", "followups4", "followups5", "followups6"])
def test_blind_followup_sets_have_verbatim_gold_and_even_halves(name):
    """The follow-up sets written blind to the code: one user turn before each question, every gold span verbatim in
    its document, as many dialogues of each kind in the dev half as in the test half."""
    es = load_set(name)
    assert len(es.queries) == 48
    assert all(len(q.history) == 1 and q.history[0]["role"] == "user" for q in es.queries)
    text = {d.doc: d.text or d.path.read_text(encoding="utf-8") for d in es.corpus}
    for q in es.queries:
        rels = es.qrels_for(q.id)
        assert rels and all(r.answer in text[r.doc] for r in rels), q.id
    import json
    from collections import Counter
    raw = [json.loads(x) for x in (es.root / "queries.jsonl").read_text("utf-8").splitlines()]
    halves = Counter((r["kind"], r["split"]) for r in raw)
    assert all(halves[(k, "dev")] == halves[(k, "test")] == 4 for k, _ in halves)
