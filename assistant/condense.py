"""Follow-up questions → standalone questions.

Without a language model, a question that leans on the conversation is resolved against the previous turn:
- an ordinal (第二条, 其中第3点, 最后一个) names that item of the previous answer: the item's text replaces the
  reference ("其中第二点具体怎么落实？" → "<item 2>，具体怎么落实？");
- a demonstrative or pronoun (这些问题, 这项工作, 它, 其, 上述…) stands for the previous question's topic, which replaces
  it ("针对这些问题，要求什么时候整改到位？" → "针对区直机关党组织存在共性问题，要求什么时候整改到位？");
- an elliptical question (那2020年呢？ / 农村呢？) is the previous question with its slot changed: a year for a year,
  a place or body for one of the same kind, else the new words put before the previous topic;
- any other short question that cannot stand alone gets the previous topic in front.
The result reads as a question and is what retrieval and composition use (``trace.standalone``). With a language
model: the condense prompt (prompts/condense.txt), checked, with this condenser as the fallback.
"""
from __future__ import annotations

import re
from typing import Callable

from jianghua.assistant.citations import strip_markers
from jianghua.assistant.enumeration import CN, inline_items, inner_marker, item_marker
from jianghua.ingest.numerals import cn_number, cn_numeral
from jianghua.ingest.sentences import split_sentences

ORDINAL = re.compile(rf"(?:其中|里面|当中|上面|前面)?的?(?:排在?)?(?:第([{CN}\d]+)(?:个方面|个部分|方面|部分|条|点|个|项|是|类|种|对|句话|句|层|(?=的))|"
                     r"(头|首|最后|末)那?一?(?:个方面|个部分|方面|部分|条|点|个|项|对|句话|句))")
CLASSIFIERS = "个项条种点类笔位件份批块样段轮场篇句套张名家支片座"
DEMONSTRATIVE = re.compile(rf"(?:这些|那些|这一|这次|那次|上述|前述|前面说的|上面说的|刚才说的|刚才提到的|"
                           rf"[这那][两{CN}几]?[{CLASSIFIERS}]|该|此)"
                           r"([\u4e00-\u9fff]{0,4}?)(?=[，,。？?的是要有在中里怎如为应能都还具主给用占由被对和与从]|$)")
# 其 as a pronoun, not inside 其中 / 其他 / 其余 / 其实 / 其次 …: a leading 其中 is a partitive, not a reference to replace
PRONOUN = re.compile(r"(?<![\u4e00-\u9fff])(?:它们|它|他们|其(?![中他它余实次间]))|^(?:它们|它|他们|其(?![中他它余实次间]))")
ELLIPSIS = re.compile(r"^(?:那|那么|还有|再说说)?(.{1,16}?)(?:呢|怎么样|如何)[？?]?$")
YEAR = re.compile(r"(?:19|20)\d{2}年|[今去前明]年")
QUESTION_TAIL = re.compile(r"(?:有哪些|是哪些|有什么|是什么|是多少|有多少|怎么样|怎么办|如何|是否|什么|吗|呢)?[？?。！!]*$")
QUESTION_WORDS = re.compile(r"哪些|哪几|什么|多少|怎么|如何|哪个|哪位|谁|几个|几项")
# a question word with the count and classifier it asks in (有多少支, 哪几个, 哪三种): all of it goes from a topic
ASKED_COUNT_WORDS = re.compile(rf"(?:有|是)?(?:哪[几些{CN}\d]*|多少|几)(?:[{CN}\d]*)"
                               r"(?:个方面|方面|部分|[个项条种点类支名位家件次批所座户])")
# a question asking for a list: an ordinal after it points into the list, not into the answer's sentences
ASKED_LIST = re.compile(r"哪[几两{CN}\d]+[个条点项种类方面部分]|哪些|几[个条点项种类]|分了|包括")


# a demonstrative with a head noun that names nothing of its own (这些人, 这个事, 那些东西): together they stand for
# the previous topic ("这些人大部分是从哪里来的？" → "<topic>大部分是从哪里来的？")
GENERIC_REF = re.compile(rf"(?:这些|那些|[这那][两{CN}几]?[{CLASSIFIERS}]?)(?:人(?!大代表|大常委|民|才|员|口|士)|东西|事情|事儿|事(?!业|项|务)|地方)")


