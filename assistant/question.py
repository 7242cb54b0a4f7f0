"""A question as the assistant reads it: normalised text, its content terms and its quoted phrases.

Normalisation makes the forms users type mean the same thing: curly, corner and straight quotes become “…”,
full-width letters, digits and spaces become their ASCII forms, and traditional characters become simplified
ones when the knowledge base reads better that way (decided from the corpus, not assumed).

Content terms are the question's keyword tokens less the words that only make it a question (哪些, 是多少, 要求,
具体 …) or only point at a document (讲话, 通报 …): what a passage must be about to answer it. Each term carries the
version's idf; a term the corpus never uses keeps the highest idf and counts as *unseen*, which is evidence that
the corpus cannot answer, not a term to ignore.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

# words that shape a question rather than name its subject
QUESTION_WORDS = frozenset(
    "哪些 哪几 哪个 哪位 哪里 哪儿 哪年 哪天 哪一 哪一年 哪一天 哪种 哪类 几个 几项 几点 几条 几种 几次 几名 几年 "
    "什么 什么样 是什么 是谁 谁 多少 多大 多长 多久 几 怎么 怎么样 怎样 如何 为何 为什么 是否 有没有 吗 呢 "
    "请问 请 问 告诉 介绍 一下 说说 讲讲 谈谈 概括 总结 列举 列出 主要 具体 分别 都 还 内容 包括 包含 有关 关于 "
    "提出 提到 提及 要求 指出 强调 表示 认为 说 讲 谈 称 写 里 中 上 时候 时间 情况 方面 哪方面 问题 打算 希望 "
    "举措 措施 做法 方式 当时 期间 有何 何 何时 意思 含义 指 是 叫 名字 称为 属于 其中 多 少 "
    # asking for the wording (怎么表述的, 原话怎么说): the form of the answer, not its subject
    "表述 表达 说法 原话".split())
# words that point at a document or its genre: useful to retrieval, no evidence that a passage answers
REFERENCE_WORDS = frozenset(
    "讲话 发言 表态 表态发言 通报 报告 文件 文章 材料 会议 会上 讲稿 资料 原文 文中 篇 那篇 这篇".split())
REFERENCE_WEIGHT = 0.3
# a demonstrative with its classifier (这笔, 这些, 该项, 那两个): it points at the conversation, it names nothing
DEMONSTRATIVE_WORD = re.compile(r"^[这那该此本][两几一二三四五六七八九十]?(?:个|些|项|种|条|次|笔|位|件|份|类|批|块|点|样|部分|方面|段|年|"
                                r"届|轮|次|场|篇|句|套|张|名|家|支|片|座)?$")

# a count the question asks in (哪几个, 哪三种, 几个方面) or announces (三种, 两个): the answer gives that many items, it
# does not say the count — no evidence either way that a passage answers
COUNT_WORD = re.compile(r"^(?:[哪几][一二三四五六七八九十两几\d]*|[一二三四五六七八九十两]+)"
                        r"(?:个方面|方面|个|项|条|种|点|类|样|部分|件|批)$")
# an ordinal that points at an item (第一项是什么, 其中第三条, 第二部分): where it is, not what it says — no content
ORDINAL_POINTER = re.compile(r"第[一二三四五六七八九十两\d]+(?:项|条|点|部分|方面|个方面|(?:个|种|类)(?=是|呢|[？?，,]|$))")
ORDINAL_WORD = re.compile(r"^第[一二三四五六七八九十两\d]+(?:项|条|点|部分|方面|个方面|个|种|类)?$")
_QUOTE_MAP = str.maketrans({"「": "“", "」": "”", "『": "“", "』": "”", "‘": "“", "’": "”", "〝": "“", "〞": "”",
                            "﹁": "“", "﹂": "”", "\u3000": " ", "\u00a0": " "})
_FULLWIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0e\uff0b\uff0d\uff0f]")
_STRAIGHT = re.compile(r'"([^"\n]{1,80})"')
QUOTED = re.compile(r"“([^“”]{1,40})”")


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError:          # an install without opencc: traditional questions are taken as typed
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    conv = _t2s()
    return conv.convert(text) if conv is not None else text


# spoken question words, which no official text uses (so they would count as salient words the corpus lacks)
_COLLOQUIAL = {"为啥": "为什么", "干啥": "做什么", "啥时候": "什么时候", "多会儿": "什么时候", "咋样": "怎么样",
               "咋办": "怎么办", "咋": "怎么", "啥": "什么"}           # longer forms first: the alternation tries them in order
_COLLOQUIAL_RE = re.compile("|".join(_COLLOQUIAL))


def normalise(text: str) -> str:
    """Quotes, full-width forms and spaces normalised, spoken question words in their written form (咋 → 怎么,
    啥 → 什么); traditional characters left to ``choose_script``."""
    t = (text or "").translate(_QUOTE_MAP)
    t = _COLLOQUIAL_RE.sub(lambda m: _COLLOQUIAL[m.group()], t)
    t = _FULLWIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), t)
    t = _STRAIGHT.sub(lambda m: f"“{m.group(1)}”", t)
    t = re.sub(r"[ \t]+", " ", t)
    return t.strip()


def choose_script(text: str, tokens, df) -> str:
    """The simplified form of ``text`` when it differs and the corpus knows its terms better (``tokens`` and
    ``df(term)`` from the version's index) — so a traditional question reaches a simplified corpus, and a traditional
    corpus keeps traditional questions."""
    simp = to_simplified(text)
    if simp == text:
        return text
    known = lambda t: sum(1 for w in tokens(t) if df(w) > 0)      # noqa: E731
    return simp if known(simp) > known(text) else text


@dataclass
class Term:
    text: str
    weight: float      # idf (REFERENCE_WEIGHT × idf for document words)
    seen: bool         # the version's corpus uses it


@dataclass
class Question:
    text: str                          # normalised
    terms: list[Term]
    quoted: list[str] = field(default_factory=list)

    @property
    def weight(self) -> float:
        return sum(t.weight for t in self.terms) or 1.0

    @property
    def unseen_share(self) -> float:
        return sum(t.weight for t in self.terms if not t.seen) / self.weight

    def held(self, text: str, tokens: set[str] | None = None) -> set[str]:
        """The content terms ``text`` contains (as tokens or as substrings: segmentation may differ between a
        question and a passage)."""
        low = text.lower()
        return {t.text for t in self.terms if (tokens is not None and t.text in tokens) or t.text in low}

    def coverage(self, text: str, tokens: set[str] | None = None) -> float:
        """Weighted share of the content terms that ``text`` contains (``held``). Unseen terms stay in the
        denominator."""
        held = self.held(text, tokens)
        return sum(t.weight for t in self.terms if t.text in held) / self.weight

    def content_text(self) -> str:
        """The question with question words and punctuation removed: for character-level overlap."""
        return "".join(t.text for t in self.terms)


def analyse(text: str, tokens, df, n_docs: int) -> Question:
    """``tokens(text)`` and ``df(term)`` come from the version's tokenizer and keyword index; ``n_docs`` is its
    number of passages (for idf)."""
    quoted = [q.strip() for q in QUOTED.findall(text) if q.strip()]
    pointer = bool(ORDINAL_POINTER.search(text))
    toks = [t for t in dict.fromkeys(tokens(text))
            if t not in QUESTION_WORDS and not DEMONSTRATIVE_WORD.match(t) and not COUNT_WORD.match(t)
            and not (pointer and ORDINAL_WORD.match(t))]
    seen = {t: df(t) > 0 for t in toks}
    # jieba's search mode gives a long word and its parts: an unseen compound whose parts the corpus knows is
    # a segmentation artefact, not a missing concept
    kept = []
    for t in toks:
        if not seen[t] and len(t) >= 3 and _covered_by_parts(t, [u for u in toks if u != t and seen[u] and u in t]):
            continue
        kept.append(t)
    terms = []
    for t in kept:
        d = df(t)
        idf = math.log(1.0 + (n_docs - d + 0.5) / (d + 0.5))
        if t in REFERENCE_WORDS:
            idf *= REFERENCE_WEIGHT
        elif len(t) == 1 and not t.isdigit():
            idf *= 0.5                       # a lone character is weak evidence either way
        terms.append(Term(t, idf, d > 0))
    return Question(text, terms, quoted)


def _covered_by_parts(word: str, parts: list[str]) -> bool:
    covered = [False] * len(word)
    for p in parts:
        i = word.find(p)
        while i >= 0:
            for j in range(i, i + len(p)):
                covered[j] = True
            i = word.find(p, i + 1)
    return all(covered)
