"""Each rule that remains in answer_type, condense, ranking and extractive, on sentences chosen from the seed
and genre documents (copied here so the test stands alone) and on questions written for the rule."""
from __future__ import annotations

import pytest

from jianghua.assistant.answer_type import expected, holds, redacted
from jianghua.assistant.condense import answer_items, condense_without_llm, needs_history, ordinal, topic
from jianghua.assistant.enumeration import inner_marker, item_marker
from jianghua.assistant.extractive import as_answer_sentence
from jianghua.assistant.ranking import is_meta

# -- answer_type ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q, kind", [
    ("今年村干部年报酬要提高到多少？", ("number", "money")),
    ("党员参训率要达到多大比例？", ("number", "ratio")),
    ("辖区内关停企业的党组织有几个？", ("number", "")),
    ("软弱涣散村级组织整顿最晚什么时候完成？", ("date", "")),
    ("这次述职评议会议由谁主持？", ("person", "")),
    ("让谁去联系群众？", None),                       # 让谁 asks for a role, not a personal name
    ("基层党建工作有哪些要求？", None),
])
def test_expected_kind(q, kind):
    assert expected(q) == kind


def test_a_count_asked_in_a_unit_is_answered_by_a_number_in_that_unit():
    """多少家 / 几次 / 多少名: a sentence that only names the things counted, or counts something else, holds no answer."""
    q = "区域化党建工作机制统筹了多少家社会组织？"
    kind = expected(q)
    assert kind == ("number", "unit:家")
    assert holds(kind, "统筹驻区单位32家、社会组织15家。", q)
    assert not holds(kind, "统筹社会组织和特色商家，建立区域化党建工作机制。", q)      # 家 without a number
    assert not holds(kind, "统筹社会组织开展活动120余次。", q)                          # a number in another unit
    twice = ("number", "unit:次")
    assert holds(twice, "先后召开两次协调联动会议。", "召开过几次？")
    people = expected("全区发展了多少名党员？")
    assert holds(people, "全年发展党员1.2万人。", "全区发展了多少名党员？")          # 名 and 人 count alike


def test_numbers_the_question_names_do_not_answer_it():
    q = "违反中央八项规定精神问题查处了多少起？"
    assert not holds(("number", ""), "坚决落实中央八项规定精神。", q)
    assert holds(("number", ""), "全年查处违反中央八项规定精神问题126起。", q)


def test_a_year_in_the_question_does_not_hide_the_digits_of_its_answer():
    # the question's numbers are compared whole: 5 is not 2025, 2025 itself still does not answer
    q = "2025年政府工作报告定的经济增长预期目标是多少？"
    assert holds(("number", ""), "今年发展主要预期目标是：国内生产总值增长5%左右；", q)
    assert not holds(("number", ""), "2025年是“十四五”规划收官之年。", q)
    assert holds(("number", ""), "城镇新增就业1200万人以上。", "2012年以来新增就业多少？")


def test_a_redacted_figure_is_no_number():
    s = "全市共查处违反中央八项规定问题×××件，处理××人。"
    assert redacted(s)
    assert not holds(("number", ""), s, "违反中央八项规定问题查处了多少件？")
    assert redacted("今年要把村干部年报酬提高到*万元。")
    assert not holds(("number", "money"), "今年要把村干部年报酬提高到*万元。", "报酬是多少？")
    assert not redacted("2024年国内生产总值增长5%左右。")


def test_person_answer_is_a_name_or_role_the_question_does_not_name():
    q = "会议由谁主持？"
    assert holds(("person", ""), "会议由区委书记王建国同志主持。", q)
    assert not holds(("person", ""), "会议开得很成功。", q)


# -- condense -------------------------------------------------------------------------------------------------
PREVIOUS_Q = "区直机关党组织存在哪些共性问题？"
PREVIOUS_A = ("各区直机关党组织存在的共性问题主要有：一是少数党委对机关党建工作重视不够、领导不力的问题[1]。"
              "二是推进常态化制度化安排部署滞后的问题[2]。三是落实双重组织生活制度不够到位的问题[3]。")
HISTORY = [{"role": "user", "content": PREVIOUS_Q}, {"role": "assistant", "content": PREVIOUS_A}]


@pytest.mark.parametrize("q, n", [("其中第二点具体怎么落实？", 2), ("第3条呢？", 3), ("最后一个怎么整改？", -1),
                                  ("头一条是什么意思？", 1), ("基层党建工作怎么抓？", None)])
def test_ordinal(q, n):
    assert ordinal(q) == n