def ordinal(question: str) -> int | None:
    """1-based item number the question points at; -1 for the last one."""
    m = ORDINAL.search(question)
    if not m:
        return None
    if m.group(2):
        return -1 if m.group(2) in ("最后", "末") else 1
    g = m.group(1)
    return cn_number(g) or None


def _own_content(question: str) -> str:
    """What is left of a question without its question words (具体有哪些要求 → ""): a question with nothing of its
    own leans on the conversation."""
    from jianghua.assistant.question import QUESTION_WORDS
    t = re.sub(r"[^\u4e00-\u9fff\w]", "", question)
    for w in sorted(QUESTION_WORDS, key=len, reverse=True):
        t = t.replace(w, "")
    return t


def needs_history(question: str) -> bool:
    q = question.strip()
    if len(_own_content(q)) <= 1:
        return True
    return bool(ORDINAL.search(q) or DEMONSTRATIVE.search(q) or GENERIC_REF.search(q) or PRONOUN.search(q) or ELLIPSIS.match(q)
                or re.match(r"^(?:那|那么|而|再看)(?![是里边样些])", q)
                or len(re.sub(r"[^\u4e00-\u9fff\w]", "", q)) <= 6)


def answer_sentences(answer: str) -> list[str]:
    """The sentences of an answer as the user saw it, citation markers and 〔…〕 flags removed."""
    text = re.sub(r"〔[^〕]*〕", "", strip_markers(answer))
    return [text[s.start:s.end].strip() for s in split_sentences(text)]


def listed_items(answer: str) -> list[str] | None:
    """The items an answer lists — its 一是/（一）/1. parts, or 甲、乙、丙 after a colon — or None when it does not list."""
    text = re.sub(r"〔[^〕]*〕", "", strip_markers(answer))
    marked = []
    for s in answer_sentences(answer):
        if (m := item_marker(s)) is not None:
            marked.append((m[0], s))
        elif (inner := inner_marker(s)) is not None:
            marked.append((inner[0], s[inner[2]:]))
    if marked:                  # the items are of one family: a heading above them (七、…) is their lead, not one
        families = [f for f, _ in marked]
        main = max(dict.fromkeys(families), key=families.count)
        marked = [s for f, s in marked if f == main]
    if len(marked) >= 2:
        return marked
    m = re.search(r"[：:]|，?(?:包括|即)", text)
    if m:                                   # "一共四个：甲、乙、丙" → 甲, 乙, 丙
        rest = re.sub(r"^(?:包括|有|即)", "", text[m.end():].strip())
        items = [re.sub(r"^(?:和|及|以及)", "", x.strip("，。；、 \n")) for x in re.split(r"[、；;]", rest)]
        items = [x for x in items if x]
        # items of a list, not pieces of a sentence cut at its 、 ("以邓小平理论、“三个代表”重要思想和…为指导，按照…")
        if len(items) > 1 and all("，" not in x and "," not in x for x in items[:-1]):
            return items
    return inline_items(answer_sentences(answer)[0]) if answer_sentences(answer) else None


def answer_items(answer: str) -> list[str]:
    """The items of an answer: the ones it lists (``listed_items``), else its sentences (markers removed)."""
    return listed_items(answer) or answer_sentences(answer)


def topic(question: str) -> str:
    """The previous question without its question form: what a reference to it stands for."""
    t = strip_markers(question).strip()
    t = QUESTION_TAIL.sub("", t)
    t = re.sub(r"^(?:请问|请|那么|那)", "", t)
    t = ASKED_COUNT_WORDS.sub("", t)       # 有多少支、多少医务人员 → 医疗队、医务人员, not 有支、医务人员
    t = QUESTION_WORDS.sub("", t)
    return t.strip("，, ")


def strip_item_marker(item: str) -> str:
    """An item without its opening marker (三是…, （二）, 3., 第一，…): how the condenser quotes it."""
    return re.sub(rf"^(?:[{CN}]+(?:是|要)|[（(][{CN}\d]+[）)]|\d+[.、．]|第[{CN}]+[，,、]|[{CN}]+、)", "", item).strip()


# the item after (or before) the one the previous question named by its ordinal
NEXT_ITEM = re.compile(r"(接下来|下一|后面|后一|紧接着|再往下|上一|前一)的?(?:那|这)?一?(?:个方面|项|条|点|个|部分|方面)")


