"""Follow-up questions without a language model: an ordinal follow-up pulls in that item of the previous answer,
a self-contained question stays as asked; the question the chain searched with is ``trace.standalone``."""
from __future__ import annotations

import re

import pytest

from jianghua.assistant.condense import condense_without_llm, ordinal, topic

LIST_QUESTION = "表态发言里基层组织建设方面检视出哪几个问题？"
FOLLOW_UP = "那第二条具体怎么做？"
SELF_CONTAINED = "乡镇党委书记在年终党建专项考核中排到全区后三位会受到什么处理？"


def _items(answer: str) -> list[str]:
    """The 一是/二是… items of an answer, markers removed (independent of condense's own parser)."""
    text = re.sub(r"\[\d+\]|〔[^〕]*〕", "", answer)
    found = re.findall(r"[一二三四五六七八九十]是(.+?)(?=[一二三四五六七八九十]是|$)", text)
    return [x.strip("。；，： \n") for x in found]


@pytest.fixture(scope="module")
def list_turn(seed_app) -> list[dict]:
    """A real first turn: the assistant's own answer listing 一是…二是…"""
    r = seed_app.ask(LIST_QUESTION)
    assert not r["trace"]["declined"]
    assert len(_items(r["answer"])) >= 2, r["answer"]
    return [{"role": "user", "content": LIST_QUESTION}, {"role": "assistant", "content": r["answer"]}]


def test_condense_ordinal_pulls_in_second_item(seed_app, list_turn):
    first, second = _items(list_turn[1]["content"])[:2]
    out = condense_without_llm(FOLLOW_UP, list_turn)
    assert out.endswith("具体怎么做？")
    assert second[:20] in out
    assert first not in out


def test_condense_self_contained_question_unchanged(seed_app, list_turn):
    assert condense_without_llm(SELF_CONTAINED, list_turn) == SELF_CONTAINED
    assert condense_without_llm(FOLLOW_UP, []) == FOLLOW_UP


def test_condense_standalone_in_trace(seed_app, list_turn):
    first, second = _items(list_turn[1]["content"])[:2]
    r = seed_app.ask(FOLLOW_UP, list_turn)
    assert r["trace"]["question"] == FOLLOW_UP
    standalone = r["trace"]["standalone"]
    # the second item (read off the first answer here), what the follow-up asks, and nothing of the first item
    assert second[:20] in standalone and standalone.endswith("具体怎么做？") and first not in standalone, standalone
    # the follow-up's answer says something the first answer did not
    assert r["answer"] != list_turn[1]["content"]
    r2 = seed_app.ask(SELF_CONTAINED, list_turn)
    assert r2["trace"]["standalone"] == SELF_CONTAINED


def test_condense_followups_of_the_set_keep_their_question(seed_answers):
    """Every follow-up of the seed set is rewritten to a standalone question: it names something of the previous
    turn that the follow-up itself does not, and keeps what the follow-up asks (its last characters)."""
    followups = [(q, r) for q, r in seed_answers.values() if q.type == "followup"]
    assert len(followups) == 7
    for q, r in followups:
        standalone = r["trace"]["standalone"]
        previous = "".join(t["content"] for t in q.history)
        if standalone == q.text:            # a follow-up that names its own subject may stand alone
            continue
        assert any(ch not in q.text and ch in previous for ch in standalone), q.id
        assert standalone.endswith(q.text[-4:]), q.id
    rewritten = [q for q, r in followups if r["trace"]["standalone"] != q.text]
    assert len(rewritten) >= 5, [q.id for q in rewritten]


def _turn(question: str, answer: str = "") -> list[dict]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def test_a_leading_qizhong_is_not_a_pronoun():
    """其中 / 其他 / 其余 are words, not the pronoun 其: nothing of the follow-up is cut out and replaced."""
    previous = _turn("2021年政府工作报告概述“十四五”规划纲要草案时，在民生方面提了哪些量化指标？")
    for q in ("其中养老保险的参保率要到多少？", "其他民生指标还有哪些？", "其余的指标怎么定的？"):
        got = condense_without_llm(q, previous)
        assert q.rstrip("？") in got, got          # the follow-up's own words, whole
    # 其 as a pronoun still stands for the previous topic
    got = condense_without_llm("其主要内容是什么？", _turn("“三会一课”制度是什么？"))
    assert got.startswith("“三会一课”制度") and got.endswith("主要内容是什么？"), got


def test_an_ordinal_takes_its_whole_classifier():
    """最后一个方面 / 第三个方面: the ordinal goes with 个方面, leaving only what the follow-up asks."""
    answer = "一是坚持党的全面领导。二是坚持以人民为中心。三是坚持民主集中制。"
    got = condense_without_llm("最后一个方面说的根本组织制度是什么？", _turn("讲了哪三个方面的要求？", answer))
    assert got == "坚持民主集中制，说的根本组织制度是什么？", got
    got = condense_without_llm("其中第二个方面具体怎么落实？", _turn("讲了哪三个方面的要求？", answer))
    assert got == "坚持以人民为中心，具体怎么落实？", got


