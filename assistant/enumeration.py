"""Lists in the sources: the enumeration a question asking for one (哪些, 哪三点, 分了几条, 各条标题) is answered with.

An enumeration is a lead (a sentence ending in ：, one announcing a count — "这里我也提3点建议" —, or a heading) and
its items: a run of sentences opening with one family's markers in order (一是… 二是…, （一）（二）, 1. 2., 第一，…,
一、 二、), possibly passages apart, each item's opening sentence quoted. Listings are looked for around the best
sentences — the lead they are, the list they belong to, the section whose heading they sit under — and the one that
covers the question best is chosen; a single sentence that covers the question better wins over any listing —
except a listing whose lead announces as many of what the question asks to enumerate as it has items ("…把握了哪几个
重点？" ↔ "…把握和体现了4个重点。一是…四是…"): that one answers it, whatever the opening sentence's words.

Without markers (``runs``): clauses closing in ； under a lead, sentences or paragraphs in a row that open alike
(要建立…体系。要建立…体系。…) — a list only when something says so (``says_list``: a lead announcing it, or every item
naming what the question enumerates).

Headings (short unpunctuated lines, "（一）旗帜鲜明将政治建设摆在首位。") are items only of a lead that announces them
(a count, a heading above them) or when the question asks for the parts or titles of a text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

from jianghua.assistant.citations import Source, strip_markers
from jianghua.assistant.evidence import sentences_of
from jianghua.assistant.runs import parallel_listing, parallel_paragraphs, semicolon_listing
from jianghua.ingest.numerals import NUMERALS, cn_number
from jianghua.records import Hit

CN = NUMERALS
FAMILIES = (
    ("shi", re.compile(rf"^([{CN}]+)(?:是|要|抓|强化|坚持)")),
    ("paren", re.compile(rf"^[（(]([{CN}]+)[）)]")),
    ("arabic", re.compile(r"^(\d{1,2})[.、．]")),
    ("di", re.compile(rf"^第([{CN}]+)[，,、：:]")),
    ("dun", re.compile(rf"^([{CN}]+)、")),
)
_NUM = rf"[{CN}两\d]+"
# a count the question asks for: 哪三点, 哪5个方面, 哪几条 (None: a count not given)
ASKED_COUNT = re.compile(rf"哪({_NUM}|几)(?:个|点|条|项|种|类|件|大|方面|部分|座|位|对)")
# what a list is of (3点建议, 五个方面的基本要求)
_LIST_NOUN = "(?:方面|意见|建议|感受|要求|措施|任务|举措|问题|工作|重点|原则|标准|体会|看法|途径|环节|特色|特征|关系|目标|机制|文化)"
# a lead announcing its items: 提3点建议, 五个方面的基本要求, 主要有：, 如下
ANNOUNCES = re.compile(rf"{_NUM}(?:个|点|条|项|种|类|件|大|对){_LIST_NOUN}?|如下|以下几|[：:]$")
# …and one that says so of sentences without markers: a count of a list's noun (3点建议, 五个方面), 如下, 以下, a
# closing colon — not any count ("基出掌状脉7～9条")
ANNOUNCES_LIST = re.compile(rf"{_NUM}(?:个|点|条|项|种|类|件|大|对){_LIST_NOUN}|如下|以下|下列|[：:]$")
# what a question asks to enumerate (哪几个重点 → 重点, 哪三种精神 → 精神, 哪些生活习惯 → 生活习惯) and a lead that
# announces that many of it ("把握和体现了4个重点")
ASKED_NOUN = re.compile(rf"(?:哪(?:{_NUM}|几|些)|几)(?:个方面|个|点|条|项|种|类|件|大|方面|部分|对)?([\u4e00-\u9fff]{{2,10}})")
ORDINAL_NOUN = re.compile(rf"第{_NUM}(?:个方面|方面|个部分|部分|个|点|条|项|种|类|件|大|位|对)?([\u4e00-\u9fff]{{2}})")
_ASKED_TAIL = re.compile(r"(?:具体|分别|都|各|主要)?(?:是什么|是哪些|有哪些|有什么|是|呢|内容|包括)$")
STRUCTURE_Q = re.compile(r"几个方面|哪几个方面|几部分|哪几部分|结构|框架|提纲|标题|分了?几|各条|几大")


def item_marker(text: str) -> tuple[str, int] | None:
    """(family, number) of an enumeration item's opening marker."""
    t = text.lstrip()
    for fam, pat in FAMILIES:
        m = pat.match(t)
        if m:
            g = m.group(1)
            n = cn_number(g)
            if n:
                return fam, n
    return None


