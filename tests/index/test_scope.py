"""index.scope and index.catalog: which documents a question or a filter names, on a small made-up catalog."""
import numpy as np
import pytest

from jianghua.index.catalog import Catalog, DocInfo
from jianghua.index.scope import explicit_scope, infer_scope
from jianghua.errors import InputError


def doc(i, title, date=None, typ=None, speaker=None):
    return DocInfo(f"d{i}", title, f"/c/{title}.txt", date, int(date[:4]) if date else None, typ, speaker, None)


DOCS = [doc(0, "2023年中华人民共和国国务院政府工作报告", "2023-03-05", "政府工作报告", "李克强"),
        doc(1, "2024年中华人民共和国国务院政府工作报告", "2024-03-05", "政府工作报告", "李强"),
        doc(2, "2025年中华人民共和国国务院政府工作报告", "2025", "政府工作报告"),
        doc(3, "第十四届全国人民代表大会第三次会议关于政府工作报告的决议", "2025", "决议"),
        doc(4, "决胜全面建成小康社会 夺取新时代中国特色社会主义伟大胜利 (十九大)", "2017-10-18", "党代会报告", "习近平"),
        doc(5, "在区直机关党建推进会上的讲话", None, "讲话"),
        doc(6, "全面从严治党表态发言", None, "表态发言"),
        doc(7, "在首届中国国际进口博览会开幕式上的主旨演讲", "2018-11-05", "讲话", "习近平")]


@pytest.fixture
def cat():
    rows = np.arange(len(DOCS) * 2)            # two chunk rows per document
    return Catalog(DOCS, rows, rows // 2, len(rows))


def names(cat, scope):
    return sorted(cat.docs[i].id for i in np.flatnonzero(scope.doc_mask)) if scope.active else []


@pytest.mark.parametrize("q,docs", [
    ("2024年政府工作报告提出的城镇新增就业目标是多少？", ["d1"]),
    ("2025年政府工作报告回顾2024年城镇新增就业多少人？", ["d2"]),     # the year next to 报告 names the document
    ("去年的政府工作报告里专项债安排了多少？", ["d1"]),                 # latest year in the catalog: 2025
    ("今年报告的赤字率是多少？", ["d2", "d3"]),
    ("前年政府工作报告的粮食目标？", ["d0"]),
    ("十九大报告关于耕地保护讲了什么？", ["d4"]),
    ("关于政府工作报告的决议说了什么？", ["d3"]),
    # a named speaker: that person's documents and those naming no speaker (d2, d3, d5, d6), not another's (d0, d4, d7)
    ("李强作的报告说了什么？", ["d1", "d2", "d3", "d5", "d6"]),
    ("李强作的政府工作报告说了什么？", ["d1"]),                 # a type named too: that speaker's own only
    ("十九大报告关于从严治党讲了什么？", ["d4"]),
    ("十八大以来管党治党有哪些经验？", []),                               # a time, not the congress's report
    ("首届中国国际进口博览会开幕式上讲了什么？", ["d7"]),                 # named by its title
    ("表态发言和区直机关党建推进会讲话都提到了什么？", ["d5", "d6"]),   # two documents named apart
    # the title every national report shares names no other year's report when a year is named
    ("2023年国务院政府工作报告定的国内生产总值增长目标是多少？", ["d0"]),
    ("国务院政府工作报告定的增长目标是多少？", ["d0", "d1", "d2"]),
    ("软弱涣散村级党组织什么时候整顿完成？", []),
])
def test_infer_scope(cat, q, docs):
    assert names(cat, infer_scope(q, cat)) == docs


def test_relative_years_count_from_today(cat):
    s = infer_scope("去年的政府工作报告", cat, today="2024-06-01")
    assert names(cat, s) == ["d0"] and s.named["relative"] == {"word": "去年", "reference_year": 2024}
    assert "去年" in s.terms and not s.hard
    with pytest.raises(InputError):
        infer_scope("去年的报告", cat, today="next year")


def test_a_year_the_corpus_lacks_applies_no_scope(cat):
    s = infer_scope("2020年政府工作报告的目标", cat)
    assert not s.active and s.note


def test_scope_words_are_reported_for_the_keyword_query(cat):
    s = infer_scope("2024年政府工作报告里李强说了什么", cat)
    assert "2024" in s.terms and "李强" in s.terms
    assert s.trace(cat)["applied"] and s.trace(cat)["documents"] == 1


def test_explicit_filters(cat):
    assert names(cat, explicit_scope(cat, year=2025)) == ["d2", "d3"]
    assert names(cat, explicit_scope(cat, year=2025, type="决议")) == ["d3"]
    assert names(cat, explicit_scope(cat, type=["讲话", "表态发言"])) == ["d5", "d6", "d7"]
    assert names(cat, explicit_scope(cat, speaker="习近平", year="2018")) == ["d7"]
    assert names(cat, explicit_scope(cat, doc_id="d4")) == ["d4"]
    s = explicit_scope(cat, year=1900)
    assert s.hard and not s.doc_mask.any() and s.note
    assert explicit_scope(cat) is None
    with pytest.raises(InputError):
        explicit_scope(cat, year="二〇二四")


def test_row_mask_maps_documents_to_chunk_rows(cat):
    m = cat.row_mask(cat.mask(["d1", "d4"]))
    assert list(np.flatnonzero(m)) == [2, 3, 8, 9]