def _next_item(question: str, previous: str) -> str | None:
    """The previous question with its ordinal moved one on (接下来那一项, 下一条) or back (上一项), or replaced by the
    follow-up's own when that is all it says (第三项呢？)."""
    m = NEXT_ITEM.search(question)
    p = ORDINAL.search(previous)
    if not p or not p.group(1) or not cn_number(p.group(1)):
        return None
    own = ORDINAL.search(question)
    if m is None and own is not None and own.group(1) and re.fullmatch(r"(?:那|那么)?(?:呢|是什么|又是什么|是啥)?[？?]?",
                                                                         ORDINAL.sub("", question, count=1).strip()):
        n = cn_number(own.group(1))           # "第三项呢？" after "…第一项是什么？": the same question of item three
    elif m is not None:
        n = cn_number(p.group(1)) + (-1 if m.group(1) in ("上一", "前一") else 1)
    else:
        return None
    if not n or n < 1:
        return None
    digits = p.group(1)
    new = str(n) if digits.isdigit() else cn_numeral(n)
    start = p.start(1)
    return previous[:start] + new + previous[p.end(1):]


def _ellipsis(slot: str, previous: str) -> str:
    """The previous question with ``slot`` put in the place of the same kind of words."""
    y = YEAR.search(slot)
    if y and YEAR.search(previous):
        return shift_years(previous, y.group())
    head = _same_head(slot, previous)
    if head:                          # 工匠精神呢？ after …怎么概括劳模精神的？: the word with the same head noun
        return previous.replace(head, slot, 1)
    import jieba.posseg as pseg
    tags = {"ns", "nt", "nr", "nz"}
    new = [w for w in pseg.cut(slot) if w.flag in tags]
    if new:
        for w in pseg.cut(previous):
            if w.flag == new[0].flag and w.word not in slot:
                return previous.replace(w.word, slot, 1)
    return f"{slot}{topic(previous)}{_tail(previous)}"