def inner_marker(text: str) -> tuple[str, int, int] | None:
    """(family, number, offset) of an item that opens after a colon inside the sentence ("…主要有：一是…")."""
    for m in re.finditer(r"[：:]\s*", text):
        mark = item_marker(text[m.end():])
        if mark is not None:
            return mark[0], mark[1], m.end()
    return None


def asked_count(question: str) -> int | None:
    m = ASKED_COUNT.search(question)
    return cn_number(m.group(1)) or None if m and m.group(1) != "几" else None


def heading_like(text: str) -> bool:
    """A heading line ("（一）树立鲜明选人用人导向"): short and not ended as a sentence, or a short phrase under a
    heading-style marker （一） 一、 1. (an 一是 item is never a heading)."""
    t = text.strip()
    if len(t) <= 40 and not re.search(r"[。！？；!?;：:，,]$", t):
        return True
    m = item_marker(t)
    if m is None or m[0] == "shi":
        return False
    body = re.sub(r"^(?:[（(][^）)]{1,3}[）)]|[一二三四五六七八九十\d]{1,3}[、.．])", "", t).rstrip("。；;")
    return len(body) <= 16 and "，" not in body


def _rank(fam: str) -> int:
    return {"dun": 0, "paren": 1, "di": 2, "shi": 3, "arabic": 4}.get(fam, 5)


@dataclass
class Listing:
    lead: Source | None
    items: list[Source]
    anchor_rank: int            # rank of the sentence it was found from (0 = best)
    marked: bool = True         # its items open with markers (一是…); else clauses or sentences alike (see ``says_list``)

    def sources(self) -> list[Source]:
        return ([self.lead] if self.lead is not None else []) + self.items

    def text(self) -> str:
        return " ".join(s.quote for s in self.sources())


def run(sents: list[Source], fam: str, n: int, limit: int, headings: bool) -> list[Source]:
    """Items ``n``, ``n+1`` … of family ``fam`` among ``sents`` (sentences between items are skipped; a marker of a
    higher-level family, or the same family restarting, ends the run)."""
    out = []
    for s in sents:
        m = item_marker(s.quote)
        if m is None or (not headings and heading_like(s.quote)):
            continue
        if m[0] != fam:
            if _rank(m[0]) < _rank(fam):
                break
            continue
        if m[1] != n:
            break
        out.append(s)
        n += 1
        if len(out) >= limit:
            break
    return out


def _announces(s: Source) -> bool:
    return bool(ANNOUNCES.search(s.quote.strip())) or heading_like(s.quote)


def _from_lead(sents: list[Source], i: int, limit: int, headings: bool) -> list[Source] | None:
    """The items that open within three sentences after the lead ``sents[i]``."""
    for j in range(i + 1, min(i + 4, len(sents))):
        m = item_marker(sents[j].quote)
        if m is None or (not headings and heading_like(sents[j].quote)):
            continue
        if m[1] != 1:
            return None
        items = run(sents[j:], m[0], 1, limit, headings)
        return items if len(items) >= 2 else None
    return None


