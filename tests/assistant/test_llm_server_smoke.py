"""The wire the `openai` generator uses, end to end against a real model.

A real llama-cpp-python server (tests/llm_server.py) runs Qwen2.5-Coder-0.5B-
Instruct; these tests talk to it with langchain-openai's ChatOpenAI (what the
product uses) and with the official openai client.

Note on length caps: ChatOpenAI sends `max_tokens` as `max_completion_tokens`,
which llama-cpp-python 0.3.36's server silently ignores (it reads only
`max_tokens`), so the cap is passed through `extra_body` as well.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

MAX_TOKENS = 48
SYSTEM = "你是讲话助手。请用简体中文简洁回答，不超过两句话。"
QUESTION = "“实事求是”是什么意思？"


def _chat(llm_server, **kw):
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=llm_server.base_url,
        api_key=llm_server.api_key,
        model=llm_server.model,
        temperature=0,
        max_tokens=MAX_TOKENS,
        extra_body={"max_tokens": MAX_TOKENS},
        timeout=60,
        max_retries=0,
        **kw,
    )


def _messages():
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=SYSTEM), HumanMessage(content=QUESTION)]


def test_langchain_invoke_returns_text(llm_server):
    reply = _chat(llm_server).invoke(_messages())
    assert isinstance(reply.content, str)
    assert reply.content.strip(), reply
    usage = reply.usage_metadata or {}
    if usage.get("output_tokens") is not None:  # the cap reached the server
        assert usage["output_tokens"] <= MAX_TOKENS


def test_langchain_stream_yields_several_chunks(llm_server):
    chunks = [c.content for c in _chat(llm_server, streaming=True).stream(_messages())]
    text_chunks = [c for c in chunks if isinstance(c, str) and c]
    assert len(text_chunks) > 1, chunks
    assert "".join(text_chunks).strip()


def test_openai_client_streams(llm_server):
    from openai import OpenAI

    client = OpenAI(base_url=llm_server.base_url, api_key=llm_server.api_key, timeout=60, max_retries=0)
    stream = client.chat.completions.create(
        model=llm_server.model,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}],
        temperature=0,
        max_tokens=MAX_TOKENS,
        stream=True,
    )
    deltas, finish = [], None
    for event in stream:
        if not event.choices:
            continue
        choice = event.choices[0]
        if choice.delta and choice.delta.content:
            deltas.append(choice.delta.content)
        finish = choice.finish_reason or finish
    assert len(deltas) > 1, deltas
    assert "".join(deltas).strip()
    assert finish in ("stop", "length"), finish
