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


def support_score(sentence: str, passages: list[str]) -> float:
    grams = bigrams(strip_markers(sentence))
    if not grams:
        return 1.0
    pool: set[str] = set()
    for p in passages:
        pool |= bigrams(p)
    return len(grams & pool) / len(grams)


def check_sentence(sentence: str, quotes: dict[int, str], template: bool = False,
                   threshold: float = THRESHOLD, user_text: str = "", detect_changes: bool = False) -> SentenceCheck:
    """``quotes`` maps citation number → the cited passage text (the chunk a marker opens). A template sentence
    may repeat numbers and quotes that the user typed (``user_text``: the topic, the occasion). With
    ``detect_changes`` (answers; a draft rewrites subjects and modals on purpose), negation, modality, level, date
    and ordinal changes against the best source sentence are flagged too (``assistant/changes.py``)."""
    cited = [int(m) for m in MARKER.findall(sentence)]
    body = strip_markers(sentence).strip()
    flags: list[str] = []
    passages = [quotes[n] for n in cited if n in quotes]
    for n in cited:
        if n not in quotes:
            flags.append(f"invalid_citation:{n}")
    numbers = NUMBER.findall(body)
    phrases = QUOTED.findall(body)
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
    score = support_score(body, passages)
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
        flags += changes(body, passages)
    ok = score >= threshold and not any(f.startswith(("number_", "quote_", "invalid_")) or f in CHANGE_KINDS
                                        for f in flags)
    return SentenceCheck(body, cited, score, ok, flags)


def split_output(text: str) -> list[str]:
    """Sentences of generated text, each keeping the markers that follow it (…。[1][2], also …。”[1])."""
    text = re.sub(r"([。！？；!?;][”’」』]*)((?:\s*\[\d{1,3}\])+)", lambda m: m.group(2).replace(" ", "") + m.group(1),
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
    """Check every sentence; ``templates`` holds the indexes of frame sentences; with ``question``, relevance too.
    Returns (checks, grounded): grounded when every sentence is supported and relevant."""
    templates = templates or set()
    checks = [check_sentence(s, quotes, i in templates, threshold, user_text, detect_changes)
              for i, s in enumerate(split_output(text))]
    if question is not None:
        for c in checks:
            check_relevance(c, quotes, question)
    return checks, bool(checks) and all(c.supported and c.relevant for c in checks)
