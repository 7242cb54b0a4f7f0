"""Evaluation sets in BEIR shape, loaded into typed records.

A set is a directory (or the path of its ``queries.jsonl``) holding:

    corpus.json     {"name", "description", "documents": [{"doc": stem, "path": file relative to the repository}]}
    queries.jsonl   {"_id", "text", "type": fact|list|cross|followup|unanswerable, "history": [{role, content}],
                     "split": dev|test}  (split optional: a set may be divided into a half for tuning and a
                     half for reporting; ``seed:test`` names the test half)
    qrels.jsonl     {"query_id", "doc": document stem, "answer": verbatim answer text, "score": 1}
    drafts.jsonl    {"_id", "topic", "occasion", "length", "docs": [stems], "terms": [verbatim terms]}  (optional)

A gold ``doc`` names a source file by its stem; the runner maps it to knowledge-base documents whose ``source``
has that stem.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from jianghua.errors import InputError

SETS_DIR = Path(__file__).resolve().parent / "sets"
DEFAULT_SET = SETS_DIR / "seed"
DEFAULT_SPLIT = "test"          # the gate and the README figures use the half no rule was tuned on
SPLITS = ("dev", "test")
QUERY_TYPES = ("fact", "list", "cross", "followup", "unanswerable")


@dataclass(frozen=True)
class CorpusDoc:
    doc: str                 # the source file's stem
    path: Path | None        # the file, resolved (None when it cannot be found)
    text: str | None = None  # the document itself, for sets drawn from a data file (no file of its own)


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    type: str
    history: tuple[dict, ...] = ()
    split: str | None = None
    redacted: bool = False          # unanswerable because the document redacts the figure (×××件, *万元)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


@dataclass(frozen=True)
class Qrel:
    query_id: str
    doc: str
    answer: str
    score: int = 1


@dataclass(frozen=True)
class DraftCase:
    id: str
    topic: str
    occasion: str | None
    length: int
    docs: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass
class EvalSet:
    name: str
    root: Path
    queries: list[Query]
    qrels: dict[str, list[Qrel]]
    drafts: list[DraftCase] = field(default_factory=list)
    corpus: list[CorpusDoc] = field(default_factory=list)
    description: str = ""
    own_corpus: bool = False      # evaluated on a knowledge base of its own corpus, not the user's

    def qrels_for(self, query_id: str) -> list[Qrel]:
        return self.qrels.get(query_id, [])

    def corpus_files(self) -> list[Path]:
        return [d.path for d in self.corpus if d.path is not None]


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{n}: not valid JSON ({e.msg})") from e
    return rows


def _resolve_file(root: Path, rel: str) -> Path | None:
    """A corpus path relative to the set directory or to any folder above it (the repository root)."""
    p = Path(rel)
    if p.is_absolute():
        return p if p.is_file() else None
    for base in (root, *root.parents):
        if (base / p).is_file():
            return base / p
    return None


def resolve_set(spec: str | Path | None) -> tuple[Path, str | None]:
    """``spec`` → (set path, split). A spec is a directory or ``queries.jsonl`` path, or the name of a bundled set
    (``seed``, ``genre`` …), optionally followed by ``:dev`` or ``:test`` to take one half of a split set."""
    if spec is None:
        return DEFAULT_SET, None
    text, split = str(spec), None
    head, sep, tail = text.rpartition(":")
    if sep and tail in SPLITS and head:
        text, split = head, tail
    path = Path(text)
    if not path.exists() and (SETS_DIR / text).is_dir():
        path = SETS_DIR / text
    return path, split


def load_set(path: str | Path | None = None, split: str | None = None) -> EvalSet:
    """Load a set from its directory, its ``queries.jsonl`` or its bundled name (``seed:test``); with no path, the
    whole seed set (the gate uses ``configured_set``: its test half). ``split`` keeps only the queries of that half (and their qrels)."""
    path, named_split = resolve_set(path)
    path = path.resolve()          # corpus paths are looked up from the set's folder and every folder above it
    split = split or named_split
    if split is not None and split not in SPLITS:
        raise InputError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    if path.is_file():
        root, queries_file = path.parent, path
    elif path.is_dir():
        root, queries_file = path, path / "queries.jsonl"
    else:
        raise InputError(f"evaluation set not found: {path} (give a set directory or its queries.jsonl)")
    meta = json.loads((root / "corpus.json").read_text(encoding="utf-8")) if (root / "corpus.json").is_file() else {}
    if "source" in meta:
        return _source_set(root, meta, split)
    if not queries_file.is_file():
        raise InputError(f"no queries.jsonl in {root}")
    qrels_file = root / "qrels.jsonl"
    if not qrels_file.is_file():
        raise InputError(f"no qrels.jsonl beside {queries_file}")

    queries = []
    for r in _read_jsonl(queries_file):
        if r.get("type", "fact") not in QUERY_TYPES:
            raise InputError(f"{queries_file}: query {r.get('_id')!r} has unknown type {r.get('type')!r}; "
                             f"use one of {', '.join(QUERY_TYPES)}")
        q = Query(str(r["_id"]), r["text"], r.get("type", "fact"), tuple(r.get("history") or ()), r.get("split"),
                  bool(r.get("redacted", False)))
        if split is None or q.split == split:
            queries.append(q)
    if split is not None and not queries:
        raise InputError(f"{queries_file}: no query has split {split!r}")
    all_ids = {str(r["_id"]) for r in _read_jsonl(queries_file)}
    ids = {q.id for q in queries}
    qrels: dict[str, list[Qrel]] = {}
    for r in _read_jsonl(qrels_file):
        if r["query_id"] not in all_ids:
            raise InputError(f"{qrels_file}: qrel for unknown query {r['query_id']!r}")
        if r["query_id"] not in ids:
            continue
        qrels.setdefault(r["query_id"], []).append(Qrel(r["query_id"], r["doc"], r["answer"], int(r.get("score", 1))))
    drafts = []
    if (root / "drafts.jsonl").is_file():
        drafts = [DraftCase(str(r["_id"]), r["topic"], r.get("occasion"), int(r["length"]), tuple(r.get("docs", ())),
                            tuple(r.get("terms", ()))) for r in _read_jsonl(root / "drafts.jsonl")]
    name, description, corpus = root.name, "", []
    if meta:
        name, description = meta.get("name", name), meta.get("description", "")
        corpus = [CorpusDoc(d["doc"], _resolve_file(root, d["path"])) for d in meta.get("documents", [])]
    if split is not None:
        name = f"{name}:{split}"
    return EvalSet(name, root, queries, qrels, drafts, corpus, description, bool(meta.get("own_corpus")))


def _source_set(root: Path, meta: dict, split: str | None) -> EvalSet:
    """A set whose queries come from a data file (``evals/squad.py``), e.g. CMRC 2018."""
    from jianghua.evals.squad import squad_parts
    if split is not None:
        raise InputError(f"{root.name} has no {split} half")
    rows, golds, passages = squad_parts(root, meta["source"], _resolve_file)
    queries = [Query(qid, text, kind) for qid, text, kind in rows]
    qrels = {qid: [Qrel(qid, doc, answer) for doc, answer in gs] for qid, gs in golds.items()}
    corpus = [CorpusDoc(d["doc"], _resolve_file(root, d["path"])) for d in meta.get("documents", [])]
    corpus += [CorpusDoc(p["id"], None, p["context"]) for p in passages]
    return EvalSet(meta.get("name", root.name), root, queries, qrels, [], corpus, meta.get("description", ""),
                   bool(meta.get("own_corpus")))


def configured_set(settings=None) -> Path:
    """The set the gate and `jianghua eval` use: ``settings.eval_set`` ($JIANGHUA_EVAL_SET), else the seed set's
    test half."""
    p = getattr(settings, "eval_set", None)
    return Path(p) if p else Path(f"{DEFAULT_SET}:{DEFAULT_SPLIT}")
