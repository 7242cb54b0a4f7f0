"""Heading levels and section paths (ingest/structure.py), checked against what the five seed speeches state."""
import re

import pytest

from jianghua.ingest.chunking import ChunkerSettings, chunk_document
from jianghua.ingest.documents import load_document
from jianghua.ingest.structure import enumeration_label, heading_level, heading_text, paragraphs
from jianghua.samples import SEEDS

NUM = "一二三四五六七八九十"
# The markers as the seeds write them, stated independently of the module under test.
SEED_MARKERS = [
    (1, re.compile(rf"^[{NUM}]+、")),                        # 一、全面从严治党必须……
    (1, re.compile(rf"^第[{NUM}]+(?:个方面|点)")),             # 第一个方面，…  第一点感受是…
    (2, re.compile(rf"^（[{NUM}]+）")),                       # （一）政治站位进一步提升。…
    (5, re.compile(rf"^[{NUM}](?:要|是)")),                   # 一要狠抓理论武装…  (a line-opening enumeration)
]
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def expected_level(line: str) -> int | None:
    for level, pat in SEED_MARKERS:
        if pat.match(line):
            return level
    return None


@pytest.fixture(scope="module")
def seed_docs():
    return {f.stem: load_document(f) for f in SEED_FILES}


def lines_of(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos + len(line) - len(line.lstrip()), line.strip()))
        pos += len(line) + 1
    return out


def test_five_seeds():
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem[:8])
def test_every_seed_line_gets_the_level_its_marker_states(path, seed_docs):
    doc = seed_docs[path.stem]
    paras = paragraphs(doc.text)
    lines = lines_of(doc.text)
    assert [p.start for p in paras] == [s for s, _ in lines]           # one paragraph per non-blank line
    for p, (_, line) in zip(paras, lines):
        assert doc.text[p.start:p.end] == line
        assert p.level == expected_level(line), line[:40]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem[:8])
def test_section_paths_follow_the_headings_above(path, seed_docs):
    doc = seed_docs[path.stem]
    current: dict[int, str] = {}
    seen_top = 0
    for p in paragraphs(doc.text):
        line = doc.text[p.start:p.end]
        if p.level is not None:
            head = p.path[-1]
            # the heading is the line itself or its first clause, never text from elsewhere
            assert line.startswith(head) and head
            if "。" in line[:61]:
                assert head == line[:line.index("。")]
            current = {k: v for k, v in current.items() if k < p.level}
            current[p.level] = head
            if p.level == 1:
                seen_top += 1
        if p.top == seen_top and seen_top:
            assert p.path == tuple(current[k] for k in sorted(current)), line[:40]
        elif p.top > seen_top:                       # closing remarks after the last section: no headings
            assert p.path == () and re.match(r"^(同志们|以上发言|我就讲到这里)", line)
        else:                                        # the opening, before any heading
            assert p.path == () and p.top == 0
        assert p.top >= seen_top


def test_top_index_counts_level_one_headings(seed_docs):
    for doc in seed_docs.values():
        paras = paragraphs(doc.text)
        n1 = sum(1 for p in paras if p.level == 1)
        tops = [p.top for p in paras]
        assert tops == sorted(tops)
        assert max(tops) in (n1, n1 + 1)            # +1 when closing remarks follow the last section


def test_statement_chunks_under_second_section_carry_its_path(seed_docs):
    doc = seed_docs["全面从严治党表态发言"]
    heading = "二、全面从严治党要坚持抓基层打基础"
    start = doc.text.index(heading)
    end = doc.text.index("三、全面从严治党要切实转变工作作风")
    for size in (200, 300, 500):
        inside = [c for c in chunk_document(doc, ChunkerSettings(size)) if start <= c.start < end]
        assert inside
        for c in inside:
            assert c.section[:1] == (heading,)
            assert c.end <= end


