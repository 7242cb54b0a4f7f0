"""The answer chain: a langchain Runnable sequence of steps, each taking the question's state (``Turn``, frozen) and
returning a new one:

    condense (normalise; a follow-up → a standalone question) → retrieve (hybrid; the conversation's documents; 接着)
    → weigh (rank sentences, answer or decline) → answer (a generator composes, then citations are verified)

The last step yields events: ``delta`` (the composition's text as it comes) … then one ``result`` (the verified
answer). There is one code path: ``ask_stream`` is the chain streamed, ``ask`` is the result event of that stream.
What a generator can do (rewrite a follow-up, stream) it declares in ``capabilities``; no step asks for its type.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from typing import Iterable, Iterator

from langchain_core.runnables import RunnableLambda

from jianghua.assistant.attribution import attribute, normalise_markers
from jianghua.assistant.citations import renumber
from jianghua.assistant.composition import Composition, Job, checked
from jianghua.assistant.condense import (CONTINUES, asks_beyond, asks_within, condense_with_llm, condense_without_llm,
                                        own_words)
from jianghua.assistant.conversation import (PARAGRAPH, answered_from, asked_documents, item_asked_about,
                                             last_user, only_navigation, previous_sentences, quoted_passages, rest_of)
from jianghua.assistant.generators import make_generator
from jianghua.assistant.question import choose_script, normalise
from jianghua.assistant.verify import verify
from jianghua.assistant.weigh import Evidence, weigh
from jianghua.index.search import HybridSearcher
from jianghua.records import Hit
from jianghua.settings import Settings

ANSWER_HITS = 6
UNSUPPORTED_MARK = "〔未经资料证实〕"


@dataclass(frozen=True)
class Turn:
    """The state of one question between the steps; a step returns a new one (``timed`` or ``replace``)."""

    question: str
    history: list[dict]
    version: int | str | None = None
    view: object | None = None               # the knowledge-base version, pinned by the first step
    normalised: str = ""
    standalone: str = ""                     # the question searched with (a follow-up rewritten)
    hits: list[Hit] = field(default_factory=list)
    search_trace: dict = field(default_factory=dict)
    evidence: Evidence | None = None
    quoted: list[Hit] | None = None          # passages the previous answer quoted, looked up once (None: not yet)
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, t0: float, **changes) -> "Turn":
        """This state with ``changes`` and the stage's time since ``t0``."""
        return replace(self, **changes, timings={**self.timings, f"{stage}_ms": (time.perf_counter() - t0) * 1000})


