"""Enumerations without item markers (assistant/runs.py; ``enumeration.says_list`` decides when one answers a list
question): clauses closing in ； under a line ending in a colon, sentences of one paragraph opening alike (要建立…体系
×5), and paragraphs opening alike (必须坚持… ×5) — but not paragraphs that open with who says them (习近平指出，/
习近平强调，), nor clauses describing one thing. Real documents of the shared corpus; the
expected items are read off the files here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from jianghua.assistant.runs import parallel_listing, parallel_paragraphs, semicolon_listing
from jianghua.assistant.evidence import sentences_of
from jianghua.records import Chunk, Hit

GENRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre"
REPORTS = GENRE / "gov_work_reports_wikisource"
ORG_LINE = GENRE / "xi_speeches_12371_pages" / "ARTI1530710355709253.txt"     # 2018 全国组织工作会议 (a report)
pytestmark = pytest.mark.skipif(not REPORTS.is_dir(), reason="shared corpus not beside the repository")


def _strip(path: Path, at: str, before: int = 3, after: int = 12):
    """The sentences of one passage holding ``before`` paragraphs above the one containing ``at`` and ``after``
    below it (paragraphs as the file gives them, each line one), and the passage."""
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(k for k, ln in enumerate(lines) if at in ln)
    a, b = max(0, i - before), min(len(lines), i + after)
    start = sum(len(ln) + 1 for ln in lines[:a])
    text = "\n".join(lines[a:b])
    hit = Hit(Chunk("c0", "d", text, (), start, start + len(text)), path.stem, path.name, 1.0)
    return sentences_of(hit), hit


def _index(strip, words: str) -> int:
    return next(i for i, s in enumerate(strip) if words in s.quote)


def test_clauses_closing_in_semicolons_under_a_colon_line_are_a_list():
    path = next(REPORTS.glob("*_2012_*.txt"))
    text = path.read_text(encoding="utf-8")
    lead_line = "改革的重点领域和关键环节是："
    para = text[text.index(lead_line) + len(lead_line):].lstrip().split("\n")[0]
    expected = [c + "；" for c in para.split("；")[:-1]] + [para.split("；")[-1]]
    assert len(expected) >= 3
    strip, _ = _strip(path, lead_line, 1, 4)
    for anchor in (_index(strip, lead_line), _index(strip, expected[1][:12])):     # the lead, or an item
        lead, items = semicolon_listing(strip, anchor, 10)
        assert lead is not None and lead.quote.endswith(lead_line)
        assert [s.quote.strip() for s in items] == [e.strip() for e in expected]
    from jianghua.assistant.enumeration import Listing, says_list
    assert says_list("改革的重点领域和关键环节有哪些？", Listing(lead, items, 0, marked=False))   # its lead ends in ：


@pytest.mark.skipif(not ORG_LINE.is_file(), reason="shared corpus not beside the repository")
def test_sentences_opening_alike_are_a_list_and_answer_an_ordinal():
    text = ORG_LINE.read_text(encoding="utf-8")
    expected = re.findall(r"要建立[^。]*?体系[^。]*。", text)
    assert len(expected) == 5
    strip, hit = _strip(ORG_LINE, expected[0][:20], 1, 2)
    lead, items = parallel_listing(strip, _index(strip, expected[2][:12]), 10)
    assert [s.quote for s in items] == expected
    assert lead is not None and "高素质干部队伍" in lead.quote
    # the sentence after the five (要真情关爱干部…) opens otherwise: not an item
    assert "要真情关爱干部" not in " ".join(s.quote for s in items)


def test_paragraphs_opening_alike_are_a_list():
    path = next(REPORTS.glob("*_2010_*.txt"))
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").split("\n")]
    i = next(k for k, ln in enumerate(lines) if ln.endswith("有以下几点体会："))
    firsts = [re.match(r"[^。]*。", ln).group() for ln in lines[i + 1:i + 14] if "。" in ln][:6]
    expected = [f for f in firsts if f.startswith("必须坚持")]
    assert len(expected) == 5 and firsts[:5] == expected
    strip, _ = _strip(path, "有以下几点体会：", 0, 14)
    lead, items = parallel_paragraphs(strip, _index(strip, expected[3][:10]), 10)
    assert [s.quote.strip() for s in items] == expected
    assert lead is not None and lead.quote.strip().endswith("有以下几点体会：")


def test_paragraphs_opening_with_who_speaks_are_not_a_list():
    """A report's paragraphs open with 习近平指出，/ 习近平强调，: the same characters, yet not items."""
    path = next(p for p in (GENRE / "xi_speeches_12371_pages").glob("*.txt")
                if "生态文明体系" in p.read_text(encoding="utf-8") and "全国生态环境保护大会" in p.read_text(encoding="utf-8"))
    strip, _ = _strip(path, "生态文明体系", 6, 6)
    heads = [i for i, s in enumerate(strip) if re.match(r"\s*习近平(?:指出|强调)，", s.quote)]
    assert len(heads) >= 3
    assert all(parallel_paragraphs(strip, i, 10) is None for i in heads)


CMRC_TRIAL = GENRE.parents[1] / "bench" / "cmrc2018" / "cmrc2018_trial.json"


@pytest.mark.skipif(not CMRC_TRIAL.is_file(), reason="CMRC 2018 not beside the repository")
def test_clauses_describing_one_thing_are_not_an_answer_list():
    """A Wikipedia plant article describes the plant in clauses closing in ； (多年生草本，茎直立；叶子互生…；…): found
    as a run, but nothing says it is a list — no lead announcing one, no item naming what "哪些省市" asks for — so
    a list question is not answered with it."""
    import json

    from jianghua.assistant.enumeration import Listing, says_list
    data = json.loads(CMRC_TRIAL.read_text(encoding="utf-8"))
    context = next(p["context"] for a in data["data"] for p in a["paragraphs"] if p["id"] == "TRIAL_205")
    hit = Hit(Chunk("c0", "d", context, (), 0, len(context)), "TRIAL_205", "TRIAL_205", 1.0)
    strip = sentences_of(hit)
    found = semicolon_listing(strip, _index(strip, "多年生草本"), 10)
    assert found is not None and len(found[1]) >= 3        # a run of clauses…
    ls = Listing(*found, 0, marked=False)
    assert not says_list("在中国，牡蒿分布在哪些省市？", ls)   # …that is not the list asked for
    assert not says_list("牡蒿有哪几个特征？", ls)


def test_the_noun_a_question_enumerates_or_names_an_item_of():
    from jianghua.assistant.enumeration import asked_noun
    assert asked_noun("说要建立哪几个体系？") == "体系"
    assert asked_noun("第二个体系具体讲的是怎么考察干部？") == "体系"
    assert asked_noun("第三点体会是什么？") == "体会"
    assert asked_noun("第八个方面是什么？") is None
    assert asked_noun("有哪些？") is None