def test_report_sub_items_carry_both_levels(seed_docs):
    doc = seed_docs["关于落实全面从严治党主体责任情况通报"]
    para = next(p for p in paragraphs(doc.text) if doc.text[p.start:p.end].startswith("（二）“一岗双责”"))
    assert para.path == ("六、存在问题", "（二）“一岗双责”责任还有待进一步压实")
    c = next(c for c in chunk_document(doc) if c.start == para.start)
    assert c.section == para.path


def test_speech_aspects_and_their_enumerations(seed_docs):
    doc = seed_docs["在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话"]
    paras = paragraphs(doc.text)
    aspects = [p for p in paras if p.level == 1]
    assert [p.path[0][:5] for p in aspects] == ["第一个方面", "第二个方面", "第三个方面"]
    enums = [p for p in paras if p.level == 5]
    assert len(enums) == 3 + 6 + 3
    for p in enums:
        line = doc.text[p.start:p.end]
        assert len(p.path) == 2 and p.path[0].startswith("第") and line.startswith(p.path[1])
    # the numbering restarts under each aspect: 一要 … 三要, 一要 … 六要, 一要 … 三要
    firsts = [p.path[1][:2] for p in enums]
    assert firsts == ["一要", "二要", "三要", "一要", "二要", "三要", "四要", "五要", "六要", "一要", "二要", "三要"]


def test_in_paragraph_enumeration_items_label_their_sentences(seed_docs):
    doc = seed_docs["全面从严治党表态发言"]
    for item in ("一是工作不扎实", "二是办法不够多", "三是措施不过硬", "四是村居无亮点"):
        i = doc.text.index(item)
        assert enumeration_label(doc.text[i:doc.text.index("。", i) + 1]) == item
    assert enumeration_label("，二是“重部署轻落实”的问题。") == "二是“重部署轻落实”的问题"
    assert enumeration_label("习近平总书记指出，党要管党。") is None


@pytest.mark.parametrize("line, level", [
    ("一、总体要求", 1), ("十二、其他事项", 1), ("第一章 总则", 1), ("第三部分 主要任务", 1),
    ("第二个方面，坚持固本强基", 1), ("第一点体会是要提高认识", 1),
    ("（一）政治站位进一步提升。全市……", 2), ("(三)加强作风建设", 2), ("第十二条 本办法自印发之日起施行。", 2),
    ("1.加强组织领导", 3), ("2、压实责任", 3), ("3．强化督查", 3),
    ("（1）建立台账", 4), ("(2)定期通报", 4),
    ("一要狠抓理论武装", 5), ("二是办法不够多。", 5),
])
def test_heading_markers(line, level):
    assert heading_level(line) == level


@pytest.mark.parametrize("line", [
    "1.5亿元用于基层阵地建设。", "2020年是具有里程碑意义的一年。", "一年来，全区上下团结一心。",
    "一些党组织书记抓党建的意识不强。",
    "首先，要提高认识。", "同志们：", "我们要坚持“一岗双责”。",
    "一把手要带头履行第一责任人职责。", "一以贯之全面从严治党，强化对权力运行的制约和监督。",
])
def test_not_headings(line):
    assert heading_level(line) is None


def test_heading_text_of_long_and_short_lines():
    assert heading_text("二、全面从严治党要坚持抓基层打基础") == "二、全面从严治党要坚持抓基层打基础"
    assert heading_text("（一）抓好理论学习。全市各级党组织将学习贯彻……") == "（一）抓好理论学习"
    long = "第一个方面，" + "准确把握形势，" * 12 + "进一步增强责任感"
    head = heading_text(long)
    assert long.startswith(head) and len(head) <= 60


def test_deeper_levels_reset_under_a_new_heading():
    text = "一、甲\n（一）乙\n1.丙\n正文一。\n（二）丁\n正文二。\n二、戊\n正文三。"
    paths = {text[p.start:p.end]: p.path for p in paragraphs(text)}
    assert paths["正文一。"] == ("一、甲", "（一）乙", "1.丙")
    assert paths["正文二。"] == ("一、甲", "（二）丁")
    assert paths["正文三。"] == ("二、戊",)
