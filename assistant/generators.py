"""Generators behind one Protocol: ``extractive`` (default, no language model) and ``openai`` (any
OpenAI-compatible chat server through langchain-openai).

A generator turns a question and the retrieved passages into a ``Composition``: the sources its markers [n] point
at, and a stream of text deltas with those markers inline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol, runtime_checkable

from assistant.answer_type import expected, holds
from assistant.citations import Source, context_block, whole
from assistant.condense import ordinal
from assistant.evidence import reading_order, score_sentences, select
from jianghua.errors import GeneratorError
from jianghua.records import Hit
from jianghua.settings import Settings

DECLINE = "资料中未找到与该问题直接相关的内容。"
CN_ORD = "一二三四五六七八九十"
MIN_COVERAGE = 0.25


@dataclass
class Job:
    question: str
    hits: list[Hit]
    history: list[dict]
    terms: list[str]
    idf: Callable[[str], float]
    tokens: Callable[[str], list[str]]
    neighbours: Callable[[Hit], list[Hit]] | None = None


@dataclass
class Composition:
    sources: list[Source]
    deltas: Iterator[str]
    declined: bool = False
    closest: list[Hit] = field(default_factory=list)


@runtime_checkable
class Generator(Protocol):
    name: str

    def compose(self, job: Job) -> Composition: ...


def coverage(job: Job) -> float:
    scored = score_sentences(job.terms, job.hits[:5], job.idf, job.tokens)
    return max((s.coverage for s in scored), default=0.0)


class ExtractiveGenerator:
    """A query-focused answer made of the most relevant source sentences, each followed by its marker."""

    name = "extractive"

    def __init__(self, max_sentences: int = 4, max_chars: int = 420, min_coverage: float = MIN_COVERAGE):
        self.max_sentences, self.max_chars, self.min_coverage = max_sentences, max_chars, min_coverage

    def compose(self, job: Job) -> Composition:
        scored = score_sentences(job.terms, job.hits, job.idf, job.tokens)
        best = max((s.coverage for s in scored), default=0.0)
        kind = expected(job.question)
        # the answer of the asked kind must be in one of the few most relevant sentences
        answerable = kind is None or any(holds(kind, s.source.quote, job.question) for s in scored[:3]
                                         if s.coverage >= 0.6 * best)
        if not scored or best < self.min_coverage or not answerable:
            return Composition([], iter([DECLINE]), declined=True, closest=job.hits[:3])
        if kind is not None:
            for s in scored:
                if holds(kind, s.source.quote, job.question):
                    s.score *= 1.3
        n = ordinal(job.question)
        if n and n > 0:                   # "头一条/第二点": the item that opens with that ordinal
            mark = re.compile(rf"^(?:{CN_ORD[n - 1]}(?:是|要|、)|[（(]{CN_ORD[n - 1]}[）)]|第{CN_ORD[n - 1]}|{n}[.、．])")
            for s in scored:
                if mark.match(s.source.quote):
                    s.score *= 1.5
        scored.sort(key=lambda s: -s.score)
        picked = select([s for s in scored if s.coverage >= self.min_coverage], self.max_sentences, self.max_chars)
        sources = [c.source for c in reading_order(picked)]
        if LIST_Q.search(job.question):
            sources = expand_list([c.source for c in picked], neighbours=job.neighbours) or sources
        elif EXAMPLE_Q.search(job.question):
            sources = with_example(sources, picked[0].source)

        def deltas() -> Iterator[str]:
            for i, src in enumerate(sources, 1):
                yield as_answer_sentence(src.quote) + f"[{i}]"
                # the marker sits before the final stop so the verifier ties it to its sentence
        return Composition(sources, _move_stops(deltas()))


LIST_Q = re.compile(r"哪些|哪几|有哪|几个方面|几点|几项|几类|分别|都有什么|包括什么")
ITEM = re.compile(r"^(?:[一二三四五六七八九十]+(?:是|要)|\d+[.、．])")
FIRST_ITEM = re.compile(r"^(?:一(?:是|要)|1[.、．])")


def expand_list(sources: list[Source], limit: int = 8, neighbours=None) -> list[Source]:
    """For a question asking for a list: when the best sentence opens an enumeration (一是… 二是…), answer with the
    enumeration's items, in order, instead of scattered sentences. ``neighbours(hit)`` gives the passages that
    follow a hit in its document, for lists that run on past the passage's end. Returns [] when no list opens."""
    from assistant.evidence import sentences_of
    for src in sources[:2]:
        sents = sentences_of(src.hit)
        idx = next((i for i, s in enumerate(sents) if s.start == src.start), None)
        if idx is None:
            continue
        if not re.search(r"[。：；！？]$", src.quote) or ITEM.match(src.quote):
            continue                      # a heading line or itself an item: it does not open a list
        following = sents[idx + 1:]
        if neighbours is not None and len(following) < 6:
            following += [s for h in neighbours(src.hit) for s in sentences_of(h)]
        if not following or not FIRST_ITEM.match(following[0].quote):
            continue                      # the list must start right after, at its first item
        items = [s for s in following if ITEM.match(s.quote)]
        if len(items) >= 2:
            lead = [] if ITEM.match(src.quote) else [src]
            return (lead + items)[:limit]
    return []


