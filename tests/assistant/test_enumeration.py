"""Lists (assistant/enumeration.py): a question asking for the items of a list gets the list the source gives — its
lead and every item in order, even when the items are headings passages apart — and a question about one item's
content is answered from that item, not with the list of its siblings. Expected items are read off the seed files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from jianghua.assistant.enumeration import asked_count, heading_like, item_marker
from jianghua.ingest.numerals import cn_number
from jianghua.samples import SEEDS


def _plain(text: str) -> str:
    return re.sub(r"\[\d+\]", "", text)


def _lines(name: str) -> list[str]:
    return [ln.strip() for ln in (SEEDS / f"{name}.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]


@pytest.mark.parametrize("q, n", [("哪五个方面", 5), ("提了哪3点建议", 3), ("哪两项", 2), ("哪十二条", 12),
                                  ("有哪几条", None), ("有哪些", None)])
def test_asked_count(q, n):
    assert asked_count(q) == n


def test_markers_and_numbers():
    assert item_marker("（三）持之以恒推动正风肃纪。") == ("paren", 3)
    assert item_marker("第二，抓好用党的科学理论武装全党。") == ("di", 2)
    assert item_marker("三要扎实开展专项整治。") == ("shi", 3)
    assert item_marker("三年来，我们坚持……") is None
    assert cn_number("十二") == 12 and cn_number("二十") == 20 and cn_number("两") == 2
    assert heading_like("（一）旗帜鲜明将政治建设摆在首位。") and not heading_like("一要加强机关文化建设，推进机关精神文明建设，形成新风尚。")


def test_announced_headings_are_the_items(seed_app):
    """"这里我也提3点建议" is followed by three headings (一要…/二要…/三要…), each passages apart: all three, in order."""
    lines = _lines("市领导在基层党组织书记述职评议会议上的讲话")
    lead = next(i for i, ln in enumerate(lines) if "提3点建议" in ln)
    items = [re.match(r"^[^。]+", ln).group() for ln in lines[lead + 1:] if re.match(r"^[一二三]要", ln)][:3]
    assert len(items) == 3
    answer = _plain(seed_app.ask("市领导提出的3点建议分别是什么？", [])["answer"])
    positions = [answer.find(it) for it in items]
    assert all(p >= 0 for p in positions), (answer, items)
    assert positions == sorted(positions)


def test_a_section_lists_its_items(seed_app):
    """The items of "七、2020年工作打算" are five paragraphs opening with （一）…（五）: a question for them gets all five."""
    lines = _lines("关于落实全面从严治党主体责任情况通报")
    start = next(i for i, ln in enumerate(lines) if ln.endswith("2020年工作打算"))
    heads = [re.match(r"^（[一二三四五六七八九十]）[^。]+", ln).group() for ln in lines[start + 1:]
             if re.match(r"^（[一二三四五六七八九十]）", ln)]
    assert len(heads) == 5
    answer = _plain(seed_app.ask("情况通报里2020年的工作打算有哪几条？", [])["answer"])
    assert all(h in answer for h in heads), (answer, heads)


def test_a_question_about_one_item_is_answered_from_it(seed_app):
    """"三要扎实开展…专项整治" is one item of a list; what that item says it roots out is in its own sentence
    (弱化、淡化、虚化…), not in the list of the four items."""
    text = (SEEDS / "在区直机关党建推进会上的讲话.txt").read_text(encoding="utf-8")
    span = re.search(r"根治基层党建([^，。]+?)6个问题", text).group(1)
    answer = _plain(seed_app.ask("专项整治要根治基层党建中的哪些问题？", [])["answer"])
    assert span in answer, answer
    assert not re.search(r"四要全面落实机关", answer)


def test_an_ordinal_gets_that_item_of_the_listing(seed_app):
    """"…3点建议，其中第二点是什么？" (an ordinal the previous answer did not resolve stays in the standalone
    question): the second of the three announced items, not the list."""
    lines = _lines("市领导在基层党组织书记述职评议会议上的讲话")
    lead = next(i for i, ln in enumerate(lines) if "提3点建议" in ln)
    items = [re.match(r"^[^。]+", ln).group() for ln in lines[lead + 1:] if re.match(r"^[一二三]要", ln)][:3]
    answer = _plain(seed_app.ask("市领导提出的3点建议，其中第二点是什么？", [])["answer"])
    assert answer.startswith(items[1]), (answer, items)
    assert items[0] not in answer and items[2] not in answer


GENRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre"
LIFE_MEETING = GENRE / "xi_speeches_12371_pages" / "ARTI1514299446288460.txt"   # 2017 民主生活会 (a news report)


@pytest.mark.skipif(not LIFE_MEETING.is_file(), reason="shared corpus not beside the repository")
def test_a_lead_announcing_what_is_asked_gives_the_list():
    """"…把握了哪几个重点？" asked of the report of the 2017 民主生活会: its opening sentence holds most of the
    question's words (中央政治局, 民主生活会, 重点对照…, 自我检查), yet the answer is the paragraph whose lead announces
    "4个重点" and its four 一是…四是 items — the items read off the document here."""
    from jianghua.assistant.enumeration import ASKED_NOUN, announces_asked, listing_for
    from jianghua.assistant.weigh import weigh
    from jianghua.index.tokenize import get_tokenizer
    from jianghua.records import Chunk, Hit

    text = LIFE_MEETING.read_text(encoding="utf-8")
    title = text.splitlines()[0].strip()
    hits, pos = [], 0
    for para in text.split("\n"):
        if para.strip():
            hits.append(Hit(Chunk(f"m-{len(hits)}", "m", para, (), pos, pos + len(para)), title, "m.txt", 1.0))
        pos += len(para) + 1
    lead = next(h for h in hits if "把握和体现了4个重点" in h.chunk.text)
    items = re.findall(r"[一二三四]是带头[^。]+。", lead.chunk.text)
    assert len(items) == 4
    opening = next(h for h in hits if "召开民主生活会" in h.chunk.text and "重点对照" in h.chunk.text)
    hits = [opening, lead] + [h for h in hits if h is not opening and h is not lead]
    tok = get_tokenizer()
    q = "2017年底中央政治局开民主生活会，政治局同志的对照检查发言把握了哪几个重点？"
    ev = weigh(q, hits, tok.tokens, lambda t: sum(t in h.chunk.text for h in hits), len(hits))
    found = listing_for(ev.question, ev.ranked, None)
    assert found is not None and found.lead is not None and "4个重点" in found.lead.quote, found
    assert [s.quote for s in found.items] == items
    assert announces_asked(q, found)
    assert ASKED_NOUN.search("要注重哪几点？") is None or not announces_asked("要注重哪几点？", found)


PLAN_NOTE = GENRE / "xi_speeches_2020_jhsjk" / "2020-11-04_050.txt"    # the 说明 on the 十四五 建议 (one long line)


@pytest.mark.skipif(not PLAN_NOTE.is_file(), reason="shared corpus not beside the repository")
def test_a_numbered_part_leads_the_items_under_it():
    """"三、需要说明的几个重点问题…" is one of the 说明's parts (一、二、三、) and the lead of its own items (第一，关于…
    第二，关于…): asked for the second of them, the answer is 第二，… — not the second part, nor a sentence that
    merely lists words (…科技创新、产业发展、…)."""
    from jianghua.assistant.enumeration import listing_for, listings, strip_of
    from jianghua.assistant.weigh import weigh
    from jianghua.index.tokenize import get_tokenizer
    from jianghua.records import Chunk, Hit

    text = PLAN_NOTE.read_text(encoding="utf-8")
    part = text.index("三、需要说明的几个重点问题")
    items = re.findall(r"第[一二三四五六]，关于[^。]+。", text[part:])
    assert len(items) >= 3
    hit = Hit(Chunk("p0", "p", text, (), 0, len(text)), PLAN_NOTE.stem, PLAN_NOTE.name, 1.0)
    strip = strip_of(hit, None)
    anchor = next(s for s in strip if s.quote.startswith("三、需要说明的几个重点问题"))
    below = [ls for ls in listings(anchor, strip, 0, 10, False) if ls.lead is anchor]
    assert below and [s.quote for s in below[0].items][:len(items)] == items[:len(below[0].items)]
    # as the answer sees it: the passages around the part (its siblings 一、二、 out of reach), ranked with a sentence
    # that lists words (…科技创新、产业发展、…) first
    start = text.index("第二板块为分论")
    end = text.index("。", text.index("第六，关于")) + 1
    near = Hit(Chunk("p1", "p", text[start:end], (), start, end), PLAN_NOTE.stem, PLAN_NOTE.name, 1.0)
    tok = get_tokenizer()
    q = "习近平就“十四五”规划建议作说明，“需要说明的几个重点问题”里第二个讲的是什么？"
    ev = weigh(q, [near], tok.tokens, lambda t: 1, 1)
    wordy = next(c for c in ev.ranked if c.quote.startswith("第二板块为分论"))
    heading = next(c for c in ev.ranked if c.quote.startswith("三、需要说明"))
    ranked = [wordy, heading] + [c for c in ev.ranked if c is not wordy and c is not heading]
    assert listing_for(ev.question, ranked, None) is None          # a list question: the wordy sentence wins
    found = listing_for(ev.question, ranked, None, item=True)      # one item by its number: the list answers
    assert found is not None and found.lead.quote.startswith("三、") and found.items[1].quote == items[1], found
