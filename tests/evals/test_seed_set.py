"""Validate the seed evaluation set (evals/sets/seed) against the real sample texts."""
import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SET_DIR = ROOT / "evals" / "sets" / "seed"

EXAMPLE_QUESTION = "各级党组织书记在主体责任中要做到什么？"
MIN_COUNTS = {"fact": 22, "list": 6, "cross": 5, "followup": 5, "unanswerable": 10}
TYPES = set(MIN_COUNTS)


def normalise(text: str) -> str:
    lines = (line.replace("\u3000", " ").strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:  # pragma: no cover - failure path
                    pytest.fail(f"{path.name}:{n}: invalid JSON: {exc}")
    return rows


@pytest.fixture(scope="module")
def corpus() -> dict:
    return json.loads((SET_DIR / "corpus.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts(corpus) -> dict[str, str]:
    out = {}
    for d in corpus["documents"]:
        path = ROOT / d["path"]
        assert path.is_file(), f"missing corpus file {d['path']}"
        assert d["doc"] == path.stem, f"doc {d['doc']!r} is not the stem of {d['path']!r}"
        out[d["doc"]] = normalise(path.read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return read_jsonl(SET_DIR / "queries.jsonl")


@pytest.fixture(scope="module")
def qrels() -> list[dict]:
    return read_jsonl(SET_DIR / "qrels.jsonl")


@pytest.fixture(scope="module")
def drafts() -> list[dict]:
    return read_jsonl(SET_DIR / "drafts.jsonl")


def test_corpus_shape(corpus, texts):
    assert corpus["name"] == "seed"
    assert corpus.get("description")
    docs = [d["doc"] for d in corpus["documents"]]
    assert len(docs) == len(set(docs)) == 5
    for d in corpus["documents"]:
        assert d["path"] == f"samples/seeds/{d['doc']}.txt"


def test_query_ids_unique_and_shape(queries):
    ids = [q["_id"] for q in queries]
    assert len(ids) == len(set(ids)), [i for i, c in Counter(ids).items() if c > 1]
    for q in queries:
        assert q["type"] in TYPES, q
        assert isinstance(q["text"], str) and q["text"].strip(), q
    assert len(queries) >= 48


def test_type_minimums(queries):
    counts = Counter(q["type"] for q in queries)
    for typ, minimum in MIN_COUNTS.items():
        assert counts[typ] >= minimum, f"{typ}: {counts[typ]} < {minimum}"


def test_example_question_present_once(queries):
    assert sum(q["text"] == EXAMPLE_QUESTION for q in queries) == 1


def test_followups_have_history(queries):
    for q in queries:
        if q["type"] == "followup":
            hist = q.get("history")
            assert isinstance(hist, list) and hist, q["_id"]
            for turn in hist:
                assert turn["role"] in {"user", "assistant"}, q["_id"]
                assert turn["content"].strip(), q["_id"]
        else:
            assert not q.get("history"), f"{q['_id']}: history only for followups"


def test_qrels_reference_existing_queries_and_docs(queries, qrels, texts):
    ids = {q["_id"] for q in queries}
    for r in qrels:
        assert r["query_id"] in ids, r
        assert r["doc"] in texts, r
        assert r["score"] == 1, r


def test_qrels_answers_are_verbatim(qrels, texts):
    bad = []
    for r in qrels:
        ans = r["answer"]
        if not (4 <= len(ans) <= 40) or ans != ans.strip() or "\n" in ans or ans not in texts[r["doc"]]:
            bad.append((r["query_id"], r["doc"], ans))
    assert not bad, bad


def test_answerable_have_qrels_unanswerable_do_not(queries, qrels):
    with_qrels = {r["query_id"] for r in qrels}
    for q in queries:
        if q["type"] == "unanswerable":
            assert q["_id"] not in with_qrels, q["_id"]
        else:
            assert q["_id"] in with_qrels, q["_id"]


def test_cross_queries_span_two_documents(queries, qrels):
    docs_by_q: dict[str, set] = {}
    for r in qrels:
        docs_by_q.setdefault(r["query_id"], set()).add(r["doc"])
    for q in queries:
        if q["type"] == "cross":
            assert len(docs_by_q.get(q["_id"], set())) >= 2, q["_id"]


def test_drafts(drafts, texts):
    assert len(drafts) >= 6
    ids = [d["_id"] for d in drafts]
    assert len(ids) == len(set(ids))
    for d in drafts:
        assert d["topic"].strip(), d["_id"]
        assert d["occasion"] is None or d["occasion"].strip(), d["_id"]
        assert 500 <= d["length"] <= 900, d["_id"]
        assert d["docs"] and all(doc in texts for doc in d["docs"]), d["_id"]
        assert 2 <= len(d["terms"]) <= 5, d["_id"]
        for term in d["terms"]:
            assert any(term in texts[doc] for doc in d["docs"]), (d["_id"], term)
