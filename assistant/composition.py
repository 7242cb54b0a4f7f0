"""What a generator receives and returns: the ``Job`` (question, passages, weighed evidence) and the
``Composition`` (the sources its markers [n] point at, and a stream of text deltas with those markers inline); what
it can do besides composing, declared as ``Capabilities`` (the steps ask these, never the generator's type)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol, runtime_checkable

from jianghua.records import Hit

DECLINE = "资料中未找到与该问题直接相关的内容。"
DECLINE_REDACTED = "资料中未给出这个数字：相关原文中的数字已作隐去处理（如“×××”），请查阅原始文件。"


@dataclass
class Job:
    question: str
    hits: list[Hit]
    history: list[dict]
    terms: list[str]
    idf: Callable[[str], float]
    tokens: Callable[[str], list[str]]
    evidence: object | None = None          # weigh.Evidence: ranked sentences and the answer-or-decline decision
    around: Callable[[Hit], list[Hit]] | None = None     # the hit with the passages before and after it
    passages_of: Callable[[str], list[Hit]] | None = None  # every passage of a document, in order (its outline)
    quoted: list[Hit] = field(default_factory=list)       # the passages the previous answer quoted, when looked up


@dataclass
class Composition:
    sources: list                           # citations.Source, in marker order
    deltas: Iterator[str]
    declined: bool = False
    closest: list[Hit] = field(default_factory=list)
    reason: str = ""                        # why it declined: no_evidence, redacted


@dataclass(frozen=True)
class Capabilities:
    """What a generator can do besides ``compose``. ``condense`` and ``draft`` need the ``Writer`` methods."""

    condense: bool = False      # rewrites a follow-up as a standalone question (else the extractive condenser does)
    stream: bool = False        # its deltas are pieces of text as a model writes them (else whole sentences)
    draft: bool = False         # writes a draft speech from a prompt, its markers attributed and checked afterwards


@runtime_checkable
class Generator(Protocol):
    name: str
    capabilities: Capabilities

    def compose(self, job: Job) -> Composition: ...


@runtime_checkable
class Writer(Protocol):
    """Free text from chat messages: what a generator that condenses or drafts also offers."""

    def messages(self, system: str, history: list[dict], question: str) -> list: ...

    def stream_text(self, messages: list) -> Iterator[str]: ...


def checked(generator) -> Generator:
    """The generator, if it is one and offers what its capabilities promise; else a TypeError naming it."""
    if not isinstance(generator, Generator):
        raise TypeError(f"{generator!r} is no Generator: it needs a name, capabilities (Capabilities) and "
                        f"compose(job) -> Composition")
    caps = generator.capabilities
    if (caps.condense or caps.draft) and not isinstance(generator, Writer):
        raise TypeError(f"generator {generator.name!r} declares {caps} but has no messages() and stream_text()")
    return generator


def declined(job: Job, reason: str = "no_evidence") -> Composition:
    """The decline: the notice, and the closest passages to show as "可能相关" (never as an answer)."""
    ev = job.evidence
    closest = list(job.hits[:3])
    text = DECLINE
    if reason == "redacted" and ev is not None and ev.redacted is not None:
        text = DECLINE_REDACTED
        first = ev.redacted.source.hit
        closest = [first] + [h for h in closest if h.chunk.id != first.chunk.id][:2]
    return Composition([], iter([text]), declined=True, closest=closest, reason=reason)