def test_another_year_moves_every_year_of_the_question():
    """"2018年报告说2017年…" asked again for 2014: the report of 2014 speaks of 2013."""
    previous = _turn("海拉尔区2018年政府工作报告说2017年新增就业多少人？")
    assert condense_without_llm("2014年呢？", previous) == "海拉尔区2014年政府工作报告说2013年新增就业多少人？"
    assert (condense_without_llm("那2019年的报告定的是多少？", _turn("2024年政府工作报告定的城镇新增就业目标是多少？"))
            == "2019年政府工作报告定的城镇新增就业目标是多少？")
    # a relative year replaces the first year only: 去年 has no number to move the others by
    assert condense_without_llm("去年呢？", previous) == "海拉尔区去年政府工作报告说2017年新增就业多少人？"


def test_an_ordinal_points_into_the_asked_list_when_the_answer_did_not_list():
    """The previous answer gave a sentence, not the three items asked for: "第二条" is the list's second item, so the
    previous question's topic is kept with the ordinal — not a piece of the answer's sentence cut at its 、."""
    answer = ("今年政府工作的总体要求是：深入贯彻落实党的十八大精神，以邓小平理论、“三个代表”重要思想和科学发展观为指导，"
              "按照“美丽发展、科学崛起、共享繁荣”的总体要求[1]。")
    got = condense_without_llm("其中第二条是怎么表述的？", _turn("海拉尔区2013年政府工作报告讲加强政府自身建设，要提升哪三种“力”？", answer))
    assert got.startswith("海拉尔区2013年政府工作报告讲加强政府自身建设") and got.endswith("第二条是怎么表述的？"), got
    assert "三个代表" not in got
    # an answer that lists (甲、乙、丙 after a colon) still gives its item
    listed = "要提升三种力：执行力、公信力、创新力[1]。"
    assert condense_without_llm("其中第二条是怎么表述的？", _turn("要提升哪三种“力”？", listed)).startswith("公信力")


def test_a_topic_drops_the_asked_count_with_its_question_word():
    # followups3-style first questions (genre corpus): the count asked for is no part of what a reference stands for
    assert topic("习近平在2020年专家学者座谈会上说驰援湖北的医疗队有多少支、多少医务人员？") == \
        "习近平在2020年专家学者座谈会上说驰援湖北的医疗队、医务人员"
    assert topic("海拉尔区2017年政府工作报告提出要打造哪几个国际化名城？") == "海拉尔区2017年政府工作报告提出要打造国际化名城"
    assert topic("要提升哪三种“力”？") == "要提升“力”"
    assert topic("十九大报告里说中国共产党是哪一年应运而生的？") == "十九大报告里说中国共产党是哪一年应运而生的"


def test_an_ordinal_without_a_classifier_and_an_unshown_list_keep_the_previous_topic():
    assert ordinal("排第三的那种精神原话怎么说的？") == 3
    assert ordinal("第三是什么") == 3 and ordinal("第三季度") is None
    got = condense_without_llm("排第三的那种精神原话怎么说的？",
                               _turn("习近平在纪念抗美援朝出国作战70周年大会上讲伟大抗美援朝精神，具体包括哪几种精神？",
                                     "资料中未找到与该问题直接相关的内容。"))
    # the ordinal stays with the list's topic (not 那种 replaced by it, the ordinal left dangling in front)
    assert got.startswith("习近平在纪念抗美援朝出国作战70周年大会上讲伟大抗美援朝精神") and got.endswith("排第三的那种精神原话怎么说的？"), got


@pytest.mark.parametrize("follow_up, kept", [("这些人大部分是从哪里来的？", "大部分是从哪里来的？"),
                                             ("那些东西现在怎么样了？", "现在怎么样了？"),
                                             ("这个事什么时候办完？", "什么时候办完？")])
def test_a_demonstrative_with_a_generic_noun_stands_for_the_previous_topic(follow_up, kept):
    history = [{"role": "user", "content": "驰援湖北的医疗队有多少支、多少医务人员？"},
               {"role": "assistant", "content": "这次驰援湖北的346支医疗队、4.2万余名医务人员，绝大部分来自公立医院[1]。"}]
    out = condense_without_llm(follow_up, history)
    assert out.endswith(kept) and "驰援湖北" in out
    assert "的人" not in out and "东西" not in out and "事" not in out.replace("医务", "")
    # a noun of its own stays ("针对这些问题" → "针对<topic>的问题"); 这些人大代表 are deputies, not "these people"
    assert condense_without_llm("针对这些问题，要求什么时候整改到位？", history).startswith("针对驰援湖北")
    assert "的问题，要求" in condense_without_llm("针对这些问题，要求什么时候整改到位？", history)
    assert "人大代表" in condense_without_llm("这些人大代表提了什么建议？", history)


