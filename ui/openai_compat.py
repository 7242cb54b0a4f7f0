"""An OpenAI-compatible face: POST /v1/chat/completions and GET /v1/models, so that chat clients (Open WebUI,
the ``openai`` package …) can use jianghua as a model named ``jianghua``.

The last user message is the question, the earlier user/assistant messages the history (system messages are
ignored). The answer carries its markers [n] inline; the cited passages travel in the extra field ``citations``
(with ``grounded`` and ``sentences``) on the completion, and on the last chunk of a stream.
"""
from __future__ import annotations

import time
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from jianghua.app import Jianghua
from jianghua.ui.api import get_app
from jianghua.ui.errors import ApiError
from jianghua.ui.models import ERRORS, MAX_HISTORY, MAX_TURN_CHARS, Text
from jianghua.ui.security import require_read
from jianghua.ui.sse import frame, started, stream

MODEL = "jianghua"
CREATED = int(time.time())

router = APIRouter(prefix="/v1", tags=["OpenAI 兼容"], dependencies=[Depends(require_read)], responses=ERRORS)


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""
    model_config = ConfigDict(extra="ignore")
    type: StrictStr
    text: Text | None = Field(None, max_length=MAX_TURN_CHARS)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[Text, Field(max_length=MAX_TURN_CHARS)] | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """Only the fields jianghua uses; the rest of OpenAI's parameters are accepted and ignored."""
    model_config = ConfigDict(extra="ignore")
    model: StrictStr = MODEL
    messages: list[ChatMessage] = Field(min_length=1, max_length=2 * MAX_HISTORY + 1)
    stream: StrictBool = False


def _text(msg: ChatMessage) -> str:
    if isinstance(msg.content, list):  # content parts: keep the text ones
        return "".join(p.text or "" for p in msg.content if p.type == "text")
    return msg.content or ""


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[dict]]:
    """(question, history) from a chat transcript."""
    last = messages[-1]
    if last.role != "user":
        raise ApiError(400, "bad_request", f"最后一条消息应来自用户（role 为 user），而不是 {last.role}：请把问题放在最后一条")
    history = [{"role": m.role, "content": _text(m)} for m in messages[:-1] if m.role in ("user", "assistant")]
    return _text(last), history


def _extras(result: dict) -> dict:
    from jianghua.ui.documents import public_sources
    return {"citations": public_sources(result.get("citations", [])), "grounded": result.get("grounded"),
            "sentences": result.get("sentences", [])}


@router.get("/models")
def models() -> dict:
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": "jianghua"}]}


@router.post("/chat/completions", responses={200: {"content": {"text/event-stream": {}},
                                                    "description": "a chat.completion, or chunks when streaming"}})
def chat_completions(body: ChatRequest, app: Jianghua = Depends(get_app)):
    question, history = split_messages(body.messages)
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if not body.stream:
        result = app.ask(question, history)
        return {"id": cid, "object": "chat.completion", "created": created, "model": MODEL,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": result.get("answer", "")}}],
                **_extras(result)}
    events = started(app.ask_stream(question, history))

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        return frame({"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                      "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    sent: list[str] = []

    def render(ev: dict):
        if ev.get("type") == "delta" and ev.get("text"):
            sent.append(ev["text"])
            yield chunk({"content": ev["text"]})
        elif ev.get("type") == "result":
            # The streamed text is the generator's; verification may add to it (unsupported sentences marked).
            # When it only adds at the end the rest goes out as content; the verified text is always in `answer`.
            answer, streamed = ev.get("answer", ""), "".join(sent)
            rest = answer[len(streamed):] if answer.startswith(streamed) else ""
            yield chunk({"content": rest} if rest else {}, "stop", answer=answer, **_extras(ev))

    head = [chunk({"role": "assistant", "content": ""})]
    return stream(_chain(head, events), lambda x: [x] if isinstance(x, str) else render(x), [frame("[DONE]")],
                  lambda status, err: frame({**err, "status": status}))


def _chain(head: list[str], events):
    yield from head
    yield from events