def listings(anchor: Source, strip: list[Source], rank: int, limit: int, structure: bool) -> list[Listing]:
    """Listings the sentence ``anchor`` leads, belongs to, or sits under, within ``strip`` (the sentences of the
    passages around it, in document order)."""
    idx = next((i for i, s in enumerate(strip) if s.start == anchor.start), None)
    if idx is None:
        return []
    out: list[Listing] = []
    quote = anchor.quote
    mark = item_marker(quote)
    inner = inner_marker(quote) if mark is None else None
    if inner is not None and inner[1] == 1:                      # "…主要有：一是…" then 二是…
        items = run(strip[idx + 1:], inner[0], 2, limit - 1, structure)
        if items:
            out.append(Listing(anchor, items, rank))
    if mark is None:
        headings = structure or _announces(anchor)
        items = _from_lead(strip, idx, limit, headings)
        if items and (headings or re.search(r"[：:]$", quote.strip()) or strip.index(items[0]) <= idx + 2):
            out.append(Listing(anchor, items, rank))
    else:
        fam, n = mark
        headings = structure or heading_like(quote)
        back, want = [], n - 1
        for s in reversed(strip[:idx]):
            if want < 1:
                break
            m = item_marker(s.quote)
            if m is not None and m[0] == fam and m[1] == want:
                back.insert(0, s)
                want -= 1
            elif m is not None and _rank(m[0]) < _rank(fam):
                break
        if want < 1:
            first = strip.index(back[0]) if back else idx
            lead = strip[first - 1] if first > 0 and _announces(strip[first - 1]) else None
            items = [*back, anchor, *run(strip[idx + 1:], fam, n + 1, limit, True)]
            if len(items) >= 2:
                out.append(Listing(lead, items[:limit], rank))
        # an item is also the lead of the items under it ("三、需要说明的几个重点问题…" over 第一，… 第二，…)
        below = _from_lead(strip, idx, limit, True)
        if below and _rank(item_marker(below[0].quote)[0]) > _rank(fam):
            out.append(Listing(anchor, below, rank))
    if mark is None and inner is None:                           # "…的改革。进一步转变…；推进…；…。"
        for found in (semicolon_listing(strip, idx, limit), parallel_listing(strip, idx, limit),
                      parallel_paragraphs(strip, idx, limit)):
            if found is not None and not any(item_marker(s.quote) is not None for s in found[1]):
                out.append(Listing(*found, rank, marked=False))
    # the section the anchor sits under: its heading as the lead, the section's own items below it
    section = anchor.hit.chunk.section
    if section:
        head = section[-1].strip()
        at = next((i for i in range(idx, -1, -1) if strip[i].quote.strip() == head), None)
        if at is not None and at != idx:
            items = _from_lead(strip, at, limit, True)
            if items:
                out.append(Listing(strip[at], items, rank))
    return out


def _beside_title(question, title: str):
    """``question`` without the content terms its document's title holds (itself when that would leave none)."""
    terms = [t for t in question.terms if t.text not in (title or "")]
    return replace(question, terms=terms) if terms and len(terms) < len(question.terms) else question


def says_list(question: str, ls: Listing) -> bool:
    """An enumeration without markers is one only when something says so: its lead announces it (a count of a
    list's noun, 如下, 以下, a closing colon: ``ANNOUNCES_LIST``), or every item names what the question asks to
    enumerate ("要建立哪几个体系？" ↔ five sentences each building a …体系). Clauses describing one thing
    (多年生草本；叶互生；…) or sentences opening with the same subject are not a list."""
    if ls.lead is not None and ANNOUNCES_LIST.search(ls.lead.quote.strip()):
        return True
    noun = asked_noun(question)
    return noun is not None and all(noun[-2:] in s.quote for s in ls.items)


def asked_noun(question: str) -> str | None:
    """What a question asks to enumerate (哪几个重点 → 重点, 哪些生活习惯 → 生活习惯, its question tail off) or names
    an item of (第二个体系 → 体系); None when it names none."""
    m = ASKED_NOUN.search(question)
    if m is None:                   # "第二个体系具体讲的是…": the noun after an ordinal
        o = ORDINAL_NOUN.search(question)
        return o.group(1) if o and not re.match(r"[是的呢要讲说在有和与具]", o.group(1)) else None
    noun = m.group(1)
    while (shorter := _ASKED_TAIL.sub("", noun)) != noun:
        noun = shorter
    return noun if len(noun) >= 2 else None


