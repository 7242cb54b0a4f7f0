"""What kind of answer a question asks for, and whether evidence sentences hold one.

A question asking 多少/几名/比例 wants a number; 什么时候/哪天/最晚 a date or time; 是谁/叫什么名字 about a person a
personal name; and "“五个转变”具体是哪五个方面" an explanation of a numbered formulation (the term followed by its
items). When the best evidence holds no answer of the asked kind, the extractive answer declines instead of
quoting a sentence that merely mentions the topic. These are soft evidence: ``ranking`` and ``answerability`` weigh
them with the other features (fitted on data), so no rule here declines on its own.

A figure the document redacts (×××件, *万元, ××人) is no answer to a number question: ``redacted`` finds it, so the
answer can say the figure is not given.
"""
from __future__ import annotations

import re

from jianghua.ingest.numerals import cn_number

CN_DIGITS = "一二三四五六七八九十百千万两"
MEASURE = "名|个|件|人|次|条|万|元|年|月|天|日|家|项|所|批|户|位|成|倍|岁|期|轮|类|种|支|处|座|亿"
NUMBER_Q = re.compile(rf"多少|多大|(?<!哪)几(?:{MEASURE}|成)|比例|百分之|百分比|数量|人数|金额")
RATIO_Q = re.compile(r"比例|百分|几成|占多少|多大比")
RATIO_A = re.compile(r"\d+(?:\.\d+)?\s*[%％]|百分之|[一二三四五六七八九十\d]+分之|[一二三四五六七八九]成|一半|半数|三分之")
MONEY_Q = re.compile(r"多少钱|金额|报酬|工资|收入|经费|资金|万元|元")
MONEY_A = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元|[一二三四五六七八九十百千两]+(?:万|亿)?元")   # "*万元" (redacted) is no amount
ASKS_WHICH = re.compile(r"是什么|是哪些|有哪些|分别|哪几")   # "多少个…分别是什么": asks for the items, not a count
NUMBER_A = re.compile(rf"\d+(?:[.．]\d+)?|[{CN_DIGITS}]+(?:{MEASURE}|%|分之)|百分之")
DATE_Q = re.compile(r"哪天|哪一天|什么时候|何时|哪年|哪一年|几月|几号|什么时间|最晚|截止|多长时间|多久|期限")
DATE_A = re.compile(rf"\d+\s*(?:年|月|日|号|天|周|季度)|[{CN_DIGITS}]+(?:年|个月|月|天|周)|月底|年底|年初|年内|上半年|下半年|"
                    r"季度|每年|每月|每季|每周|定期|之前|以前|底前")
PERSON_Q = re.compile(r"是谁|哪位|(?<![让请])谁|姓名")
ROLE = re.compile(r"书记|主任|部长|局长|厅长|省长|市长|区长|县长|主席|总理|委员|领导|负责人|同志|干部|党员|群众|"
                  r"[委部局办厅处组院所会]")
REDACTED = re.compile(rf"[×＊*]+\s*(?:{MEASURE}|%|％)|\d[×＊*]+|[×＊*]{{2,}}")
# a numbered formulation names what it counts (“四个意识”, “八有”): “十一五” (a plan's period) is a number alone
NUMBERED_TERM = re.compile(rf"“([{CN_DIGITS}\d]+[^”{CN_DIGITS}\d][^”]{{0,7}})”|([{CN_DIGITS}]{{1,3}}个[\u4e00-\u9fff]{{1,4}})")
EXPLAIN_Q = re.compile(r"具体|分别|哪[几一二三四五六七八九十]|是什么|指什么|包括|内容")
# the unit a count is asked in (多少家, 几次, 多少万人, 多少吨): the answer's number carries it. 个 is left out (any
# classifier answers 多少个), and 人/名/位 are one unit.
UNITS = ("家", "次", "名", "人", "位", "件", "项", "条", "户", "所", "批", "座", "处", "支", "吨", "亩", "公里", "台", "辆",
         "套", "场", "起", "篇", "册", "部")
UNIT_Q = re.compile(rf"(?:多少|几)(?:[万亿千百])?({'|'.join(UNITS)})")
SAME_UNIT = {"名": "名|人|位", "人": "名|人|位", "位": "名|人|位"}
# the number that answers a count in that unit, compiled once per unit
UNIT_A = {u: re.compile(rf"(?:\d+(?:[.．]\d+)?|[{CN_DIGITS}]+)[多余]?[万亿千百]?[多余]?(?:{SAME_UNIT.get(u, u)})")
          for u in UNITS}


def expected(question: str) -> tuple[str, str] | None:
    """(kind, detail) the question asks for, or None when any relevant sentence may answer it."""
    if PERSON_Q.search(question):
        return ("person", "")
    if DATE_Q.search(question):
        return ("date", "")
    m = NUMBERED_TERM.search(question)
    if m and EXPLAIN_Q.search(question[m.end():]):
        return ("explanation", m.group(1) or m.group(2))
    n = NUMBER_Q.search(question)
    if n and not ASKS_WHICH.search(question[n.end():]):
        if RATIO_Q.search(question):
            return ("number", "ratio")
        if MONEY_Q.search(question):
            return ("number", "money")
        u = UNIT_Q.search(question)
        if u:
            return ("number", "unit:" + u.group(1))
        return ("number", "")
    return None


def _person(sentence: str, question: str) -> bool:
    """A personal name, or a role or body, that the question does not already name."""
    import jieba.posseg as pseg
    for w in pseg.cut(sentence):
        if w.flag == "nr" and len(w.word) >= 2 and w.word not in question:
            return True
    return any(m.group() not in question for m in ROLE.finditer(sentence))


def _count(term: str) -> int:
    """The number a numbered formulation names: 八有 → 8, 四个意识 → 4, 两个维护 → 2."""
    m = re.match(r"[“]?(\d+)", term)
    if m:
        return int(m.group(1))
    return cn_number(term.lstrip("“")[:1]) or 0


def redacted(sentence: str) -> bool:
    """The sentence gives a figure with its digits blanked out (×××件, *万元, 2×××)."""
    return bool(REDACTED.search(sentence))


def holds(kind: tuple[str, str], sentence: str, question: str = "") -> bool:
    """Does ``sentence`` hold an answer of ``kind``? Numbers the question itself names (八项规定) do not count — as
    whole numbers: the 5 of "增长5%左右" is not the 2025 of "2025年的目标是多少"."""
    name, detail = kind
    if name == "number":
        pattern = UNIT_A[detail[5:]] if detail.startswith("unit:") else {"ratio": RATIO_A, "money": MONEY_A}.get(
            detail, NUMBER_A)
        named = {m.group() for m in pattern.finditer(question)}
        return any(m.group() not in named for m in pattern.finditer(REDACTED.sub("", sentence)))
    if name == "date":
        return bool(DATE_A.search(sentence))
    if name == "person":
        return _person(sentence, question)
    if name == "explanation":
        i = sentence.find(detail)
        if i < 0:
            return False
        after = sentence[i + len(detail):]
        if re.search(r"即|就是|是指|指的是|包括|[:：（(]", after[:30]):
            return True
        n = _count(detail)          # “八有”: eight items, written 甲、乙、丙 …
        return n >= 3 and after.count("、") >= n - 2
    return True
