"""Fixtures for the assistant tests: the application object over the session's seed knowledge base (the same open
KB and embedder, so no second model load), the seed evaluation set, and its answers and drafts computed once."""
from __future__ import annotations

from pathlib import Path

import pytest

from jianghua.evals.data import load_set


@pytest.fixture(scope="session")
def seed_app(seed_kb):
    """``Jianghua`` sharing the open seed knowledge base (the same embedder: no second model load)."""
    from jianghua.app import Jianghua
    app = Jianghua(kb=seed_kb, create=False)
    assert app.kb is seed_kb
    return app


@pytest.fixture(scope="session")
def seed_set():
    return load_set()


@pytest.fixture(scope="session")
def doc_stem(seed_kb) -> dict[str, str]:
    """doc_id → source file stem (the gold ``doc`` of the qrels)."""
    return {d["doc_id"]: Path(d["source"]).stem for d in seed_kb.documents()}


@pytest.fixture(scope="session")
def seed_answers(seed_app, seed_set) -> dict:
    """query id → (query, result of ``Jianghua.ask`` with the query's history) for every query of the set."""
    return {q.id: (q, seed_app.ask(q.text, [dict(t) for t in q.history])) for q in seed_set.queries}


@pytest.fixture(scope="session")
def seed_drafts(seed_app, seed_set) -> dict:
    """draft case id → (case, result of ``Jianghua.draft``) for every case of drafts.jsonl."""
    return {c.id: (c, seed_app.draft(c.topic, c.occasion, c.length)) for c in seed_set.drafts}