def test_answer_items_include_an_item_that_opens_after_a_colon():
    items = answer_items(PREVIOUS_A)
    assert len(items) == 3
    assert items[0].startswith("一是少数党委") and items[1].startswith("二是推进")


def test_ordinal_follow_up_names_the_item():
    out = condense_without_llm("其中第二点具体怎么落实？", HISTORY)
    assert out.startswith("推进常态化制度化安排部署滞后的问题")
    assert out.endswith("具体怎么落实？")
    assert "一是" not in out and "少数党委" not in out


def test_demonstrative_stands_for_the_previous_topic():
    out = condense_without_llm("针对这些问题，要求什么时候整改到位？", HISTORY)
    assert "这些" not in out
    assert "区直机关党组织" in out and "共性问题" in out and out.endswith("整改到位？")


def test_ellipsis_swaps_a_year_for_a_year():
    h = [{"role": "user", "content": "2024年政府工作报告提出的城镇新增就业目标是多少？"}]
    assert condense_without_llm("那2019年呢？", h) == "2019年政府工作报告提出的城镇新增就业目标是多少？"


def test_self_contained_question_is_unchanged():
    q = "乡镇党委书记在年终党建专项考核中排到全区后三位会受到什么处理？"
    assert not needs_history(q)
    assert condense_without_llm(q, HISTORY) == q


def test_topic_drops_the_question_form():
    assert topic("区直机关党组织存在哪些共性问题？") == "区直机关党组织存在共性问题"
    assert topic("各级党组织书记在主体责任中要做到什么？") == "各级党组织书记在主体责任中要做到"   # no stray 什


def test_a_follow_up_with_nothing_of_its_own_gets_the_previous_topic():
    h = [{"role": "user", "content": "各级党组织书记在主体责任中要做到什么？"}]
    assert needs_history("具体有哪些要求？")
    assert condense_without_llm("具体有哪些要求？", h) == "各级党组织书记在主体责任中要做到，具体有哪些要求？"


# -- ranking / extractive ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", ["下面，我结合本次述职评议会，谈三点感受、三点建议。", "下面，我讲三点意见。",
                               "同志们，今天召开全区基层党建工作会议。",
                               # the ceremony of a report (genre corpus, 海拉尔区政府工作报告 and a 讲话)
                               "现在,我代表海拉尔区人民政府向大会作工作报告,请予审议。",
                               "现在，我代表区政府向大会作工作报告，请予审议，并请区政协委员和列席会议的同志提出意见。",
                               "以及广大人民群众，向各级党政机关和企事业单位广大党员、干部，致以崇高的敬意！",
                               "向港澳台同胞、海外侨胞，表示衷心的感谢！",
                               # 2013 国务院政府工作报告
                               "现在，我代表国务院，向大会报告过去五年的政府工作，并对今年工作提出建议，请各位代表审议，"
                               "并请全国政协委员提出意见。"])
def test_meta_sentences(s):
    assert is_meta(s)


@pytest.mark.parametrize("s", ["全面从严治党永远在路上。", "要坚持把政治建设摆在首位，下面的工作要跟上。",
                               "提请区人大常委会审议的地方性法规草案5件。", "群众对整改结果表示满意。"])
def test_not_meta(s):
    assert not is_meta(s)


@pytest.mark.parametrize("s, mark", [("一是少数党委重视不够；", ("shi", 1)), ("（三）加强队伍建设。", ("paren", 3)),
                                     ("2. 强化考核。", ("arabic", 2)), ("第二，要压实责任。", ("di", 2)),
                                     ("十二、加强党的建设", ("dun", 12)), ("一些党组织存在问题。", None)])
def test_item_markers(s, mark):
    assert item_marker(s) == mark


def test_item_after_colon():
    assert inner_marker("共性问题主要有：一是少数党委重视不够；")[:2] == ("shi", 1)
    assert inner_marker("主要有以下问题。") is None


@pytest.mark.parametrize("quote, out", [("要压实责任；", "要压实责任。"), ("要压实责任", "要压实责任。"),
                                        ("要压实责任。", "要压实责任。"), ("主要有：", "主要有。")])
def test_answer_sentence_ends_with_a_stop(quote, out):
    assert as_answer_sentence(quote) == out


