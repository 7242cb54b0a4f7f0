"""Generators behind one Protocol: ``extractive`` (default, no language model; ``assistant/extractive.py``) and
``openai`` (any OpenAI-compatible chat server through langchain-openai).

A generator turns a question, the retrieved passages and the weighed evidence into a ``Composition``: the sources
its markers [n] point at, and a stream of text deltas with those markers inline. Both decline on the same decision
(``assistant/answerability.py``): a language model is asked only when the evidence can answer. What each can do
besides (rewrite a follow-up, stream, draft) it declares in ``capabilities``.
"""
from __future__ import annotations

from typing import Iterator

from jianghua.assistant.citations import context_block, whole
from jianghua.assistant.composition import DECLINE, Capabilities, Composition, Generator, Job, Writer, declined
from jianghua.assistant.extractive import LIST_Q, ExtractiveGenerator, as_answer_sentence
from jianghua.errors import GeneratorError
from jianghua.settings import Settings

__all__ = ["DECLINE", "Capabilities", "Composition", "Generator", "Job", "Writer", "ExtractiveGenerator",
           "OpenAIGenerator", "LIST_Q", "as_answer_sentence", "make_generator"]


class OpenAIGenerator:
    """Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp server, DeepSeek, Qwen) via langchain-openai."""

    name = "openai"
    # follow-ups are rewritten by the model (the extractive condenser as fallback); tokens streamed; model drafts
    capabilities = Capabilities(condense=True, stream=True, draft=True)

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
        ev = job.evidence
        if ev is None or not ev.decision.answer:
            return declined(job)
        if ev.redacted is not None:
            return declined(job, "redacted")
        sources = [whole(h) for h in job.hits]
        from jianghua.prompts import load
        system = load(self.prompt).replace("{context}", context_block(sources))
        return Composition(sources, self.stream_text(self.messages(system, job.history, job.question)))


def make_generator(settings: Settings) -> Generator:
    if settings.generator == "openai":
        return OpenAIGenerator(settings)
    return ExtractiveGenerator()
