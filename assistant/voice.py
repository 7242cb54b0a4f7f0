"""The unit's voice: a borrowed source sentence rewritten as a first-person-plural commitment (我们将…), or refused.

A 表态发言 is spoken by one unit to the meeting. A sentence from the corpus keeps its formulation (提法) and every
number verbatim; only its lead changes:

    [leading words (——/一是/下一步，/同时，) dropped] [adverbial clause kept (在新形势下，)]
    [subject dropped (各级党组织/全市各级党组织/书记/我们)] [modal dropped (要/必须/将/一定要)] core

and the measure reads ``adverbial + 我们将 + core`` (``我们要`` when the core opens with the disposal 将…, ``我们``
before 决不/绝不). ``rewrite`` returns None, with the reason in ``refusal(quote)``, for sentences that are not a
unit's measure: a higher body acting on others (区委组织部 drafts the opinions; 市委…领导小组…各成员单位), a report of
a result (压倒性胜利, 已完成), a condition or a statement (只有…才…, X是Y的关键), context (问题是…, 去年…), a
heading, redacted figures (* × ×××), a core opening with a noun (jieba's tagger: a report, not an action), or a
core that would still carry a second subject or modal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

REDACTED = re.compile(r"[*＊×Ｘ✕]|[Xx]{2,}|(?<=[\u4e00-\u9fff])[Xx](?=[\u4e00-\u9fff])|某某|○○")
CONTEXT = re.compile(r"不够|不足|不强|不高|不严|不实|不到位|不力|薄弱|欠缺|差距|滞后|问题是|存在|比如|例如|个别|有的|总书记|指出|强调|同志们|大家|我感到|感受|年初|去年|上年|以来|"
                     r"近年来|当前，|目前|刚才|会上|一年来|五年来|过去|曾经|历史上|我们党|你们|谢谢|来说|而言|至关重要|十分重要|尤为重要|浮于表面|往往|难以|较低|较差|还需|仍需|尚需|"
                     r"有待|正在|日益|新一轮|深刻变革|深刻演变")
REPORT = re.compile(r"已经|已完成|已实现|已建成|已形成|已全面|业已|完成了|实现了|取得了|有了|达到了|同比|比上年|比去年|"
                    r"累计|胜利|圆满|成效明显|成效显著|显著提高|明显改善|迈出.*步伐|初步形成|基本建成|获得|荣获|被评为|"
                    r"(?<!确保)(?<!力争)(?<!努力)取得[^，。；]{0,8}(?:成果|成绩|进展|突破)|进入[^，。；]{0,12}行列")
CONDITION = re.compile(r"^(?:只有|只要|如果|假如|要是|一旦|虽然|尽管|因为|由于|既然|无论|不管|凡是|实践证明|事实证明|"
                       r"经验表明|历史|这|那|其|此|它|也|还有|就是|正是|但|而|可见|因此|所以|可以说|应该看到|必须看到|"
                       r"要看到|要认识到|要清醒|能不能|是否|怎样|如何|什么)")
HIGHER = re.compile(r"党中央|中央|国务院|省委|市委|区委|县委|旗委|州委|省政府|市政府|区政府|县政府|人民政府|纪委|监委|"
                    r"组织部|宣传部|统战部|政法委|编办|领导小组|上级|本组织|联合国|成员国|各国|中国|中方|我国")
OTHERS = re.compile(r"各成员单位|成员单位|各单位|各部门|各地区|各地|各级|各乡镇|各街道|各支部|下级|基层单位|各方")
DIRECTS = re.compile(r"^(?:要求|责成|督促|指导|号召|请|希望|鼓励各|支持各)")
LEADS = re.compile(r"^(?:——|—|－|[一二三四五六七八九十]+(?:是|要|、)|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]|"
                   r"第[一二三四五六七八九十]+(?:，|、|是)|首先|其次|再次|最后|同时|此外|另外|另一方面|一方面|总之|当然|"
                   r"下一步|下步|今后|接下来|为此|对此|因此|所以|而且|并且|特别是|尤其是|重点是)[，、：:\s]*")
ADVERBIAL = re.compile(r"^((?:在[^，。；：“”]{1,22}?(?:下|中|上|时|期间|基础上|过程中|背景下|之际)"
                       r"|(?:面对|围绕|针对|按照|根据|对照|对标|着眼|立足|紧扣|聚焦|为了|为)[^，。；：“”]{2,22}"
                       r"|当前形势下|新形势下|新的一年|今年|明年|未来|下阶段|在此基础上))，")
SUBJECT = re.compile(
    r"^(?:(?:全市|全区|全县|全省|全镇|全旗|区属|市属|区直|市直|县直|各级|各)[^，。；“”]{0,16}?"
    r"(?:党组织|党委|党组|（党组）|党工委|党支部|单位|部门|机关|街道|乡镇|政府|企业|学校)(?:书记)?"
    r"|我们(?:每个人|大家|各级)?|我|咱们|全党(?:同志)?|全社会|全体党员|广大党员干部|广大党员|广大干部|"
    r"党员干部|领导干部|各级领导干部|党员|干部|政府|党委|党组织|党组|党支部|(?:党组织|支部|党委)?书记|班子成员|"
    r"领导班子|每个(?:人|党员|干部|单位)|每一名党员|每名党员)")
MODAL = re.compile(r"^(?:都|也|还|更|则|就)?(?:一定要|务必要|务必|必须要|必须|应当|应该|需要|要|将要|将(?![^，。；]{1,30}?"
                   r"(?:纳入|作为|列入|摆在|放在|落实到|贯穿|融入|转化|打造成|建成|抓在|作|当作|视为|与|同)))")
DISPOSAL = re.compile(r"^(?:坚持|继续|进一步|切实|认真|更加|注重|积极|努力|始终|逐步)?将")
NEGATIVE_LEAD = re.compile(r"^(?:决不|绝不|坚决不|决不能|绝不能)")
BAD_CORE = re.compile(r"^(?:[）)\]】、，：；,.]|相信|坚信|认为|深知|看到|感到|觉得|\d|今年|明年|去年|目前|世界|全球|要|将|会|能|可|应|须|得|才|是|的|了|着|我们|我|"
                      r"你|他|她|它|有|在于|就是|不能|不得|不会|不要|没有|只有|也|还|都|则|而|并|且|及|和|与|、|，|：)")
SECOND_SUBJECT = re.compile(r"我们(?:也|都|还|更)?(?:要|将|必须|一定|应当|能|会)|我们将|我们要")
INLINE_ORDINAL = re.compile(r"[一二三四五六七八九十]是|[（(][一二三四五六七八九十]+[）)]|[：:]")
COMMITMENT = re.compile(r"要|将|确保|必须|切实|着力|坚持|进一步|持续|推动|推进|加强|强化|健全|完善|压实|加快|实施|深化|提升|提高|扩大|促进|支持|巩固|做好|抓好|抓实|开展|建立|"
                        r"落实|统筹|优化|保障|构建|打造|培育|引导|鼓励|严格|严肃|全面|大力|认真|扎实|积极|努力|守住|防范|维护|树立|发挥|把|以|决不|绝不|规范|织密|筑牢|夯实|"
                        r"总结|组织|服务|教育|培训|宣传")
VERB_LEAD = r"抓|建|推|深|做|用|让|使|稳|守|筑|织|兜|办|管|治|严|压|树|提|强|促|保|防|化|引|育|聚|谋|拓|补|减|降|增|改|优"
DEFINITION = re.compile(r"^[^，。；]{0,24}?是[^，。；]{0,30}?(?:举措|抓手|保证|保障|基础|关键|途径|内容|前提|根本|核心|"
                        r"任务|要求|责任|体现|表现|方向|目标)|是[^，。；]{0,20}(?:举措|抓手|保证|基础|关键|途径)[。；]?$")
STATE = re.compile(r"^[^，。；]{2,24}?(?:不断|进一步|日益|明显|显著|逐步|稳步|大幅|有效|全面|基本|得到|有所)?"
                   r"(?:加强|提高|增强|改善|提升|优化|完善|下降|增长|突破|壮大|显现|凸显|巩固|到位|覆盖|健全|好转|"
                   r"加快|深化|扩大|落实|形成|确立)(?=[，。；])")
NOUN_START = re.compile(r"^(?:部分|一些|个别|有的|少数|多数|全年|上半年|下半年|本届|历届|当今|如今|眼下|\d)")
STOPS = "。！；;"


NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "m", "t", "r", "f", "s")
_pos = None


def _noun_first(core: str) -> bool:
    """The core's first word (jieba's part-of-speech tagger) is a noun, numeral, time or pronoun, and no known
    action word (jieba tags 全面, 着力, 规范 as nouns): a report or a statement (经济增长预期目标为…, 习近平在讲话中…,
    城镇调查失业率…), not something the unit will do."""
    global _pos
    if _pos is None:
        import logging

        import jieba
        import jieba.posseg
        jieba.setLogLevel(logging.WARNING)
        _pos = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    first = next(iter(_pos.cut(core[:16])), None)
    if first is None or not first.flag.startswith(NOUN_TAGS):
        return False
    return not (COMMITMENT.match(first.word) or re.match(r"^(?:" + VERB_LEAD + ")", first.word))


@dataclass(frozen=True)
class Rewrite:
    """``adverbial`` and ``core`` are verbatim pieces of the source sentence; ``prefix`` is the only added text."""

    adverbial: str      # "" or a leading clause kept as it is, without its comma
    prefix: str         # 我们将 / 我们要 / 我们
    core: str           # the source's words after its subject and modal, ending in its own stop (。 for ；)

    @property
    def text(self) -> str:
        return (self.adverbial + "，" if self.adverbial else "") + self.prefix + self.core


def _strip_leads(s: str) -> str:
    for _ in range(4):
        m = LEADS.match(s)
        if not m or not m.end():
            break
        s = s[m.end():]
    return s


def _strip_subject_modal(s: str) -> tuple[str, str, bool]:
    """(rest, the subject dropped, whether a modal was dropped)."""
    subject, modal = "", False
    for _ in range(2):
        m = SUBJECT.match(s)
        if m and m.end() and len(s) > m.end() + 6:
            subject = subject or m.group()
            s = s[m.end():].lstrip("，、 ")
        m = MODAL.match(s)
        if m and m.end():
            modal = True
            s = s[m.end():].lstrip("，、 ")
    return s, subject, modal


def refusal(quote: str) -> str | None:
    """Why ``quote`` is not a unit's measure, or None when it is one."""
    return _analyse(quote)[1]