def test_asked_kind_must_be_held_by_the_answer():
    from types import SimpleNamespace

    from jianghua.assistant.chain import _holds_asked_kind
    from jianghua.assistant.verify import SentenceCheck
    ev = SimpleNamespace(kind=("number", ""), question=SimpleNamespace(text="村级办公经费提高到每年多少？"))
    words = [SentenceCheck("要切实加强村级组织建设。", [1], 1.0, True)]
    figure = [SentenceCheck("村级办公经费提高到每年5万元。", [1], 1.0, True)]
    assert not _holds_asked_kind(ev, words)
    assert _holds_asked_kind(ev, figure)
    assert _holds_asked_kind(SimpleNamespace(kind=None, question=None), words)


def test_a_numbered_formulation_is_explained_by_the_enumeration_after_its_sentence():
    from jianghua.assistant.question import Question, Term
    from jianghua.assistant.ranking import candidates
    from jianghua.records import Chunk, Hit
    # the shape of the genre corpus's 2020-09-12 科学家座谈会 passage, with a formulation that counts its items
    text = ("我国发展对加快科技创新提出了“两个需要”的迫切要求。一是加快科技创新是推动高质量发展的需要。"
            "二是加快科技创新是实现人民高品质生活的需要。我们要坚持问题导向。")
    hit = Hit(Chunk("c0", "d", text, (), 0, len(text)), "d", "d.txt", 1.0)
    q = Question("“两个需要”具体是哪两个方面？", [Term("两个需要", 3.0, True), Term("科技创新", 2.0, True)])
    kind = expected(q.text)
    assert kind == ("explanation", "两个需要")
    cands = candidates(q, [hit], lambda t: [w for w in ("两个需要", "科技", "创新", "科技创新") if w in t], kind)
    held = {c.quote: c.features["kind_holds"] for c in cands}
    assert held["我国发展对加快科技创新提出了“两个需要”的迫切要求。"] == 1.0
    assert held["二是加快科技创新是实现人民高品质生活的需要。"] == 0.0       # no term: items alone explain nothing
    # the same sentence with no enumeration after it holds no explanation
    alone = Hit(Chunk("c1", "d", text[:27] + "我们要坚持问题导向。", (), 0, 37), "d", "d.txt", 1.0)
    c2 = candidates(q, [alone], lambda t: [], kind)
    assert c2[0].features["kind_holds"] == 0.0


def test_a_plan_period_is_no_numbered_formulation():
    """“十四五” / “十一五” name a plan's period, not a formulation that counts its items (“四个意识”, “八有”): a
    question about the period asks for no explanation of it (followups6 n025's first question was declined)."""
    assert expected("“十四五”时期为什么更迫切需要加快科技创新，分了哪几个方面？") is None
    assert expected("2011年政府工作报告回顾“十一五”时期政府工作的体会，第一条是什么？") is None
    assert expected("“四个意识”具体是指什么？") == ("explanation", "四个意识")
    assert expected("“八有”标准包括哪些内容？") == ("explanation", "八有")


def test_an_ordinal_asks_for_an_item_only_when_it_points_into_a_list():
    from jianghua.assistant.extractive import asked_item
    assert asked_item("市领导提出的3点建议，其中第二点是什么？", []) == 2
    assert asked_item("第二条是怎么表述的？", [{"role": "user", "content": "要提升哪三种“力”？"}]) == 2
    assert asked_item("第一个五年计划期间建成了哪些项目？", []) is None      # a name, not an item of a list
    assert asked_item("其中最后一条是什么？", []) == -1
    # the previous question's own ordinal carried into the standalone question asks for no item
    prev = [{"role": "user", "content": "表态发言第一部分检视出抓党建存在什么问题？"}]
    assert asked_item("针对表态发言第一部分检视出抓党建存在问题，下一步要提高什么？", prev) is None
    assert asked_item("表态发言第二部分讲了什么？", prev) == 2


