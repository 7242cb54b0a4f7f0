"""Sentence splitting (ingest/sentences.py): terminators, line ends, quotes."""
import re

import pytest

from jianghua.ingest.documents import load_document
from jianghua.ingest.sentences import split_sentences
from jianghua.samples import SEEDS


def texts(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text, start, end)]


@pytest.mark.parametrize("term", list("。！？；!?;"))
def test_each_terminator_ends_a_sentence(term):
    assert texts(f"第一句{term}第二句{term}") == [f"第一句{term}", f"第二句{term}"]


def test_line_ends_end_sentences_and_blank_lines_vanish():
    assert texts("标题\n\n  正文第一句，没有句号\n第二行。 ") == ["标题", "正文第一句，没有句号", "第二行。"]


def test_runs_of_terminators_and_ellipsis_stay_with_their_sentence():
    assert texts("真的吗？！是的……好吧。") == ["真的吗？！", "是的……", "好吧。"]
    assert texts("一个省略号…不断句。") == ["一个省略号…不断句。"]


def test_never_inside_quotes():
    t = "习近平总书记指出，“党要管党，首先是党委要管。党委书记要在其位、谋其政”。这要求我们坚持问题导向。"
    assert texts(t) == ["习近平总书记指出，“党要管党，首先是党委要管。党委书记要在其位、谋其政”。", "这要求我们坚持问题导向。"]
    assert texts("要做到「守土有责；守土负责」，不能松懈。") == ["要做到「守土有责；守土负责」，不能松懈。"]


def test_terminator_before_closing_quote_ends_after_the_quote():
    t = "总书记强调：“履行好第一责任人职责。”对照要求检视问题。"
    assert texts(t) == ["总书记强调：“履行好第一责任人职责。”", "对照要求检视问题。"]
    assert texts("他问：“做到了吗？”“做到了！”") == ["他问：“做到了吗？”", "“做到了！”"]


def test_closing_bracket_after_terminator_stays():
    assert texts("（此件公开发布。）下一句。") == ["（此件公开发布。）", "下一句。"]


def test_an_unbalanced_quote_is_limited_to_its_line():
    t = "他说：“我们要干。大家都干。\n下一行第一句。下一行第二句。"
    assert texts(t) == ["他说：“我们要干。大家都干。", "下一行第一句。", "下一行第二句。"]


def test_offsets_and_window():
    t = "前言。\n正文一。正文二。\n后记。"
    a, b = t.index("正文一"), t.index("\n后记")
    got = split_sentences(t, a, b)
    assert [t[s.start:s.end] for s in got] == ["正文一。", "正文二。"]
    assert all(a <= s.start < s.end <= b for s in got)


def test_empty_and_blank():
    assert split_sentences("") == []
    assert split_sentences(" \n\u3000\n") == []


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem[:8])
def test_seed_sentences_cover_the_text_and_respect_quotes(path):
    text = load_document(path).text
    sents = split_sentences(text)
    # ordered, disjoint, stripped, and between them only whitespace
    prev = 0
    for s in sents:
        assert s.start >= prev and s.end > s.start
        assert text[prev:s.start].strip() == ""
        piece = text[s.start:s.end]
        assert piece == piece.strip() and "\n" not in piece
        prev = s.end
    assert text[prev:].strip() == ""
    for s in sents:
        piece = text[s.start:s.end]
        # a sentence ends at a terminator (then maybe closing quotes/brackets) or at the end of its line
        line_end = s.end == len(text) or text[s.end] == "\n" or text[s.end:].split("\n", 1)[0].strip() == ""
        assert re.search(r"[。！？；!?;…][”」』）)】]*$", piece) or line_end, piece
        # no sentence boundary falls inside a balanced quote of its line
        line_start = text.rfind("\n", 0, s.start) + 1
        before = text[line_start:s.start]
        assert before.count("“") == before.count("”"), piece[:30]
