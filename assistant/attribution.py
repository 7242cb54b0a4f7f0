"""Citations that survive any model: every common marker form parsed into [n], then post-hoc attribution.

Models cite in many ways — 【1】, [1,2], [1][2], ［1］, (1), （资料1）, ^1, [^1], “资料1”, 来源[1], or a list of sources at
the end, or nothing at all. ``normalise_markers`` rewrites each form into [n] markers (a source list at the end is
dropped: its numbers say nothing about which sentence they support). ``attribute`` then gives every sentence without
a valid marker the marker of the passage that supports it best, by the verifier's own measure (character-bigram
support), when that support reaches the verifier's threshold; the rest stay unmarked and are flagged by the
verifier. Which markers the model wrote and which were attributed is returned, so citations can say so.
"""
from __future__ import annotations

import re

from jianghua.assistant.citations import MARKER
from jianghua.assistant.overlap import bigrams
from jianghua.assistant.verify import MIN_CLAIM, THRESHOLD, plain, split_output, support_score

_NUM = r"\d{1,3}"
_LIST = rf"{_NUM}(?:\s*[,，、;；\-–]\s*{_NUM})*"
FORMS = (
    re.compile(rf"【\s*(?:资料|来源|文献)?\s*({_LIST})\s*】"),
    re.compile(rf"［\s*({_LIST})\s*］"),
    re.compile(rf"\[\s*\^?\s*(?:资料|来源|文献|ref)?\s*({_LIST})\s*\]"),
    re.compile(rf"[（(]\s*(?:资料|来源|文献|见资料)\s*({_LIST})\s*[)）]"),
    re.compile(rf"(?<=[\u4e00-\u9fff”』」])[（(]({_LIST})[)）](?=[。！？；，,.!?;]|$)"),
    re.compile(rf"\^\s*({_LIST})"),
    re.compile(rf"“?(?:资料|来源)\s*({_NUM})”?(?=[。！？；，,]|$)"),
)
SOURCE_LIST = re.compile(r"\n\s*(?:参考资料|参考来源|资料来源|来源|引用|参考)[:：]?\s*\n?(?:\s*(?:\[\d+\]|\d+[.、]).*\n?)+\s*$")


def _expand(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,，、;；]\s*", group.strip()):
        if re.fullmatch(r"\d+\s*[-–]\s*\d+", part):
            a, b = (int(x) for x in re.split(r"\s*[-–]\s*", part))
            out += list(range(a, b + 1)) if 0 < b - a < 10 else [a, b]
        elif part.isdigit():
            out.append(int(part))
    return out


def normalise_markers(text: str) -> str:
    """Every marker form → [n] (one bracket per number); a trailing list of sources is removed."""
    text = SOURCE_LIST.sub("", text)
    for form in FORMS:
        text = form.sub(lambda m: "".join(f"[{n}]" for n in _expand(m.group(1))), text)
    return re.sub(r"(\[\d+\])(?:\1)+", r"\1", text)


def attribute(text: str, passages: list[str], threshold: float = THRESHOLD,
              given: str = "") -> tuple[str, set[int], set[int]]:
    """``passages[i]`` is what marker [i+1] opens. Returns (text, numbers the model wrote, numbers attributed).
    A sentence with no valid marker gets the best-supporting passage's marker when its support ≥ ``threshold`` and
    it states at least ``MIN_CLAIM`` bigrams
    (``given``: the question, whose restated words are not claims, as in the verifier)."""
    written: set[int] = set()
    attributed: set[int] = set()
    out = []
    for sent in split_output(text):
        marks = [int(n) for n in MARKER.findall(sent)]
        valid = [n for n in marks if 1 <= n <= len(passages)]
        written.update(valid)
        body = MARKER.sub("", sent).strip()
        short = len(bigrams(plain(body))) < MIN_CLAIM      # a fragment ("5. **加强群", cut off) matches by chance
        if valid or not body or not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", body) or short:
            out.append(sent)
            continue
        scores = [support_score(body, [p], given) for p in passages]
        best = max(range(len(scores)), key=scores.__getitem__) if scores else None
        if best is not None and scores[best] >= threshold:
            n = best + 1
            attributed.add(n)
            m = re.search(r"[。！？；!?;]+[”’」』]*\s*$", sent)
            sent = f"{sent[:m.start()]}[{n}]{sent[m.start():]}" if m else f"{sent}[{n}]"
        out.append(sent)
    return "".join(out), written, attributed - written
