"""ingest.cleaning.clean: what goes, what stays verbatim, and the exact offset map back to the raw text."""
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianghua.ingest.cleaning import PHOTO_CREDIT, clean

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "samples" / "seeds").glob("*.txt"))
GENRE = ROOT / ".." / "shared" / "corpus" / "genre"
TONGBAO = ROOT / "samples" / "seeds" / "关于落实全面从严治党主体责任情况通报.txt"
SPACES = set(" \t\u00a0\u3000\u2002\u2003\u2009\u202f\u205f")  # what a cleaned space may come from
BREAKS = set("\n\r\u2028\u2029")                                 # what a cleaned \n may come from


def assert_exact_map(raw: str, c) -> None:
    """Every cleaned character comes from the raw character at to_original(i), in increasing order."""
    prev = -1
    for i, ch in enumerate(c.text):
        j = c.to_original(i)
        assert j > prev, (i, j, prev)
        prev = j
        src = raw[j]
        if ch == " ":
            assert src in SPACES, (i, j, repr(src))
        elif ch == "\n":                   # a line break, or the 摄 ending a dropped photo credit
            assert src in BREAKS or re.search(PHOTO_CREDIT + "$", raw[max(0, j - 40):j + 1]), (i, j, repr(src))
        else:
            assert src == ch, (i, j, repr(src), repr(ch))
    if c.text:
        assert c.to_original(len(c.text) - 1) + 1 <= len(raw)


def genre_sample() -> list[Path]:
    """The files of the corpus that hold full-width spaces, zero-width characters, NBSP or tabs, plus a few more."""
    files = sorted(GENRE.glob("*/*.txt"))
    odd = [f for f in files if any(ch in f.read_text("utf-8") for ch in "\u3000\u200b\u200d\u00a0\t\u2003")]
    return odd + files[::25]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_offsets_exact_on_every_seed(path):
    raw = path.read_text("utf-8")
    assert_exact_map(raw, clean(raw))


@pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")
def test_offsets_exact_on_corpus_files():
    files = genre_sample()
    assert len(files) > 40
    for f in files:
        raw = f.read_text("utf-8")
        assert_exact_map(raw, clean(raw))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_only_whitespace_and_boilerplate_change(path):
    raw = path.read_text("utf-8")
    lines = raw.splitlines()
    boiler = [ln for ln in lines if ln.startswith("本文系作者原创投稿")]
    expected = [ch for ln in lines if ln not in boiler for ch in ln if not ch.isspace()]
    text = clean(raw).text
    assert [ch for ch in text if not ch.isspace()] == expected  # punctuation, width, ** placeholders verbatim


def test_seed_boilerplate_line_removed():
    raw = TONGBAO.read_text("utf-8")
    assert raw.splitlines()[0] == "本文系作者原创投稿，仅供学习参考，请勿照搬照抄！"  # the seed's first line
    text = clean(raw).text
    assert text.splitlines()[0] == raw.splitlines()[1] == "关于落实全面从严治党主体责任情况通报"
    assert "本文系" not in text and "照搬照抄" not in text


def test_placeholders_kept():
    raw = (ROOT / "samples" / "seeds" / "市领导在基层党组织书记述职评议会议上的讲话.txt").read_text("utf-8")
    assert Counter(clean(raw).text)["*"] == Counter(raw)["*"] == 32
    assert "根据**市委工作安排" in clean(raw).text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_layout_rules_on_seeds(path):
    text = clean(path.read_text("utf-8")).text
    lines = text.split("\n")
    assert all(ln and ln == ln.strip() for ln in lines)  # no blank lines, no outer spaces
    assert "\xa0" not in text and "\r" not in text and not text.endswith("\n")


def test_line_endings_and_spaces():
    raw = "\ufeff　　标题\u3000一\r\n\r\n\r\n\t第一段 \u00a0 正文\u200b内容。  \r第二段\u2003\u2003结尾\n\n"
    c = clean(raw)
    assert c.text == "标题 一\n第一段 正文内容。\n第二段 结尾"
    assert_exact_map(raw, c)
    assert raw[c.to_original(c.text.index("\n"))] == "\n"  # the \n of \r\n, so the character is identical


def test_zero_width_only_between_words_is_dropped():
    assert clean("全面\u200b从严\u200d治党").text == "全面从严治党"


@pytest.mark.parametrize("line", [
    "本文系作者原创投稿，仅供学习参考，请勿照搬照抄！",
    "本文系网友投稿，版权归原作者所有",
    "来源：网络",
    "来源：互联网。",
    "（全文完）",
    "(完)",
    "- 3 -",
    "－12－",
    "— 7 —",
    "第3页",
    "第 3 页 共 10 页",
])
def test_boilerplate_lines_dropped(line):
    raw = f"正文第一段。\n{line}\n正文第二段。"
    assert clean(raw).text == "正文第一段。\n正文第二段。"