def rewrite(quote: str) -> Rewrite | None:
    """The first-person-plural measure made from ``quote``, or None (see ``refusal``)."""
    return _analyse(quote)[0]


def _analyse(quote: str) -> tuple[Rewrite | None, str | None]:
    q = quote.strip()
    if REDACTED.search(q):
        return None, "redacted"
    if not q or q[-1] not in STOPS or not 16 <= len(q) <= 220:
        return None, "not a sentence of measure length"
    if "“" in q and "”" not in q or q.count("“") != q.count("”"):
        return None, "quotation cut off"
    body = _strip_leads(q)
    if CONTEXT.search(body):
        return None, "context"
    if REPORT.search(body) or ("了" in body and not re.search(r"要|将|确保|必须", body)):
        return None, "reports a result"
    if CONDITION.match(body) or re.search(r"只有[^。；]*才", body):
        return None, "condition or statement"
    adverbial = ""
    m = ADVERBIAL.match(body)
    if m and len(body) - m.end() > 10:
        adverbial, body = m.group(1), body[m.end():]
    rest, subject, modal = _strip_subject_modal(body)
    if HIGHER.search(subject) or (HIGHER.match(rest) and not modal):
        return None, "a higher body's action"
    if HIGHER.search(q) and OTHERS.search(rest):
        return None, "a higher body acting on others"
    if DIRECTS.match(rest) or re.match(r"^[^，。；]{0,6}(?:督促|指导|要求|责成)各", rest):
        return None, "directs others"
    if not (subject or modal) and SUBJECT.match(rest):
        return None, "keeps its own subject"
    if DEFINITION.search(rest) or CONDITION.match(rest):
        return None, "condition or statement"
    if SECOND_SUBJECT.search(rest) or re.search(r"(?:将|要)(?:坚持|继续|进一步|切实|认真|全面|不断)?(?:将|要)(?!求)", rest):
        return None, "second subject or modal"
    if STATE.match(rest) and not COMMITMENT.match(rest) and not re.match(r"^[^，。；]{0,3}(?:" + VERB_LEAD + ")", rest):
        return None, "describes a state"
    if re.match(r"^[^，。；]{1,12}?(?:(?<![重主紧必只纲摘])要(?![求素点闻务件领])|必须|务必)", rest):
        return None, "keeps its own subject"
    if re.match(r"^[^，。；]{2,10}工作(?:严格|认真|切实|坚持|进一步|不断|全面|扎实|要|必须)", rest):
        return None, "led by its topic, not by the action"
    if re.search(r"[，；][^，。；]{0,8}(?:党委|政府|全社会|各级|部门|单位|组织|干部|党员|群众)[^，。；]{0,4}?(?:要|必须|应当)(?!求)", rest):
        return None, "a second subject"
    if re.search(r"[，；](?:都|也|还|更)?(?:要|必须|务必)(?!求)|^[^，。；]{0,16}(?:就是|即是|也是|正是|在于)", rest):
        return None, "a statement with its own modal"
    if re.search(r"(?<![实求还或总于只但可要凡正就])是(?!否)", rest.split("，")[0]) or \
            re.search(r"[，；](?:重点|关键|核心|目的|根本|前提|基础)(?:在于|是)", rest):
        return None, "a statement (是)"
    if re.search(r"(?<![自忘唯无])我(?![们国区市县省镇旗党军])", rest):
        return None, "the speaker's own narration"
    if re.search(r"[，；][^，。；]{1,12}?(?<![重主紧必只纲摘需])要(?![求素点闻务件领])", rest):
        return None, "a clause with its own subject and modal"
    if NOUN_START.match(rest) or _noun_first(rest):
        return None, "opens with a noun, not an action"
    if INLINE_ORDINAL.search(rest):
        return None, "holds a list of its own"
    if not COMMITMENT.search(rest) or len(rest) < 10:
        return None, "not a commitment"
    if BAD_CORE.match(rest) and not DISPOSAL.match(rest):
        return None, "core opens with a function word"
    if NEGATIVE_LEAD.match(rest):
        prefix = "我们"
    elif DISPOSAL.match(rest):
        prefix = "我们要"          # 我们要将…纳入 / 我们要坚持将…, never 我们将将 / 将坚持将
    else:
        prefix = "我们将"
    core = rest[:-1] + "。" if rest[-1] in "；;" else rest
    return Rewrite(adverbial, prefix, core), None
