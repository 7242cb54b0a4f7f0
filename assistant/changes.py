"""What a rewrite changed against its source sentence: negation and modality flips, a changed subject or level,
dates and ordinals that the source does not give.

A model (or a careless edit) can keep almost every character of a source sentence and still reverse it: 要 → 不要,
必须 → 可以, 已完成 → 未完成, 区委 → 市委, 3月底前 → 6月底前, 第二 → 第三. Bigram support does not see these. ``changes``
compares a sentence with the source sentence that supports it best and names each such change as a flag kind:
``negation_flip``, ``modality_changed``, ``level_changed``, ``date_not_in_source``, ``ordinal_changed``.
"""
from __future__ import annotations

import re

from jianghua.assistant.overlap import bigrams
from jianghua.ingest.sentences import split_sentences

NEGATION = re.compile(r"不|未|没有|无|非|禁止|严禁|杜绝|决不|绝不|不得|不能")
MODAL_CLASSES = {
    "must": re.compile(r"必须|务必|一定要|应当|应该|要求|须"),
    "may": re.compile(r"可以|可|允许|鼓励|酌情"),
    "done": re.compile(r"已经|已|完成了|实现了|取得了"),
    "future": re.compile(r"将要|将|计划|拟|准备|力争"),
}
LEVEL = re.compile(r"党中央|中央|国务院|省委|省政府|市委|市政府|区委|区政府|县委|县政府|乡镇党委|乡镇|街道|村居|村|社区|"
                   r"各级党组织|各级|各单位|各部门|我们|我区|我市|我县|全市|全区|全县|全省|全国")
DATE = re.compile(r"\d{4}年(?:\d{1,2}月)?(?:\d{1,2}日)?|\d{1,2}月(?:\d{1,2}日)?(?:底|前|中旬|上旬|下旬)?|"
                  r"[一二三四五六七八九十]{1,3}月(?:底|前)?|上半年|下半年|年底|年初|年内|季度|本月|下月")
ORDINAL = re.compile(r"第[一二三四五六七八九十\d]+|[一二三四五六七八九十]+是|首要|首先|其次|最后")


def best_source_sentence(sentence: str, passages: list[str]) -> str:
    g = bigrams(sentence)
    best, score = "", -1.0
    for p in passages:
        for s in split_sentences(p):
            text = p[s.start:s.end]
            h = bigrams(text)
            sc = len(g & h) / max(1, len(g))
            if sc > score:
                best, score = text, sc
    return best


def _set(pattern: re.Pattern, text: str) -> set[str]:
    return {m.group() for m in pattern.finditer(text)}


CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


def drawn_from(sentence: str, src: str) -> str:
    """The clauses of ``src`` that ``sentence`` draws on (at least half of a clause's bigrams in it): a sentence that
    leaves out a clause ("可以删去无关的分句") is compared with what it kept, not with the words it dropped."""
    g = bigrams(sentence)
    kept = [c for c in CLAUSE.findall(src) if (h := bigrams(c)) and len(g & h) >= 0.5 * len(h)]
    return "".join(kept) or src


def changes(sentence: str, passages: list[str]) -> list[str]:
    """The kinds of change between ``sentence`` and the clauses of its best-supporting source sentence in
    ``passages`` that it draws on."""
    src = best_source_sentence(sentence, passages)
    if not src:
        return []
    src = drawn_from(sentence, src)
    out = []
    if len(NEGATION.findall(sentence)) != len(NEGATION.findall(src)):
        out.append("negation_flip")
    for name, pat in MODAL_CLASSES.items():
        if bool(pat.search(sentence)) != bool(pat.search(src)):
            out.append("modality_changed")
            break
    mine, theirs = _set(LEVEL, sentence), _set(LEVEL, src)
    if mine - theirs and theirs - mine:
        out.append("level_changed")
    joined = "\n".join(passages)
    if any(d not in joined for d in _set(DATE, sentence)):
        out.append("date_not_in_source")
    mo, so = _set(ORDINAL, sentence), _set(ORDINAL, src)
    if mo and so and mo != so:
        out.append("ordinal_changed")
    return out
