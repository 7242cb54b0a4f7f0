"""Verification: is every sentence of an answer or draft supported by the passages it cites?

Per sentence: the share of its character bigrams (markers, punctuation and spaces removed) found in the cited
passages is its support score; it is supported when the score reaches ``threshold`` and every number and every
“quoted phrase” in it appears verbatim in a cited passage. Sentences of the genre's own frame (a draft's opening
and closing, a decline notice) are marked ``template``: they must carry no numbers or quotes, and need no source.

Given the question, a sentence is also checked for *relevance*: the passages it cites must hold enough of the
question's content terms (``relevance_cut`` in ``answerability.json``, fitted on data). A copied sentence that does
not answer the question is supported but not relevant, and the answer is not grounded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from jianghua.assistant.citations import MARKER, strip_markers
from jianghua.assistant.overlap import bigrams
from jianghua.ingest.sentences import split_sentences

THRESHOLD = 0.6
NUMBER = re.compile(r"\d+(?:[.．]\d+)?%?")
QUOTED = re.compile(r"“([^”]{2,80})”")
CHANGE_KINDS = ("negation_flip", "modality_changed", "level_changed", "date_not_in_source", "ordinal_changed")


@dataclass
class SentenceCheck:
    text: str
    citations: list[int]
    support: float
    supported: bool
    flags: list[str] = field(default_factory=list)
    relevant: bool = True

    def as_dict(self) -> dict:
        return {"text": self.text, "citations": self.citations, "support": round(self.support, 4),
                "supported": self.supported, "relevant": self.relevant, "flags": self.flags}


# A model's lead-in that claims nothing ("根据资料，…", "资料显示，…", "综上所述，…")
LEAD_IN = re.compile(r"^(?:根据|依据|按照|据)(?:以上|上述|所给|提供的|给出的)?(?:资料|材料|内容|信息)(?:内容|所述|中的内容)?"
                     r"(?:来看|可知|显示|表明)?[，,：:]?|^(?:资料|材料)(?:中|里)?(?:显示|提到|指出|表明|可知)[，,：:]?|"
                     r"^(?:综上所述|总之|总的来说|简而言之)[，,：:]?")
MIN_CLAIM = 4            # bigrams a sentence must state beyond the question it restates (and to be attributed)
LIST_MARK = re.compile(r"^\s*(?:\d{1,2}[.、．)）](?!\d)|[-*•·](?!\d)|[（(]\d{1,2}[)）])\s*")


def plain(sentence: str) -> str:
    """What a sentence claims: without a model's markdown (a leading list number "1." or bullet, **bold**) and
    without a lead-in that claims nothing ("根据资料，")."""
    text = LIST_MARK.sub("", sentence.replace("**", "").replace("__", ""))
    return LEAD_IN.sub("", text.strip())


def support_score(sentence: str, passages: list[str], given: str = "") -> float:
    """Share of the sentence's character bigrams found in ``passages``. ``given`` (the question): a sentence that
    restates the question in the asker's words ("这个区搞的党建活动叫“党旗领航”") claims only what goes beyond it, so
    bigrams of ``given`` the passages do not hold count neither for nor against it — when it states at least
    ``MIN_CLAIM`` bigrams the question does not; a sentence that only repeats the question is measured whole."""
    grams = bigrams(plain(strip_markers(sentence)))
    if not grams:
        return 1.0
    pool: set[str] = set()
    for p in passages:
        pool |= bigrams(p)
    if given:
        asked = bigrams(given)
        if len(grams - asked) >= MIN_CLAIM:          # it says something the question did not (so grams stays non-empty)
            grams -= asked - pool
    return len(grams & pool) / len(grams)


def check_sentence(sentence: str, quotes: dict[int, str], template: bool = False,
                   threshold: float = THRESHOLD, user_text: str = "", detect_changes: bool = False,
                   given: str = "") -> SentenceCheck:
    """``quotes`` maps citation number → the cited passage text (the chunk a marker opens). A template sentence
    may repeat numbers and quotes that the user typed (``user_text``: the topic, the occasion). With
    ``detect_changes`` (answers; a draft rewrites subjects and modals on purpose), negation, modality, level, date
    and ordinal changes against the best source sentence are flagged too (``assistant/changes.py``). ``given``: the
    question, whose restated words are not claims (``support_score``)."""
    cited = [int(m) for m in MARKER.findall(sentence)]
    body = strip_markers(sentence).strip()
    claim = plain(body)
    flags: list[str] = []
    passages = [quotes[n] for n in cited if n in quotes]
    for n in cited:
        if n not in quotes:
            flags.append(f"invalid_citation:{n}")
    numbers = NUMBER.findall(claim)
    phrases = QUOTED.findall(claim)
    if template:
        flags.append("template")
        bad = [f"number_in_template:{x}" for x in numbers if x not in user_text]
        bad += [f"quote_in_template:{q}" for q in phrases if q not in user_text]
        flags += bad
        return SentenceCheck(body, cited, 1.0 if not bad else 0.0, not bad, flags)
    if not cited:
        flags.append("no_citation")
        return SentenceCheck(body, cited, 0.0, False, flags)
    joined = "\n".join(passages)
    score = support_score(body, passages, given)
    for x in numbers:
        if not re.search(rf"(?<![\d.．]){re.escape(x)}(?!\d)", joined):
            flags.append(f"number_not_in_source:{x}")
    for q in phrases:
        if q not in joined:
            flags.append(f"quote_not_in_source:{q}")
    if score < threshold:
        flags.append("low_support")
    if detect_changes:
        from jianghua.assistant.changes import changes
        flags += changes(claim, passages)
    ok = score >= threshold and not any(f.startswith(("number_", "quote_", "invalid_")) or f in CHANGE_KINDS
                                        for f in flags)
    return SentenceCheck(body, cited, score, ok, flags)


def split_output(text: str) -> list[str]:
    """Sentences of generated text, each keeping the markers that follow it (…。[1][2], also …。”[1], …。）[1])."""
    text = re.sub(r"([。！？；!?;][”’」』）)]*)((?:\s*\[\d{1,3}\])+)", lambda m: m.group(2).replace(" ", "") + m.group(1),
                  text)
    out = []
    for s in split_sentences(text):
        out.append(text[s.start:s.end])
    return out


def relevance_cut() -> float:
    from jianghua.assistant.answerability import models
    return models().relevance_cut


def check_relevance(check: SentenceCheck, quotes: dict[int, str], question) -> None:
    """Mark ``check`` not relevant when neither it nor the passages it cites hold the question's content (its
    weighted term coverage below the fitted cut). ``question``: an ``assistant.question.Question``."""
    if "template" in check.flags or not question.terms:
        return
    cited = " ".join(quotes[n] for n in check.citations if n in quotes)
    if question.coverage(f"{check.text} {cited}") < relevance_cut():
        check.relevant = False
        check.flags.append("not_relevant")


def verify(text: str, quotes: dict[int, str], templates: set[int] | None = None,
           threshold: float = THRESHOLD, user_text: str = "", question=None,
           detect_changes: bool = False) -> tuple[list[SentenceCheck], bool]:
    """Check every sentence; ``templates`` holds the indexes of frame sentences; with ``question``, relevance too,
    and the question's own words are not claims a sentence must source (``support_score``).
    Returns (checks, grounded): grounded when every sentence is supported and relevant."""
    templates = templates or set()
    given = question.text if question is not None else ""
    checks = [check_sentence(s, quotes, i in templates, threshold, user_text, detect_changes, given)
              for i, s in enumerate(split_output(text))]
    if question is not None:
        for c in checks:
            check_relevance(c, quotes, question)
    return checks, bool(checks) and all(c.supported and c.relevant for c in checks)
