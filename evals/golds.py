"""Golds a reviewer accepted, kept with the knowledge base (``<kb>/accepted_gold.json``), not in the bundled set.

One record per set and question: who accepted it, when, for which versions, and the gold before and after.
``apply_accepted`` puts the latest record of each question in place of the set's own gold. Records are added under
an exclusive lock on ``<kb>/accepted_gold.lock`` and the file is replaced atomically, so two reviewers accepting at
once both keep their record.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from jianghua.evals.data import EvalSet, Qrel

FILE = "accepted_gold.json"


def base_name(set_name: str) -> str:
    """``seed`` for ``seed:test``: an acceptance holds for both halves."""
    return set_name.split(":")[0]


def _path(kb) -> Path:
    return Path(kb.dir) / FILE


def accepted(kb) -> list[dict]:
    """Every acceptance recorded for this knowledge base, oldest first."""
    p = _path(kb)
    if not p.is_file():
        return []
    return json.loads(p.read_text(encoding="utf-8")).get("accepted", [])


@contextlib.contextmanager
def _locked(kb):
    with open(Path(kb.dir) / "accepted_gold.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def add_accepted(kb, record: dict) -> None:
    """Append ``record``: read, extend and replace the file under the lock."""
    with _locked(kb):
        records = accepted(kb) + [record]
        p = _path(kb)
        fd, tmp = tempfile.mkstemp(prefix=".accepted-", dir=p.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"accepted": records}, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, p)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def apply_accepted(es: EvalSet, kb) -> EvalSet:
    """``es`` with this knowledge base's accepted golds in place of the set's own (the latest per question)."""
    latest = {r["query_id"]: r["after"] for r in accepted(kb) if r["set"] == base_name(es.name)}
    if not latest:
        return es
    queries, qrels = [], dict(es.qrels)
    for q in es.queries:
        gold = latest.get(q.id)
        if gold is None:
            queries.append(q)
            continue
        queries.append(replace(q, type=gold["type"]))
        qrels[q.id] = [Qrel(q.id, g["doc"], g["answer"]) for g in gold["qrels"]]
    return replace(es, queries=queries, qrels=qrels)
