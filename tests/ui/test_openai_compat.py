"""/v1: the official ``openai`` client against a real ``jianghua serve`` (uvicorn) process on loopback, plus the
edge cases through the in-process client."""
from __future__ import annotations

import httpx
import openai
import pytest

from tests.ui.conftest import QUESTION
from tests.ui.test_api import assert_error, assert_quotes_from_the_gold_speech

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def oai(served):
    http = httpx.Client(trust_env=False, timeout=120)
    yield openai.OpenAI(base_url=served + "/v1", api_key="not-needed", http_client=http, max_retries=0)
    http.close()


def test_models(oai):
    assert [m.id for m in oai.models.list()] == ["jianghua"]


def test_chat_completion(oai):
    resp = oai.chat.completions.create(model="jianghua", messages=[
        {"role": "system", "content": "你是讲话助手。"}, {"role": "user", "content": QUESTION}])
    assert resp.object == "chat.completion" and resp.model == "jianghua"
    text = resp.choices[0].message.content
    assert "[1]" in text and resp.choices[0].finish_reason == "stop"
    citations = resp.model_extra["citations"]
    assert citations[0]["n"] == 1 and citations[0]["quote"] and citations[0]["title"]
    assert isinstance(resp.model_extra["grounded"], bool)
    assert_quotes_from_the_gold_speech(citations)
    # follow-up: the earlier turns are the history
    follow = oai.chat.completions.create(model="jianghua", messages=[
        {"role": "user", "content": QUESTION}, {"role": "assistant", "content": text},
        {"role": "user", "content": "具体有哪些要求？"}])
    assert follow.choices[0].message.content


def test_chat_completion_stream(oai):
    chunks = list(oai.chat.completions.create(model="jianghua", stream=True,
                                              messages=[{"role": "user", "content": QUESTION}]))
    assert len(chunks) >= 3 and all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and "[1]" in text
    assert last.model_extra["citations"] and last.model_extra["answer"] == text


def test_errors_reach_the_client(oai):
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(model="jianghua", messages=[{"role": "user", "content": "问" * 3000}])
    assert "上限" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError):
        oai.chat.completions.create(model="jianghua", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.UnprocessableEntityError):
        oai.chat.completions.create(model="jianghua", messages=[])


def test_stream_error_before_text(oai):
    with pytest.raises(openai.BadRequestError):
        list(oai.chat.completions.create(model="jianghua", stream=True, messages=[{"role": "user", "content": " "}]))


def test_content_parts_and_bad_shapes(client):
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "temperature": 0.2, "messages": [
        {"role": "user", "content": [{"type": "text", "text": QUESTION}, {"type": "image_url", "image_url": {}}]}]})
    assert r.status_code == 200 and "[1]" in r.json()["choices"][0]["message"]["content"]
    assert_error(client.post("/v1/chat/completions", json={"messages": [{"role": "robot", "content": "x"}]}), 422)
    assert_error(client.post("/v1/chat/completions", json={"messages": "hello"}), 422)
    assert_error(client.post("/v1/chat/completions", json={}), 422)
    assert_error(client.post("/v1/nothing", json={}), 404)
