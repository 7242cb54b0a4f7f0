"""Reviewing an update over a real knowledge base: a new speech answers a question the set calls unanswerable;
the review names it and the document; the gate refuses; the reviewer accepts; the gate passes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jianghua.evals.data import configured_set, load_set
from jianghua.evals.golds import FILE, accepted, apply_accepted
from jianghua.evals.review import accept, document_changes, review
from jianghua.errors import GateError, InputError
from tests.ui.conftest import settings_for

SPEECH = Path(__file__).parent / "data" / "在党费收缴工作专题会议上的讲话.txt"


@pytest.fixture
def app(kb_copy):
    from jianghua.app import Jianghua
    return Jianghua(settings_for(kb_copy))


def test_a_new_speech_is_reviewed_accepted_and_promoted(app):
    es = load_set(configured_set(app.settings))
    unanswerable = {q.id for q in es.queries if not q.answerable}
    app.ingest_paths([SPEECH], sources={str(SPEECH): "upload:" + SPEECH.name})
    new_doc = next(d for d in app.kb.documents("head") if d["source"] == "upload:" + SPEECH.name)

    out = review(app, "head", "serving")
    assert [d["doc_id"] for d in out["documents"]["added"]] == [new_doc["doc_id"]]
    assert out["documents"]["removed"] == [] and out["documents"]["replaced"] == []
    caused = [q for q in out["questions"] if q["added_documents"]]
    assert caused, out["questions"]
    q = caused[0]
    assert q["id"] in unanswerable and (q["before"], q["after"]) == ("declined", "answered")
    assert q["added_documents"] == [new_doc["title"]] and q["citations_after"] and not q["citations_before"]
    assert out["comparison"]["deltas"]["abstention_accuracy"] < 0

    with pytest.raises(GateError):
        app.promote()
    with pytest.raises(InputError):
        accept(app.kb, es, q, out["stems"], "  ", out["candidate"], out["serving"])     # who is required
    rec = accept(app.kb, es, q, out["stems"], "张三", out["candidate"], out["serving"])
    stored = json.loads((Path(app.kb.dir) / FILE).read_text(encoding="utf-8"))["accepted"]
    assert stored == [rec] == accepted(app.kb)
    assert rec["accepted_by"] == "张三" and rec["accepted_at"].endswith("+00:00") and rec["query_id"] == q["id"]
    gold = rec["after"]["qrels"][0]
    assert "".join(gold["answer"].split()) in "".join(SPEECH.read_text(encoding="utf-8").split())   # the file itself
    assert gold["answer"] in q["answer_after"] and gold["doc"] == "upload:" + SPEECH.stem
    assert rec["before"]["type"] == "unanswerable" and rec["after"]["type"] != "unanswerable"

    now = apply_accepted(es, app.kb)
    assert next(x for x in now.queries if x.id == q["id"]).answerable
    again = review(app, "head", "serving")
    assert again["comparison"]["deltas"]["abstention_accuracy"] >= 0
    result = app.promote()                                   # the gate, with the accepted gold, passes
    assert result["serving"] == out["candidate"] and not result["forced"]


def test_document_changes_tell_added_replaced_removed(app, tmp_path):
    first = app.kb.documents("serving")
    gone = first[0]
    app.remove(gone["doc_id"])
    changed = tmp_path / SPEECH.name
    app.ingest_paths([SPEECH], sources={str(SPEECH): "upload:x.txt"})
    changed.write_text(SPEECH.read_text(encoding="utf-8") + "\n（此稿有补充。）\n", encoding="utf-8")
    app.ingest_paths([changed], sources={str(changed): "upload:x.txt"})       # same source, new content
    head = app.kb.documents("head")
    d = document_changes(first, head)
    assert [x["doc_id"] for x in d["removed"]] == [gone["doc_id"]]
    assert len(d["added"]) == 1 and d["replaced"] == []          # against v1 the changed file is simply new
    middle = app.kb.documents(app.kb.head() - 1)
    d2 = document_changes(middle, head)
    assert len(d2["replaced"]) == 1 and d2["replaced"][0]["source"] == "upload:x.txt" and not d2["added"]
    assert d2["replaced"][0]["replaces"] in {x["doc_id"] for x in middle} - {x["doc_id"] for x in head}