def announces_asked(question: str, ls: Listing) -> bool:
    """The listing's lead announces a count of what the question asks to enumerate ("…把握了哪几个重点？" ↔
    "…把握和体现了4个重点。"), the count being its number of items."""
    noun = asked_noun(question)
    if noun is None or ls.lead is None:
        return False
    head = noun[-2:]
    a = re.search(rf"({_NUM})(?:个|点|条|项|种|类|件|大|方面|对)?[\u4e00-\u9fff]{{0,6}}?{re.escape(head)}", ls.lead.quote)
    if a is None:       # …or announces it without a count: "要注意处理好以下关系。" ↔ 要处理好哪几对关系？
        return bool(re.search(rf"(?:以下|如下|下列|下述)[\u4e00-\u9fff]{{0,6}}?{re.escape(head)}", ls.lead.quote))
    return cn_number(a.group(1)) == len(ls.items)


def strip_of(hit: Hit, around: Callable[[Hit], list[Hit]] | None) -> list[Source]:
    """The sentences of the passages around ``hit`` (just its own without ``around``), in document order."""
    hits = around(hit) if around is not None else [hit]
    seen, out = set(), []
    for h in hits:
        for s in sentences_of(h):
            if s.start not in seen:
                seen.add(s.start)
                out.append(s)
    return out


def best_listing(question, ranked, around, limit: int = 10, anchors: int = 5) -> list[Source]:
    """The listing that answers ``question`` (an ``assistant.question.Question``) best among those around the
    ``anchors`` best ``ranked`` sentences, lead and items; [] when a single sentence covers the question better or
    none is found."""
    best = listing_for(question, ranked, around, limit, anchors)
    return best.sources() if best is not None else []


def listing_for(question, ranked, around, limit: int = 10, anchors: int = 5, item: bool = False) -> Listing | None:
    """``best_listing`` as a ``Listing`` (its lead apart from its items), or None. ``item``: the question asks for
    one item by its number (…里第二个讲的是什么？), which no single sentence answers better than the list."""
    if not ranked:
        return None
    structure = bool(STRUCTURE_Q.search(question.text))
    want = asked_count(question.text)
    strips: dict[str, list[Source]] = {}
    found: list[Listing] = []
    for r, cand in enumerate(ranked[:anchors]):
        hit = cand.source.hit
        if hit.chunk.id not in strips:
            strips[hit.chunk.id] = strip_of(hit, around)
        found += listings(cand.source, strips[hit.chunk.id], r, limit, structure)
    # a lead announcing a list (…以下几个方面的认识和体会：) ranks low as a sentence — it ends in a colon, like a heading —
    # yet is where the list starts whose item the question asks for: the leads of the passages around the best
    # sentences count too, after the best sentences themselves (for a whole list, the best sentences alone)
    taken = {c.source.start for c in ranked[:anchors]}
    for strip in strips.values() if item else ():
        for s in strip:
            if s.start not in taken and ANNOUNCES_LIST.search(s.quote.strip()):
                taken.add(s.start)
                found += listings(s, strip, anchors, limit, structure)
    if not found:
        return None

    def value(ls: Listing) -> float:
        head = " ".join([ls.lead.quote if ls.lead else "", *ls.items[0].hit.chunk.section[-1:]])
        v = question.coverage(head + " " + ls.text()) + 0.5 * question.coverage(head) - 0.05 * ls.anchor_rank
        if want is not None:
            v += 0.3 if len(ls.items) == want else -0.3
        return v

    def about_one_item(ls: Listing) -> bool:
        """Found from one of its items that the question is about (its words are that item's, not the list's):
        the answer lies in that item, not in the list of its siblings."""
        if ls.anchor_rank >= min(anchors, len(ranked)):         # found from a lead around them
            return False
        anchor = next((s for s in ls.items if s.start == ranked[ls.anchor_rank].source.start), None)
        if anchor is None:
            return False
        own = question.coverage(anchor.quote)
        lead = question.coverage(ls.lead.quote) if ls.lead is not None else 0.0
        others = [question.coverage(s.quote) for s in ls.items if s is not anchor]
        return own > lead and (sum(others) / max(1, len(others))) < 0.5 * own

    found = [ls for ls in found if not about_one_item(ls) and (ls.marked or says_list(question.text, ls))]
    if not found:
        return None
    announced = [ls for ls in found if ls.anchor_rank < anchors and announces_asked(question.text, ls)]
    if announced:                 # its lead says it lists what the question asks for, as many as it has items
        return max(announced, key=value)
    best = max(found, key=value)
    top = ranked[0]
    # the words naming the document (its title: 全国劳动模范和先进工作者表彰大会) are its, not a sentence's: the opening
    # sentence that repeats them does not cover "…讲了哪几个方面？" better than the list does
    single = _beside_title(question, top.source.hit.title).coverage(top.quote)
    listed = _beside_title(question, best.items[0].hit.title).coverage(best.text())
    if listed + 0.05 < single and not item:
        return None
    inline = top.quote.count("、") >= 2          # the best sentence lists the answer itself: 甲、乙、丙
    if inline and not item and all(s.start != top.source.start for s in best.sources()) and single >= 0.6 * listed:
        return None
    return best