EXAMPLE_Q = re.compile(r"例子|举例|举了|案例|比如")
EXAMPLE = re.compile(r"^(?:比如|例如|譬如|如：)")


def with_example(sources: list[Source], best: Source) -> list[Source]:
    """For a question asking for an example: the sentence after the best one when it gives the example (比如…)."""
    from assistant.evidence import sentences_of
    sents = sentences_of(best.hit)
    idx = next((i for i, s in enumerate(sents) if s.start == best.start), None)
    if idx is None or idx + 1 >= len(sents) or not EXAMPLE.match(sents[idx + 1].quote):
        return sources
    example = sents[idx + 1]
    rest = [s for s in sources if (s.start, s.hit.chunk.id) not in
            {(best.start, best.hit.chunk.id), (example.start, example.hit.chunk.id)}]
    return [best, example] + rest[:2]


def as_answer_sentence(quote: str) -> str:
    """A source sentence as it reads inside an answer: verbatim, ending in a full stop."""
    q = quote.strip()
    if q.endswith(("；", "，", "：", ";", ",", ":")):
        q = q[:-1] + "。"
    elif not q.endswith(("。", "！", "？", "”", "」", "）", ")")):
        q = q + "。"
    return q


def _move_stops(parts: Iterator[str]) -> Iterator[str]:
    """'…现象。[1]' → '…现象[1]。' so every marker precedes its sentence's stop."""
    for p in parts:
        yield re.sub(r"([。！？])((?:\[\d+\])+)$", r"\2\1", p)


class OpenAIGenerator:
    """Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp server, DeepSeek, Qwen) via langchain-openai."""

    name = "openai"

    def __init__(self, settings: Settings, prompt: str = "answer.txt"):
        self.settings = settings
        self.prompt = prompt
        self._llm = None

    def llm(self):
        if self._llm is None:
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as e:
                raise GeneratorError("langchain-openai is not installed: pip install langchain-openai") from e
            s = self.settings
            # max_tokens also in the body: some servers (llama.cpp) ignore max_completion_tokens
            self._llm = ChatOpenAI(base_url=s.openai_base_url, model=s.openai_model, api_key=s.openai_api_key(),
                                   temperature=s.temperature, streaming=True, timeout=s.openai_timeout,
                                   max_retries=1, max_tokens=s.max_tokens, extra_body={"max_tokens": s.max_tokens})
        return self._llm

    def messages(self, system: str, history: list[dict], question: str):
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
        msgs = [SystemMessage(system)]
        for turn in history[-6:]:
            cls = HumanMessage if turn.get("role") == "user" else AIMessage
            msgs.append(cls(str(turn.get("content", ""))))
        msgs.append(HumanMessage(question))
        return msgs

    def stream_text(self, msgs) -> Iterator[str]:
        try:
            for chunk in self.llm().stream(msgs):
                if chunk.content:
                    yield chunk.content
        except GeneratorError:
            raise
        except Exception as e:  # network and server errors of many kinds: name the endpoint
            raise GeneratorError(f"language model at {self.settings.openai_base_url} failed: {e}") from e

    def compose(self, job: Job) -> Composition:
        if coverage(job) < MIN_COVERAGE * 0.8:
            return Composition([], iter([DECLINE]), declined=True, closest=job.hits[:3])
        sources = [whole(h) for h in job.hits]
        from prompts import load
        system = load(self.prompt).replace("{context}", context_block(sources))
        return Composition(sources, self.stream_text(self.messages(system, job.history, job.question)))


def make_generator(settings: Settings) -> Generator:
    if settings.generator == "openai":
        return OpenAIGenerator(settings)
    return ExtractiveGenerator()