def _same_head(slot: str, previous: str) -> str | None:
    """The word of ``previous`` that ends in the same two characters as ``slot`` (a Chinese compound's head comes
    last: 工匠精神 / 劳模精神, 农村居民 / 城镇居民) and differs from it, when there is exactly one such word."""
    if len(slot) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", slot) or slot in previous:
        return None
    import jieba
    words, end = list(jieba.cut(previous)), slot[-2:]
    found = {w for w in words if len(w) >= 3 and w.endswith(end)}
    found |= {a + b for a, b in zip(words, words[1:]) if b == end and len(a) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", a)}
    found.discard(slot)
    return found.pop() if len(found) == 1 else None


def _tail(question: str) -> str:
    m = re.search(r"(?:有哪些|是哪些|有什么|是什么|是多少|有多少|怎么样|如何)[？?]?$", question.strip())
    return m.group() if m else "？"


def condense_without_llm(question: str, history: list[dict], key_terms: Callable[[str], list[str]] | None = None,
                         force: bool = False) -> str:
    """The standalone form of ``question`` given the conversation so far; ``force``: also when the question looks
    self-contained (it was, taken alone, not answerable). ``key_terms`` is unused (kept for callers of the earlier
    signature)."""
    q = question.strip()
    if not history or not (force or needs_history(q)):
        return q
    users = [str(t["content"]) for t in history if t.get("role") == "user" and t.get("content")]
    answers = [str(t["content"]) for t in history if t.get("role") == "assistant" and t.get("content")]
    if not users:
        return q
    previous = users[-1].strip()
    step = _next_item(q, previous)
    if step is not None:                    # "接下来那一项呢？" after "…第一项是什么？" → "…第二项是什么？"
        return step
    n = ordinal(q)
    listed = listed_items(answers[-1]) if n and answers else None
    if n and answers and (listed is not None or not ASKED_LIST.search(previous)) and not _names_another_list(q, previous):
        items = listed or answer_sentences(answers[-1])
        item = items[-1] if n == -1 and items else (items[n - 1] if 1 <= n <= len(items) else "")
        if item:
            rest = ORDINAL.sub("", q, count=1).strip("，, ")
            rest = re.sub(r"^(?:那|那么|的)", "", rest)
            return f"{strip_item_marker(item)[:80].rstrip('。；，,;：:')}，{rest}"
    y = YEAR.search(q)
    if y and _same_of_another_year(q, y, previous):
        # "2008年那份报告安排的是多少？" after "2009年政府工作报告里拟安排的中央财政赤字是多少？": the same question
        # of that year's report
        return shift_years(previous, y.group())
    if y and YEAR.search(previous) and ELLIPSIS.match(q):
        # "那2017年那份报告里说的上一年呢？": the previous question of that year's report, before any 那份 is read
        # as pointing back
        return shift_years(previous, y.group())
    prev_topic = topic(previous)
    if n and ASKED_LIST.search(previous):   # an item of a list the answer did not show: it stays with that topic
        return f"{prev_topic}，{q}"
    e = ELLIPSIS.match(q)
    if (e and re.match(r"^(?:那|那么)", q) and DEMONSTRATIVE.search(e.group(1)) and not re.match(r"^(?:这|那|该|此)",
                                                                                                e.group(1))):
        # "那湖北周边、人员进出多的那些省份呢？": a new slot that merely holds a demonstrative, not a reference back
        return _ellipsis(e.group(1).strip("，, "), previous)
    aspect = _other_aspect(q, previous)
    if aspect is not None:                  # "作风和纪律那块要抓啥？" after "…党的组织建设方面要…？"
        return aspect
    g = GENERIC_REF.search(q)
    if g:
        return q[:g.start()] + prev_topic + q[g.end():]
    m = DEMONSTRATIVE.search(q)
    if m:
        noun = m.group(1)
        repl = prev_topic if noun and noun in prev_topic else (f"{prev_topic}的{noun}" if noun else prev_topic)
        return q[:m.start()] + repl + q[m.end():]
    p = PRONOUN.search(q)
    if p:
        return q[:p.start()] + prev_topic + q[p.end():]
    e = ELLIPSIS.match(q)
    if e and not QUESTION_WORDS.search(e.group(1)):
        return _ellipsis(e.group(1).strip("，, "), previous)
    if y and YEAR.search(previous) and re.match(r"^(?:那|那么|而|再看)", q):   # 那2019年的报告定的是多少？
        return shift_years(previous, y.group())
    return f"{prev_topic}，{q}"


# the list a follow-up's ordinal points into, named before it: "那他给大家的建议里，头一条讲的是什么？"
_LIST_NAMED = re.compile(r"([\u4e00-\u9fff]{2,10})(?:里面?|当中|中)[，,]?\s*(?:的)?(?:排在?)?(?:第|头|首|最后|末)")


def _names_another_list(question: str, previous: str) -> bool:
    """The follow-up's ordinal points into a list it names (…的建议里，头一条) that the previous question did not ask
    for (…谈了几点感受？): not an item of the previous answer."""
    m = _LIST_NAMED.search(question)
    return m is not None and m.group(1)[-2:] not in previous


# a follow-up naming another aspect of the same question: "作风和纪律那块要抓啥？", "那农村这方面怎么做？"
ASPECT_SLOT = re.compile(r"^(?:那|那么|而)?([\u4e00-\u9fff]{2,12}?)(?:[这那]一?块|[这那]一?方面|方面)(?:[，,]\s*)?(.*)$")


def _other_aspect(question: str, previous: str) -> str | None:
    """The previous question with its aspect (the words before its 方面: 党的组织建设方面) replaced by the follow-up's,
    asking what the follow-up asks; None when either names no aspect."""
    m = ASPECT_SLOT.match(question)
    p = re.search(r"([\u4e00-\u9fff]{2,12})方面", previous)
    if m is None or p is None:
        return None
    import jieba
    words = list(jieba.cut(p.group(1)))
    slot = "".join(words[-2:]) if len(words) >= 2 and len(words[-1]) <= 2 else words[-1]   # 组织建设, not 党的组织建设
    start = p.end(1) - len(slot)
    rest = m.group(2).strip("，, ") or "呢？"
    return f"{previous[:start]}{m.group(1)}方面，{rest}"


ABSOLUTE_YEAR = re.compile(r"((?:19|20)\d{2})年")
# the words of a follow-up that only point at a year's document and ask again (那份报告里…是多少)
_POINTING = re.compile(r"[那这][份篇次个年]|报告|讲话|文件|会议|里面?|当中|中|的|是|呢|还|又|也|多少|什么|哪些|怎么|如何|[？?，,。]")


def _same_of_another_year(question: str, y: re.Match, previous: str) -> bool:
    """The follow-up opens with a year other than the previous question's and asks nothing of its own beyond
    pointing at that year's document: the words left (安排) all come from the previous question."""
    if y.start() > 1 or not ABSOLUTE_YEAR.fullmatch(y.group()):
        return False
    before = ABSOLUTE_YEAR.search(previous)
    if before is None or before.group() == y.group():
        return False
    rest = _POINTING.sub("", question[y.end():])
    return all(rest[i:i + 2] in previous for i in range(max(1, len(rest) - 1))) if rest else True


def shift_years(previous: str, year: str) -> str:
    """``previous`` with its first year replaced by ``year``; when both are absolute years, the question's other
    absolute years move by the same number of years ("2018年报告说2017年…", 2014年 → "2014年报告说2013年…")."""
    first, new = ABSOLUTE_YEAR.search(previous), ABSOLUTE_YEAR.fullmatch(year)
    if not (first and new):
        return YEAR.sub(year, previous, count=1)
    delta = int(new.group(1)) - int(first.group(1))
    return ABSOLUTE_YEAR.sub(lambda m: f"{int(m.group(1)) + delta}年", previous)


# A follow-up that asks beyond what was said ("除了学生培养，还提了什么？", "税收之外，收费方面…"): the previous answer's
# sentences are not its answer.
ASKS_BEYOND = re.compile(r"除了|之外|以外|另外|其他|其它|别的|此外|还有(?:哪些|什么|啥|没有)|"
                         r"还(?:提|讲|说|要求|强调|部署|包括|谈|做|有)")


def asks_beyond(question: str) -> bool:
    return bool(ASKS_BEYOND.search(question))


# a follow-up opening with 其中 / 这里面 asks about a part of what the previous answer said ("其中中央财政拿了多少？")
PARTITIVE_OPENING = re.compile(r"^(?:这?其中|这?里面|这?里头|这?里边|这?当中|这之中|这中间)")


def asks_within(question: str) -> bool:
    """The follow-up asks about a part of the previous answer (其中…), not for an item of it by number."""
    return bool(PARTITIVE_OPENING.match(question.strip())) and ordinal(question) is None


# words that ask for what comes next in the document (接着讲了什么？, 下一段…): a place, not what is asked about
CONTINUES = re.compile(r"接着|接下来|紧接着|然后|随后|再往下|下一(?:句|段|条|部分)")


def own_words(question: str) -> str:
    """A follow-up without its references to the conversation (ordinals, 下一条, 紧接着, demonstratives, pronouns,
    那…呢): what it asks in its own words ("第三条建议要着力解决什么问题？" → "建议要着力解决什么问题？")."""
    q = CONTINUES.sub("", NEXT_ITEM.sub("", ORDINAL.sub("", question.strip())))
    q = re.sub(r"^(?:那么|那|还有|除了|再说说|而|这?其中|这?里面|这?里头|这?里边|这?当中|这之中|这中间)", "", q)
    q = DEMONSTRATIVE.sub(lambda m: m.group(1), q)
    q = PRONOUN.sub("", q)
    return re.sub(r"(?:呢|怎么样)[？?]?$", "", q).strip("，, ")


def condense_with_llm(question: str, history: list[dict], generator, content_terms=None) -> str:
    """The model's rewrite, or the extractive condenser's when the rewrite is empty, too long, or drops the
    question's own content terms (``content_terms(text)`` → terms)."""
    fallback = condense_without_llm(question, history)
    if not history:
        return question
    from jianghua.prompts import load
    lines = [f"{'用户' if t.get('role') == 'user' else '助手'}：{strip_markers(str(t.get('content', '')))[:300]}"
             for t in history[-6:]]
    prompt = load("condense.txt").replace("{history}", "\n".join(lines)).replace("{question}", question)
    from langchain_core.messages import HumanMessage
    text = "".join(generator.stream_text([HumanMessage(prompt)])).strip()
    text = text.splitlines()[0].strip() if text else ""
    if not 2 <= len(text) <= max(300, 4 * len(question)):
        return fallback
    if content_terms is not None:
        own = [t for t in content_terms(question) if len(t) >= 2]
        if own and sum(1 for t in own if t in text) < 0.5 * len(own):
            return fallback
    return text