class Assistant:
    def __init__(self, searcher: HybridSearcher, settings: Settings, generator=None):
        self.searcher = searcher
        self.settings = settings
        self.generator = checked(generator or make_generator(settings))
        self.prepare = (RunnableLambda(self._condense, name="condense")
                        | RunnableLambda(self._retrieve, name="retrieve")
                        | RunnableLambda(self._weigh, name="weigh"))
        self.chain = self.prepare | RunnableLambda(self._answer, name="answer")

    # -- entry points ------------------------------------------------------------------------------------------
    def ask_stream(self, question: str, history: list[dict], version=None) -> Iterator[dict]:
        """The events ``delta`` … ``result``; nothing runs before the first is asked for."""
        return self.chain.stream(Turn(question, list(history), version))

    def ask(self, question: str, history: list[dict], version=None) -> dict:
        return result_of(self.ask_stream(question, history, version))

    def draft(self, topic: str, occasion: str | None, length: int, version=None) -> dict:
        from jianghua.assistant.drafting import Drafter
        return Drafter(self).draft(topic, occasion, length, version=version)

    # -- steps -------------------------------------------------------------------------------------------------
    def _condense(self, turn: Turn) -> Turn:
        t0 = time.perf_counter()
        view = self.searcher.view(turn.version)        # pinned: a promotion meanwhile cannot mix versions
        normalised = choose_script(normalise(turn.question), view.tokenizer.tokens, view.keyword.df)
        history = _normalised(turn.history)
        if self.generator.capabilities.condense and history:
            standalone = condense_with_llm(normalised, history, self.generator, view.tokenizer.tokens)
        else:
            standalone = condense_without_llm(normalised, history)
        return turn.timed("condense", t0, view=view, version=view.version, normalised=normalised,
                          standalone=standalone)

    def _retrieve(self, turn: Turn) -> Turn:
        t0 = time.perf_counter()
        res = self.searcher.search(turn.standalone, ANSWER_HITS, version=turn.version)
        hits, trace, quoted = res.hits, res.trace, turn.quoted
        if turn.history and not trace.get("scope", {}).get("applied"):   # also one that reads as complete
            # ("新开的航线里提到飞哪些城市？"): asked in a conversation, it most likely continues it
            quoted = self._quoted(turn, quoted)
            hits, trace = self._within_conversation(turn, hits, trace, quoted)
        if turn.history and CONTINUES.search(turn.normalised):
            quoted = self._quoted(turn, quoted)
            hits, trace = self._after_quoted(turn, hits, trace, quoted)
        return turn.timed("retrieve", t0, hits=hits, search_trace=trace, quoted=quoted)

    def _quoted(self, turn: Turn, quoted: list[Hit] | None) -> list[Hit]:
        """The passages the previous answer quoted, looked up once per turn (a retry retrieves again)."""
        return quoted if quoted is not None else quoted_passages(self.searcher, turn.history, turn.version)

    def _after_quoted(self, turn: Turn, hits: list[Hit], trace: dict, quoted: list[Hit]) -> tuple[list[Hit], dict]:
        """"报告接着怎么说？": what follows the passage the previous answer quoted comes first."""
        if not quoted:
            return hits, trace
        if only_navigation(turn.normalised):       # "接下来那段讲的是什么？": after what answered, in its passage too
            last, said = answered_from(quoted, turn.history)
            at = rest_of(last, said, paragraph=bool(PARAGRAPH.search(turn.normalised)))
        else:
            last, at = max(quoted, key=lambda h: (h.chunk.doc_id == quoted[0].chunk.doc_id, h.chunk.start)), None
        nxt = self.searcher.following(last, 2, version=turn.version)
        if at is not None:              # the passage goes on after what the previous answer quoted of it
            nxt = [last] + nxt
        ids = {h.chunk.id for h in nxt}
        return ((nxt + [h for h in hits if h.chunk.id not in ids])[:ANSWER_HITS],
                {**trace, "continued_from": last.chunk.id, "continuation": [h.chunk.id for h in nxt],
                 "continued_at": at})

    def _within_conversation(self, turn: Turn, hits: list[Hit], trace: dict,
                             quoted: list[Hit]) -> tuple[list[Hit], dict]:
        """A follow-up that names no document of its own continues in the documents the previous answer quoted (or,
        after a decline, the ones its question retrieved): their best passages for the standalone question come
        first — found by the follow-up's own words, which the previous topic's words would drown —, interleaved with the
        unscoped ones for the standalone question (a follow-up may still move elsewhere)."""
        docs = list(dict.fromkeys(h.chunk.doc_id for h in quoted)) or asked_documents(
            self.searcher, turn.history, turn.version)
        if not docs:
            return hits, trace
        own = own_words(turn.normalised)
        query = own if len(re.sub(r"[^\u4e00-\u9fff\w]", "", own)) >= 4 else turn.standalone
        scoped = self.searcher.search(query, ANSWER_HITS, version=turn.version, doc_id=docs).hits
        if query == own and item_asked_about(turn):
            # "第二个打算靠什么来建？" → "冰雪运动名城，打算靠什么来建？": the item it names is in the standalone question
            # only — its best passages join the best of its own words
            by_item = self.searcher.search(turn.standalone, ANSWER_HITS, version=turn.version, doc_id=docs).hits
            scoped = scoped[:ANSWER_HITS // 2] + by_item[:ANSWER_HITS // 2] + scoped[ANSWER_HITS // 2:]
        merged, seen = [], set()
        for pair in zip_longest(scoped, hits):
            for h in pair:
                if h is not None and h.chunk.id not in seen:
                    seen.add(h.chunk.id)
                    merged.append(h)
        return merged[:ANSWER_HITS], {**trace, "conversation_documents": docs}

    def _weigh(self, turn: Turn) -> Turn:
        t0 = time.perf_counter()
        weighed = self._weigh_once(turn)
        if (turn.history and turn.standalone == turn.normalised and weighed.evidence is not None
                and not weighed.evidence.decision.answer):
            # taken alone the question is not answerable ("能给企业省下多少？"): in a conversation it may lean on the
            # previous turn without saying so — ask it again with the previous topic, keep that if it answers
            forced = condense_without_llm(turn.normalised, _normalised(turn.history), force=True)
            if forced != turn.standalone:
                retried = self._weigh_once(self._retrieve(replace(weighed, standalone=forced)))
                if retried.evidence.decision.answer:
                    weighed = retried
        return weighed.timed("weigh", t0)

    def _weigh_once(self, turn: Turn) -> Turn:
        view = turn.view
        kw = view.keyword
        dense = self.searcher.dense_similarity(turn.standalone, turn.hits)
        follow_up = turn.standalone != turn.normalised
        previous = previous_sentences(turn.history) if turn.standalone != last_user(turn.history) else []
        within = bool(previous) and asks_within(turn.normalised)
        return replace(turn, evidence=weigh(turn.standalone, turn.hits, view.tokenizer.tokens, kw.df,
                                            max(1, view.n_chunks), dense, previous,
                                            own_words(turn.normalised) if follow_up or within else None,
                                            beyond=follow_up and bool(previous) and asks_beyond(turn.normalised),
                                            similar=lambda texts: self.searcher.sentence_similarity(
                                                turn.standalone, texts),
                                            continuation=(turn.search_trace or {}).get("continuation"),
                                            continued_at=(turn.search_trace or {}).get("continued_at"),
                                            about=item_asked_about(turn) if follow_up else None,
                                            bare=only_navigation(turn.normalised),
                                            named=_named_documents(turn.search_trace), within=within,
                                            used_by_documents=lambda terms: self._used_by_documents(turn, terms)))

    def _used_by_documents(self, turn: Turn, terms: list[str]) -> bool:
        """Some of ``terms`` (a follow-up's own words) occur in the documents the conversation is about: those the
        previous answer quoted, else the ones the question named."""
        trace = turn.search_trace or {}
        docs = trace.get("conversation_documents") or (trace.get("scope") or {}).get("hit_documents")
        if not docs or not terms:
            return False
        hits = self.searcher.search(" ".join(terms), 5, version=turn.version, doc_id=list(docs), mode="keyword").hits
        return any(set(h.matched) & set(terms) for h in hits)

    def _job(self, turn: Turn) -> Job:
        """What the generator is given: the standalone question, its passages and the weighed evidence."""
        view, version = turn.view, turn.version
        kw = view.keyword
        return Job(turn.standalone, turn.hits, turn.history, view.tokenizer.tokens(turn.standalone),
                   lambda t: kw.idf(t) if kw.df(t) else 0.0, view.tokenizer.tokens, turn.evidence,
                   lambda hit: self.searcher.around(hit, version=version),
                   lambda doc_id: self.searcher.passages_of(doc_id, version=version), list(turn.quoted or []))

    def _answer(self, turn: Turn) -> Iterator[dict]:
        """The generator's text deltas as they come, then the verified result."""
        t0 = time.perf_counter()
        composition = self.generator.compose(self._job(turn))
        parts = []
        for delta in composition.deltas:
            parts.append(delta)
            yield {"type": "delta", "text": delta}
        yield {"type": "result", **self._verified(turn.timed("compose", t0), composition, "".join(parts))}

    def _verified(self, turn: Turn, comp: Composition, text: str) -> dict:
        """The composed text checked: markers normalised and renumbered, each sentence against its passage."""
        t0 = time.perf_counter()
        text = text.strip()
        declined = comp.declined or not comp.sources or not text
        if declined:
            checks, _ = verify(text, {}, templates={0})
            citations, invalid, grounded = [], [], False
        else:
            # any model's marker forms → [n]; unmarked sentences attributed to the passage that supports them
            asked = turn.evidence.question if turn.evidence else None
            text, _, attributed = attribute(normalise_markers(text), [src.hit.chunk.text for src in comp.sources],
                                            given=asked.text if asked is not None else "")
            text, citations, mapping, invalid = renumber(text, comp.sources)
            new_attributed = {mapping[o] for o in attributed if o in mapping}
            for c in citations:
                c["origin"] = "attributed" if c["n"] in new_attributed else "model"
            quotes = {c["n"]: _passage(comp.sources, c) for c in citations}
            checks, grounded = verify(text, quotes, question=asked, detect_changes=True)
            text = "".join(c_text(c) for c in checks) if checks else text
            if checks and not _holds_asked_kind(turn.evidence, checks):
                # a question asking for a number, date or person is not answered by sentences holding none
                checks[0].relevant = False
                checks[0].flags.append("answer_type_missing")
                grounded = False
            grounded = grounded and not invalid
        timings = turn.timed("verify", t0).timings
        timings["total_ms"] = sum(v for k, v in timings.items() if k != "total_ms")
        ev = turn.evidence
        return {
            "answer": text,
            "citations": citations,
            "grounded": grounded,
            "sentences": [c.as_dict() for c in checks],
            "closest": [h.to_dict() for h in comp.closest] if declined else [],
            "trace": {
                "question": turn.question, "normalised": turn.normalised, "standalone": turn.standalone,
                "generator": self.generator.name, "declined": declined,
                "decline_reason": (comp.reason or "no_evidence") if declined else None,
                "invalid_markers": invalid, "evidence": ev.as_trace() if ev else None,
                "hits": _trace_hits(turn.hits, comp.sources),
                "search": turn.search_trace, "timings": {k: round(v, 2) for k, v in timings.items()},
            },
        }


def result_of(events: Iterable[dict]) -> dict:
    """The ``result`` event of a chain's events (without its ``type``), the events read to their end."""
    result = None
    for ev in events:
        if ev["type"] == "result":
            result = ev
    if result is None:
        raise RuntimeError("the answer chain ended without a result")
    return {k: v for k, v in result.items() if k != "type"}
def _holds_asked_kind(evidence, checks) -> bool:
    """Some sentence of the answer holds an answer of the kind the question asks for (or it asks for no kind)."""
    from jianghua.assistant.answer_type import holds
    kind = getattr(evidence, "kind", None)
    if kind is None or kind[0] == "explanation":
        return True
    return any(holds(kind, c.text, evidence.question.text) for c in checks if "template" not in c.flags)


def _named_documents(trace: dict | None) -> set[str] | None:
    """The retrieved documents the question named (a year, type, speaker or title the search scoped to)."""
    scope = (trace or {}).get("scope") or {}
    return set(scope.get("hit_documents") or ()) if scope.get("applied") else None


def _normalised(history: list[dict]) -> list[dict]:
    """The conversation with every turn's text normalised as a question is (quotes, width, script)."""
    return [{**t, "content": normalise(str(t.get("content", "")))} for t in history]


def _trace_hits(hits, sources) -> list[dict]:
    """The retrieved hits, then any passage the composition drew in beside them (a list that runs on into the
    next passage), marked ``expanded``: every cited chunk is in the trace."""
    out = [{k: v for k, v in h.to_dict().items() if k != "text"} for h in hits]
    seen = {h.chunk.id for h in hits}
    for s in sources:
        if s.hit.chunk.id not in seen:
            seen.add(s.hit.chunk.id)
            out.append({**{k: v for k, v in s.hit.to_dict().items() if k != "text"}, "expanded": True})
    return out


def _passage(sources, citation: dict) -> str:
    """What a citation's sentence is checked against: the whole passage (chunk) the marker opens, after the section
    headings it sits under (what the passage is about: an item of "三、2025年政府工作任务" answers a question about those
    tasks though its own text does not repeat them). Not its document's title: every passage of a document would then
    be relevant to any question naming the document."""
    for s in sources:
        if s.hit.chunk.id == citation["chunk_id"] and s.start == citation["start"] and s.end == citation["end"]:
            heads = [h for h in s.hit.chunk.section if h and h not in s.hit.chunk.text]
            return "\n".join([*heads, s.hit.chunk.text])
    return citation["quote"]


def c_text(check) -> str:
    """A checked sentence as shown: its markers restored before the stop, unsupported ones marked."""
    body = check.text
    marks = "".join(f"[{n}]" for n in check.citations)
    m = re.search(r"[。！？；]$", body)
    stop = m.group() if m else ""
    core = body[: len(body) - len(stop)] if stop else body
    flag = UNSUPPORTED_MARK if not check.supported and "template" not in check.flags else ""
    return f"{core}{marks}{flag}{stop}"
