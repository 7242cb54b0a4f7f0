"""Year-scoped retrieval on four real 政府工作报告 (2016–2019) of the shared corpus, keyword only (no embedding):
the same formulations recur every year, so only the year tells the documents apart."""
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.index.search import HybridSearcher
from jianghua.settings import Settings

GENRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre" / "gov_work_reports_wikisource"
pytestmark = pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")
YEARS = (2016, 2017, 2018, 2019)


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    files = [next(GENRE.glob(f"*_{y}_*.txt")) for y in YEARS]
    kb = KnowledgeBase.open(Settings(kb=tmp_path_factory.mktemp("genre4") / "kb", dense_weight=0.0), create=True)
    kb.ingest(files, progress=False, embed=False)
    return HybridSearcher(kb)


def year_of(hit) -> int:
    return int(Path(hit.source).name.split("_")[1])


@pytest.mark.parametrize("year", YEARS)
def test_a_named_year_ranks_that_report_first(searcher, year):
    for q in (f"{year}年政府工作报告中居民消费价格涨幅的预期目标", f"{year}年的报告里中央预算内投资安排了多少"):
        res = searcher.search(q, k=5)
        assert year_of(res.hits[0]) == year, (q, [year_of(h) for h in res.hits])
        assert res.trace["scope"]["named"]["year"] == [year]
        assert str(year) not in res.trace["keyword_terms"]


def test_relative_years_count_from_the_latest_report(searcher):
    res = searcher.search("去年政府工作报告的中央预算内投资", k=3)
    assert res.trace["scope"]["named"]["relative"]["reference_year"] == 2019
    assert year_of(res.hits[0]) == 2018


def test_without_the_scope_stage_years_mix(searcher):
    """The reason for the stage: with it off, some year's question is answered from another year."""
    searcher.stages = {**searcher.stages, "scope": False}
    try:
        firsts = [year_of(searcher.search(f"{y}年政府工作报告中居民消费价格涨幅的预期目标", k=1).hits[0]) for y in YEARS]
    finally:
        searcher.stages = {**searcher.stages, "scope": True}
    assert firsts != list(YEARS)


def test_explicit_year_and_type_filters(searcher):
    res = searcher.search("赤字率", k=10, year=2017, type="政府工作报告")
    assert res.hits and {year_of(h) for h in res.hits} == {2017}


@pytest.mark.parametrize("year", YEARS)
def test_the_trace_names_the_retrieved_documents_inside_the_scope(searcher, year):
    """A named year is a soft scope (other years' passages follow); the trace says which hits' documents are the
    named ones, so the answer can prefer their sentences."""
    res = searcher.search(f"{year}年政府工作报告提出城镇新增就业目标是多少？", k=8)
    inside = res.trace["scope"]["hit_documents"]
    assert len(inside) == 1
    assert {year_of(h) for h in res.hits if h.chunk.doc_id in inside} == {year}
    assert any(year_of(h) != year for h in res.hits)
    assert "hit_documents" not in searcher.search("城镇新增就业目标是多少？", k=3).trace["scope"]
