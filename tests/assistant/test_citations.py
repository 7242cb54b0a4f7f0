"""Citations of real answers and drafts: quotes are the document text at their offsets, markers are numbered by
first use and match the citation list, cited passages come from the retrieval; ``renumber`` on real hits."""
from __future__ import annotations

import re

import pytest

from jianghua.assistant.citations import renumber, whole

MARKER = re.compile(r"\[(\d+)\]")


def _doc_texts(seed_kb, results) -> dict[str, str]:
    ids = {c["doc_id"] for r in results for c in r["citations"]}
    return {d: seed_kb.document(d).text for d in ids}


def _all_results(seed_answers, seed_drafts):
    return ([(f"ask {q.id}", r, r["answer"]) for q, r in seed_answers.values()]
            + [(f"draft {c.id}", r, r["draft"]) for c, r in seed_drafts.values()])


def test_citation_quotes_equal_document_text(seed_kb, seed_answers, seed_drafts):
    results = _all_results(seed_answers, seed_drafts)
    texts = _doc_texts(seed_kb, [r for _, r, _ in results])
    mismatches, checked = [], 0
    for name, r, _ in results:
        for c in r["citations"]:
            checked += 1
            doc = texts[c["doc_id"]]
            assert 0 <= c["start"] < c["end"] <= len(doc), (name, c)
            if doc[c["start"]:c["end"]] != c["quote"]:
                mismatches.append((name, c["n"], c["quote"][:30], doc[c["start"]:c["end"]][:30]))
    assert checked > 100            # every answered query and every draft cites something
    assert mismatches == []


def test_citation_markers_numbered_by_first_use(seed_answers, seed_drafts):
    for name, r, text in _all_results(seed_answers, seed_drafts):
        used = [int(m) for m in MARKER.findall(text)]
        first_use = list(dict.fromkeys(used))
        assert first_use == list(range(1, len(r["citations"]) + 1)), (name, first_use, len(r["citations"]))
        assert [c["n"] for c in r["citations"]] == first_use, name


def test_citation_entries_carry_their_passage(seed_kb, seed_answers, seed_drafts, doc_stem):
    """Each entry names its document (title, source) and the chunk it comes from; the quote lies inside it."""
    keys = {"n", "chunk_id", "doc_id", "title", "source", "section", "start", "end", "quote"}
    titles = {d["doc_id"]: (d["title"], d["source"]) for d in seed_kb.documents()}
    for name, r, _ in _all_results(seed_answers, seed_drafts):
        for c in r["citations"]:
            assert keys <= set(c), (name, sorted(c))
            assert (c["title"], c["source"]) == titles[c["doc_id"]], name
            assert isinstance(c["section"], list) and c["quote"].strip(), name


def test_citation_chunks_are_among_the_trace_hits(seed_answers):
    answered = 0
    for q, r in seed_answers.values():
        hits = {h["chunk_id"] for h in r["trace"]["hits"]}
        if r["citations"]:
            answered += 1
        for c in r["citations"]:
            assert c["chunk_id"] in hits, (q.id, c["n"], c["quote"][:30])
    assert answered >= 40


def test_citation_draft_chunks_are_among_the_draft_hits(seed_drafts):
    for case, r in seed_drafts.values():
        hits = {h["chunk_id"] for h in r["trace"]["hits"]}
        assert r["citations"], case.id
        for c in r["citations"]:
            assert c["chunk_id"] in hits, (case.id, c["n"])


# -- renumber on real hits ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def three_sources(seed_app):
    hits = seed_app.searcher.search("软弱涣散基层党组织整顿", 5).hits
    assert len(hits) >= 3 and len({h.chunk.id for h in hits[:3]}) == 3
    return [whole(h) for h in hits[:3]]


def test_citation_renumber_by_first_use(three_sources):
    text = "甲句[3]。乙句[1][3]。丙句[3]。"
    out, cits, mapping, invalid = renumber(text, three_sources)
    assert out == "甲句[1]。乙句[2][1]。丙句[1]。"
    assert mapping == {3: 1, 1: 2}
    assert invalid == []
    assert [c["n"] for c in cits] == [1, 2]
    assert [c["chunk_id"] for c in cits] == [three_sources[2].hit.chunk.id, three_sources[0].hit.chunk.id]
    assert cits[0]["quote"] == three_sources[2].hit.chunk.text


def test_citation_renumber_removes_marker_to_no_passage(three_sources):
    text = "甲句[2]。乙句[7]。丙句[0][2]。"
    out, cits, mapping, invalid = renumber(text, three_sources)
    assert invalid == ["[7]", "[0]"]
    assert "[7]" not in out and "[0]" not in out
    assert out == "甲句[1]。乙句。丙句[1]。"
    assert len(cits) == 1 and cits[0]["chunk_id"] == three_sources[1].hit.chunk.id


def test_citation_renumber_collapses_repeated_marker(three_sources):
    out, cits, _, _ = renumber("甲句[2][2]。", three_sources)
    assert out == "甲句[1]。" and len(cits) == 1