INLINE_MIN = 3


def inline_items(sentence: str) -> list[str] | None:
    """The items of a list written inline without a colon, each ending in the same head noun
    ("提升…法律政策运用能力、防控风险能力、群众工作能力、科技应用能力、舆论引导能力" → the five 能力), at least
    ``INLINE_MIN`` of them; the first item without what leads it (…的)."""
    for clause in re.split(r"[，,；;。！？]", strip_markers(sentence)):
        parts = [re.sub(r"^(?:和|及|以及)", "", x.strip()) for x in re.split(r"、|(?<=[\u4e00-\u9fff])(?:和|以及|及)(?=[\u4e00-\u9fff])", clause)]
        if len(parts) < INLINE_MIN or any(len(x) < 3 for x in parts):
            continue
        head = parts[1][-2:]
        if head in parts[-1] and not parts[-1].endswith(head):     # …生态旅游名城为目标 / …名城步伐
            parts[-1] = parts[-1][:parts[-1].index(head) + 2]
        if all(x.endswith(head) for x in parts):
            first = re.split(r"的", parts[0])[-1]
            return [first if len(first) > len(head) else parts[0], *parts[1:]]
    return _clause_items(strip_markers(sentence))


def _clause_items(sentence: str) -> list[str] | None:
    """…or written as clauses, each ending in the same head noun ("…奋不顾身的爱国主义精神，英勇顽强、舍生忘死的革命英雄
    主义精神，不畏艰难困苦、…的革命乐观主义精神，…"): the longest such run, at least ``INLINE_MIN`` clauses; the first
    from its last 、 or 的-phrase on (what leads it into the sentence is not an item)."""
    clauses = [c.strip() for c in re.split(r"[，,]", re.sub(r"[。！？；;]+$", "", sentence.strip()))]
    best: list[str] = []
    i = 0
    while i < len(clauses):
        head = clauses[i][-2:]
        j = i
        # (a clause saying what they make — 锻造了伟大抗美援朝精神 — ends the run)
        while (j < len(clauses) and len(clauses[j]) >= 4 and clauses[j].endswith(head)
               and not re.match(r"(?!为了|除了)[\u4e00-\u9fff]{1,2}了", clauses[j])
               and re.fullmatch(r"[\u4e00-\u9fff]{2}", head)):
            j += 1
        if j - i > len(best):
            best = clauses[i:j]
        i = max(j, i + 1)
    if len(best) < INLINE_MIN:
        return None
    lead = re.search(r"(?:发扬|弘扬|坚持|具有|形成|树立|提升|增强|做到|包括|是)(?!.*(?:发扬|弘扬|坚持|具有|形成|树立|提升|增强|做到|包括))", best[0])
    first = best[0][lead.end():] if lead and len(best[0]) - lead.end() >= 4 else best[0]
    return [first, *best[1:]]