@pytest.mark.parametrize("line", [
    "七、2020年工作打算",
    "2019",
    "3",
    "来源：新华社",
    "一是要按照“来源：网络”的说法核实情况。",
    "-3-项工作要点",
])
def test_content_lines_kept(line):
    assert clean(f"正文。\n{line}\n正文。").text == f"正文。\n{line}\n正文。"


def test_to_original_bounds():
    c = clean("  甲乙\n\n丙  ")
    assert c.text == "甲乙\n丙"
    assert [c.to_original(i) for i in range(len(c.text) + 1)] == [2, 3, 4, 6, 7]
    with pytest.raises(IndexError):
        c.to_original(len(c.text) + 1)
    with pytest.raises(IndexError):
        c.to_original(-1)


def test_empty_and_blank():
    for raw in ("", "\n\n", " \u3000\t\r\n", "（全文完）\n"):
        c = clean(raw)
        assert c.text == "" and c.offsets == []


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_idempotent(path):
    once = clean(path.read_text("utf-8")).text
    assert clean(once).text == once


def test_offsets_are_sorted_breakpoints():
    c = clean(TONGBAO.read_text("utf-8"))
    assert c.offsets == sorted(c.offsets) and len(c.offsets) < len(c.text) / 10  # compact, not one per char
    assert c.offsets[0] == (0, TONGBAO.read_text("utf-8").index("关于落实"))


_ALPHABET = st.sampled_from(list("全面从严治党，。“”（）*ab1 \t\r\n\u3000\u00a0\u200b\u2028") + ["（全文完）", "- 3 -"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_offsets_exact_on_any_text(raw):
    c = clean(raw)
    assert_exact_map(raw, c)
    assert "\n\n" not in c.text and c.text == c.text.strip()


@pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")
def test_trailing_wikisource_licence_block_is_dropped():
    files = sorted((GENRE / "gov_work_reports_wikisource").glob("*.txt"))
    with_block = [f for f in files if "Public domain" in f.read_text(encoding="utf-8")[-3000:]]
    assert with_block, "expected wikisource files that end in a licence block"
    for f in with_block:
        raw = f.read_text(encoding="utf-8")
        c = clean(raw)
        tail = c.text[-400:]
        assert "Public domain" not in tail and "公有领域" not in tail, f.name
        # the report itself is kept: its last real sentence survives
        lines = raw.splitlines()
        starts = [i for i, ln in enumerate(lines) if re.match(r"\s*本作品(?:是|在|采用|属于|来自|依据|根据)", ln)]
        if not starts:
            continue
        first = starts[-1]                                                   # the block's first line
        body_end = "\n".join(x for x in lines[:first] if x.strip())
        assert c.text.rstrip().endswith(body_end.splitlines()[-1].strip()), f.name


def test_photo_credit_is_dropped_and_the_speech_starts_a_line():
    raw = ("习近平在大会上发表重要讲话。 新华社记者 姚大伟/摄同志们，朋友们：在过去8个多月时间里，我们经历了。"
           "看望贫困户。新华社记者 谢环驰、刘彬／摄第一，加强组织领导。")
    c = clean(raw)
    assert c.text.split("\n") == ["习近平在大会上发表重要讲话。", "同志们，朋友们：在过去8个多月时间里，我们经历了。看望贫困户。",
                                  "第一，加强组织领导。"]
    assert_exact_map(raw, c)


@pytest.mark.parametrize("line", ["记者会上，他说：收入/支出摄入比例合理。", "据新华社记者报道，会议强调。",
                                  "记者节/摄影展在京开幕。"])
def test_text_that_only_looks_like_a_credit_is_kept(line):
    assert clean(f"正文。\n{line}\n正文。").text == f"正文。\n{line}\n正文。"


@pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")
def test_list_items_behind_photo_credits_start_lines_in_the_corpus():
    """A speech scraped to one line (在打好精准脱贫攻坚战座谈会上的讲话, 2020 edition): its 第一，… 第四， items
    followed photo credits and did not start a sentence."""
    raw = next(t for t in (f.read_text("utf-8") for f in sorted(GENRE.glob("xi_speeches_2020_jhsjk/*.txt")))
               if "减贫史上最好成绩" in t and "/摄" in t)
    assert re.search(PHOTO_CREDIT, raw)
    c = clean(raw)
    assert not re.search(PHOTO_CREDIT, c.text)
    lines = c.text.split("\n")
    assert any(x.startswith("第一，创造了我国减贫史上最好成绩") for x in lines)
    assert any(x.startswith("第四，建立了中国特色脱贫攻坚制度体系") for x in lines)
    assert_exact_map(raw, c)
