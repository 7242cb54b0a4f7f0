"""Evaluation sets drawn from a SQuAD-format file (CMRC 2018): declared in a set's ``corpus.json`` as

    "source": {"format": "squad", "path": "shared/bench/cmrc2018/cmrc2018_dev.json",
               "as": "answerable" | "unanswerable", "sample": N}

``answerable`` (the default): every passage is a document (its stem is the passage id) and every question is a
``fact`` query whose gold is its answer texts in its own passage. ``unanswerable``: the questions (a fixed random
sample of N) are asked of the set's listed ``documents``, which cannot answer them. The file is read where it lies
(found from the set's folder or any folder above it); nothing is copied into the repository.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from jianghua.errors import InputError


def read_squad(path: Path) -> tuple[list[dict], list[dict]]:
    """(passages [{id, context}], questions [{id, question, answers, passage}]) in file order."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    ps, qs = [], []
    for article in data:
        for p in article["paragraphs"]:
            ps.append({"id": p["id"], "context": p["context"]})
            for qa in p["qas"]:
                answers = sorted({a["text"].strip() for a in qa["answers"] if a["text"].strip()})
                if answers and qa["question"].strip():
                    qs.append({"id": qa["id"], "question": qa["question"].strip(), "answers": answers,
                               "passage": p["id"]})
    return ps, qs


def squad_parts(root: Path, source: dict, resolve) -> tuple[list[tuple[str, str, str]], dict, list[dict]]:
    """(queries [(id, text, type)], golds {query id: [(passage id, answer text)]}, passages) for ``source``;
    ``resolve(root, rel)`` finds the file. ``evals.data`` makes them its records."""
    if source.get("format") != "squad":
        raise InputError(f"{root}/corpus.json: unknown source format {source.get('format')!r} (use squad)")
    path = resolve(root, source["path"])
    if path is None:
        raise InputError(f"{root}/corpus.json: {source['path']} not found from {root} or any folder above it")
    passages, questions = read_squad(path)
    kind = source.get("as", "answerable")
    if kind == "unanswerable":
        n = int(source.get("sample", len(questions)))
        picked = sorted(random.Random(2018).sample(questions, min(n, len(questions))), key=lambda q: q["id"])
        return [(q["id"], q["question"], "unanswerable") for q in picked], {}, []
    queries = [(q["id"], q["question"], "fact") for q in questions]
    golds = {q["id"]: [(q["passage"], a) for a in q["answers"]] for q in questions}
    return queries, golds, passages