def test_a_salutation_inside_a_flattened_speech_page_cuts_the_title_off_the_first_sentence():
    """Genre corpus, xi_speeches_2020_jhsjk/2020-10-23_052.txt (a web page flattened to one line): dateline, title,
    date, speaker and salutation run into the speech's first sentence. The salutation ends a meta sentence of its own;
    the speech's words stand alone, and both are verbatim spans of the passage."""
    from jianghua.assistant.evidence import sentences_of
    from jianghua.records import Chunk, Hit
    text = ("新华社北京10月23日电在纪念中国人民志愿军抗美援朝出国作战70周年大会上的讲话（2020年10月23日）习近平同志们，"
            "朋友们：今天，我们在这里隆重集会，纪念中国人民志愿军抗美援朝出国作战70周年。70年前，由中华优秀儿女组成的中国"
            "人民志愿军，肩负着人民的重托、民族的期望，赢得了抗美援朝战争伟大胜利。")
    hit = Hit(Chunk("c0", "d", text, (), 100, 100 + len(text)), "d", "d.txt", 1.0)
    quotes = [s.quote for s in sentences_of(hit)]
    assert quotes[0].endswith("习近平同志们，朋友们：") and is_meta(quotes[0])
    assert quotes[1] == "今天，我们在这里隆重集会，纪念中国人民志愿军抗美援朝出国作战70周年。" and not is_meta(quotes[1])
    assert all(text[s.start - 100:s.end - 100] == s.quote for s in sentences_of(hit))
    # a salutation that is the whole sentence, or a colon after an ordinary noun, cuts nothing
    plain = "同志们：\n各地区各部门要把思想和行动统一到中央决策部署上来：一是提高认识。"
    hit2 = Hit(Chunk("c1", "d", plain, (), 0, len(plain)), "d", "d.txt", 1.0)
    assert [s.quote for s in sentences_of(hit2)] == ["同志们：", "各地区各部门要把思想和行动统一到中央决策部署上来：一是提高认识。"]


@pytest.mark.parametrize("q, bare", [
    ("下一段讲的是什么？", True), ("通报接着讲了什么？", True), ("报告接着又说了啥？", True), ("接下来那一项呢？", True),
    ("接着问一下，红烧肉怎么做才好吃？", False),       # a question of its own behind the continuation word
    ("讲完作风，接下来他讲了什么？", True),          # the part already read, named only to say where to go on from
    ("讲完作风，接下来对调查研究怎么说？", False),
    ("随后召开的会议决定了什么？", False), ("这一段讲的是什么？", False),
])
def test_a_request_for_what_comes_next_and_nothing_else(q, bare):
    from jianghua.assistant.conversation import only_navigation
    assert only_navigation(q) is bare


def test_the_words_naming_the_document_do_not_let_its_opening_outweigh_the_list():
    """Genre corpus, 2020-11-25 全国劳动模范和先进工作者表彰大会讲话: "依靠工人阶级开启新征程讲了哪几个方面？" is answered by
    the lead and its 第一…第四 items, though the speech's opening sentence holds more of the question's words — the
    ones its title holds too."""
    from jianghua.assistant.citations import Source
    from jianghua.assistant.enumeration import listing_for
    from jianghua.assistant.question import Question, Term
    from jianghua.assistant.ranking import Candidate
    from jianghua.records import Chunk, Hit
    title = "在全国劳动模范和先进工作者表彰大会上的讲话"
    opening = "今天，我们隆重召开大会，表彰全国劳动模范和先进工作者，激励全党全国各族人民弘扬劳模精神。"
    body = ("立足新发展阶段，必须紧紧依靠工人阶级和广大劳动群众，开启新征程，扬帆再出发。第一，大力弘扬劳模精神、劳动精神、"
            "工匠精神。第二，充分发挥工人阶级和广大劳动群众主力军作用。第三，努力建设高素质劳动大军。第四，切实实现好、"
            "维护好、发展好劳动者合法权益。")
    h1 = Hit(Chunk("c1", "d", opening, (), 0, len(opening)), title, "d.txt", 1.0)
    h2 = Hit(Chunk("c2", "d", body, (), 500, 500 + len(body)), title, "d.txt", 0.9)
    lead_end = body.index("第一")
    ranked = [Candidate(Source(h1, 0, len(opening)), {}, 0, 0.2), Candidate(Source(h2, 500, 500 + lead_end), {}, 0, 0.1)]
    q = Question("全国劳动模范和先进工作者表彰大会上，依靠工人阶级开启新征程讲了哪几个方面？",
                 [Term("全国劳动模范", 3.0, True), Term("先进工作者", 3.0, True), Term("表彰大会", 2.0, True),
                  Term("工人阶级", 2.0, True), Term("新征程", 2.0, True)])
    listing = listing_for(q, ranked, lambda h: [h], 10)
    assert listing is not None
    assert [s.quote[:3] for s in listing.items] == ["第一，", "第二，", "第三，", "第四，"]
    # the same opening in a document whose title does not hold those words still wins: it names them itself
    h1b = Hit(h1.chunk, "讲话", "d.txt", 1.0)
    h2b = Hit(h2.chunk, "讲话", "d.txt", 0.9)
    ranked_b = [Candidate(Source(h1b, 0, len(opening)), {}, 0, 0.2), Candidate(Source(h2b, 500, 500 + lead_end), {}, 0, 0.1)]
    assert listing_for(q, ranked_b, lambda h: [h], 10) is None
