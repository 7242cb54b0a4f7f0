"""The retrieval chain, as langchain Runnables:

    follow-up → standalone question → hybrid retrieval → composition by a generator → citation verification

``Assistant.ask`` runs it whole; ``ask_stream`` yields the composition's text deltas, then the verified result.
"""
from __future__ import annotations

import time
from typing import Iterator

from langchain_core.runnables import RunnableLambda

from assistant.citations import renumber
from assistant.condense import condense_with_llm, condense_without_llm
from assistant.generators import DECLINE, Composition, Job, OpenAIGenerator, make_generator
from assistant.verify import verify
from index.search import HybridSearcher
from jianghua.settings import Settings

ANSWER_HITS = 6
UNSUPPORTED_MARK = "〔未经资料证实〕"


class Assistant:
    def __init__(self, searcher: HybridSearcher, settings: Settings, generator=None):
        self.searcher = searcher
        self.settings = settings
        self.generator = generator or make_generator(settings)
        self.prepare = RunnableLambda(self._condense) | RunnableLambda(self._retrieve)
        self.chain = self.prepare | RunnableLambda(self._compose) | RunnableLambda(self._finish)

    # -- stages ------------------------------------------------------------------------------------------------
    def _condense(self, state: dict) -> dict:
        t0 = time.perf_counter()
        view = self.searcher.view(state.get("version"))
        state["view"], state["version"] = view, view.version   # pinned: a promotion meanwhile cannot mix versions
        q, history = state["question"], state["history"]
        if isinstance(self.generator, OpenAIGenerator) and history:
            state["standalone"] = condense_with_llm(q, history, self.generator)
        else:
            state["standalone"] = condense_without_llm(q, history, lambda text: self._key_terms(view, text))
        state["timings"] = {"condense_ms": (time.perf_counter() - t0) * 1000}
        return state

    @staticmethod
    def _key_terms(view, text: str) -> list[str]:
        terms = [t for t in dict.fromkeys(view.tokenizer.tokens(text)) if view.keyword.df(t)]
        return sorted(terms, key=lambda t: -view.keyword.idf(t))

    def _retrieve(self, state: dict) -> dict:
        t0 = time.perf_counter()
        res = self.searcher.search(state["standalone"], state.get("k", ANSWER_HITS), version=state.get("version"))
        state["hits"], state["search_trace"] = res.hits, res.trace
        view = state["view"]
        kw = view.keyword
        # terms the version never uses carry no weight: coverage measures how much of what the corpus could
        # match is matched
        state["job"] = Job(state["standalone"], res.hits, state["history"], view.tokenizer.tokens(state["standalone"]),
                           lambda t: kw.idf(t) if kw.df(t) else 0.0, view.tokenizer.tokens,
                           lambda hit: self.searcher.following(hit, version=state.get("version")))
        state["timings"]["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        return state

    def _compose(self, state: dict) -> dict:
        t0 = time.perf_counter()
        comp: Composition = self.generator.compose(state["job"])
        state["composition"] = comp
        state["text"] = "".join(comp.deltas)
        state["timings"]["compose_ms"] = (time.perf_counter() - t0) * 1000
        return state

    def _finish(self, state: dict) -> dict:
        t0 = time.perf_counter()
        comp: Composition = state["composition"]
        text = state["text"].strip()
        declined = comp.declined or not comp.sources or text.startswith(DECLINE[:6]) or "未找到相关内容" in text
        if declined:
            text, citations, invalid = DECLINE, [], []
            checks, _ = verify(text, {}, templates={0})
            grounded = True
        else:
            text, citations, _, invalid = renumber(text, comp.sources)
            quotes = {c["n"]: _passage(comp.sources, c) for c in citations}
            checks, grounded = verify(text, quotes)
            text = "".join(c_text(c) for c in checks) if checks else text
            grounded = grounded and not invalid
        state["timings"]["verify_ms"] = (time.perf_counter() - t0) * 1000
        state["timings"]["total_ms"] = sum(v for k, v in state["timings"].items() if k != "total_ms")
        return {
            "answer": text,
            "citations": citations,
            "grounded": grounded,
            "sentences": [c.as_dict() for c in checks],
            "closest": [h.to_dict() for h in comp.closest] if declined else [],
            "trace": {
                "question": state["question"], "standalone": state["standalone"],
                "generator": self.generator.name, "declined": declined, "invalid_markers": invalid,
                "hits": _trace_hits(state["hits"], comp.sources),
                "search": state["search_trace"], "timings": {k: round(v, 2) for k, v in state["timings"].items()},
            },
        }

    # -- entry points ------------------------------------------------------------------------------------------
    def ask(self, question: str, history: list[dict], version=None) -> dict:
        return self.chain.invoke({"question": question, "history": history, "version": version})

    def ask_stream(self, question: str, history: list[dict], version=None) -> Iterator[dict]:
        state = self.prepare.invoke({"question": question, "history": history, "version": version})
        t0 = time.perf_counter()
        comp = self.generator.compose(state["job"])
        parts = []
        for delta in comp.deltas:
            parts.append(delta)
            yield {"type": "delta", "text": delta}
        state["composition"], state["text"] = comp, "".join(parts)
        state["timings"]["compose_ms"] = (time.perf_counter() - t0) * 1000
        yield {"type": "result", **self._finish(state)}

    def draft(self, topic: str, occasion: str | None, length: int, version=None) -> dict:
        from assistant.drafting import Drafter
        return Drafter(self).draft(topic, occasion, length, version=version)


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
    """What a citation's sentence is checked against: the whole passage (chunk) the marker opens."""
    for s in sources:
        if s.hit.chunk.id == citation["chunk_id"] and s.start == citation["start"] and s.end == citation["end"]:
            return s.hit.chunk.text
    return citation["quote"]


def c_text(check) -> str:
    """A checked sentence as shown: its markers restored before the stop, unsupported ones marked."""
    import re
    body = check.text
    marks = "".join(f"[{n}]" for n in check.citations)
    m = re.search(r"[。！？；]$", body)
    stop = m.group() if m else ""
    core = body[: len(body) - len(stop)] if stop else body
    flag = UNSUPPORTED_MARK if not check.supported and "template" not in check.flags else ""
    return f"{core}{marks}{flag}{stop}"