@pytest.mark.parametrize("previous, follow_up, standalone", [
    # genre corpus, 2020-11-25 全国劳动模范和先进工作者表彰大会: 劳模精神、劳动精神、工匠精神
    ("习近平在全国劳模表彰大会上是怎么概括劳模精神的？", "工匠精神呢？", "习近平在全国劳模表彰大会上是怎么概括工匠精神的？"),
    ("2019年农村居民人均可支配收入增长多少？", "城镇居民呢？", "2019年城镇居民人均可支配收入增长多少？"),
])
def test_an_elliptical_slot_replaces_the_word_with_the_same_head(previous, follow_up, standalone):
    """A compound's head comes last: the slot takes the place of the one word of the previous question that ends as it
    does, rather than being put in front of the whole question."""
    history = [{"role": "user", "content": previous}, {"role": "assistant", "content": "……"}]
    assert condense_without_llm(follow_up, history) == standalone


def test_an_elliptical_slot_without_a_same_head_word_keeps_the_previous_rules():
    history = [{"role": "user", "content": "2019年农村居民人均可支配收入增长多少？"}, {"role": "assistant", "content": "……"}]
    assert condense_without_llm("那2020年呢？", history) == "2020年农村居民人均可支配收入增长多少？"
    two = [{"role": "user", "content": "劳模精神和工匠精神各是怎么表述的？"}, {"role": "assistant", "content": "……"}]
    assert "劳模精神和工匠精神" in condense_without_llm("劳动精神呢？", two)      # two words end in 精神: none is replaced


def test_the_next_item_moves_the_previous_ordinal():
    """"接下来那一项呢？" after a question naming an item by its number is that question of the next item; "上一条"
    of the one before; "第三项呢？" of item three; with no ordinal before, nothing to move."""
    from jianghua.assistant.condense import condense_without_llm
    prev = [{"role": "user", "content": "报告部署的政府工作任务，第一项是什么？"}, {"role": "assistant", "content": "（一）……"}]
    assert condense_without_llm("接下来那一项呢？", prev) == "报告部署的政府工作任务，第二项是什么？"
    assert condense_without_llm("下一条是什么？", prev) == "报告部署的政府工作任务，第二项是什么？"
    assert condense_without_llm("那第十项呢？", prev) == "报告部署的政府工作任务，第十项是什么？"
    nine = [{"role": "user", "content": "其中第9条是什么？"}, {"role": "assistant", "content": "……"}]
    assert condense_without_llm("下一条呢？", nine) == "其中第10条是什么？"
    third = [{"role": "user", "content": "其中第三点是什么？"}, {"role": "assistant", "content": "……"}]
    assert condense_without_llm("上一点呢？", third) == "其中第二点是什么？"
    plain = [{"role": "user", "content": "报告部署了哪些任务？"}, {"role": "assistant", "content": "……"}]
    assert "第二" not in condense_without_llm("接下来那一项呢？", plain)


def test_a_heading_above_the_items_is_not_one_of_them():
    """An answer that opens with its section's heading (七、…) before （一）…（三）: the items are the （…） ones, so
    "第二条" is （二）."""
    from jianghua.assistant.condense import listed_items
    answer = "七、2020年工作打算[1]。（一）旗帜鲜明将政治建设摆在首位[2]。（二）加强理论武装[3]。（三）持之以恒推动正风肃纪[4]。"
    assert listed_items(answer) == ["（一）旗帜鲜明将政治建设摆在首位。", "（二）加强理论武装。", "（三）持之以恒推动正风肃纪。"]



def test_a_partitive_follow_up_asks_within_the_previous_answer():
    from jianghua.assistant.condense import asks_within
    assert asks_within("其中中央财政拿了多少？") and asks_within("这里面个体工商户有多少户？")
    assert not asks_within("其中第二条是什么？")            # an item by its number: the ordinal's business
    assert not asks_within("中央财政拿了多少？")


def test_a_year_ellipsis_shifts_the_years_before_that_report_is_read_as_pointing_back():
    """"那2017年那份报告里说的上一年呢？": 那份 is no reference to the previous topic here — the question is the
    previous one asked of the 2017 report, its other years moved with it."""
    h = [{"role": "user", "content": "海拉尔区2014年政府工作报告回顾2013年，全年旅游接待人数是多少？"}]
    assert condense_without_llm("那2017年那份报告里说的上一年呢？", h) == "海拉尔区2017年政府工作报告回顾2016年，全年旅游接待人数是多少？"
    assert condense_without_llm("那2019年的报告定的是多少？", h).startswith("海拉尔区2019年政府工作报告回顾2018年")
