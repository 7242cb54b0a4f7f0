"""Server-sent events from the assistant's event iterator.

The first event is taken before the response starts, so that an error raised before any text (empty knowledge
base, failing generator) still becomes an ordinary HTTP error with its status; a later error becomes a final
``error`` event (logged), since the status line is already sent by then.
"""
from __future__ import annotations

import json
import logging
from typing import Callable, Iterable, Iterator

from fastapi.responses import StreamingResponse

from jianghua.ui.errors import describe

log = logging.getLogger("jianghua.api")

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def frame(data, event: str | None = None) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return (f"event: {event}\n" if event else "") + f"data: {text}\n\n"


def started(events: Iterable[dict]) -> Iterator[dict]:
    """The same events, the first one already computed (its errors raise here, in the request)."""
    it = iter(events)
    try:
        first = next(it)
    except StopIteration:
        return iter(())

    def rest() -> Iterator[dict]:
        try:
            yield first
            yield from it
        finally:                     # closing the stream closes the assistant's generator (and its connections)
            close = getattr(it, "close", None)
            if close is not None:
                close()
    return rest()


def stream(events: Iterator[dict], render: Callable[[dict], Iterable[str]], tail: Iterable[str],
           on_error: Callable[[int, dict], str]) -> StreamingResponse:
    """``render`` turns one event into frames; ``tail`` closes a successful stream; ``on_error`` frames a failure.

    Frames are encoded here, inside the error handling, so that even a frame that cannot be encoded ends the stream
    with an ``error`` event rather than a dropped connection. A client that goes away closes the events at once."""

    def body() -> Iterator[bytes]:
        try:
            for ev in events:
                for text in render(ev):
                    yield text.encode("utf-8")
            for text in tail:
                yield text.encode("utf-8")
        except Exception as e:  # headers are sent: report in-band, and log; never swallowed
            status, err = describe(e)
            log.error("stream failed after it started: %s", e, exc_info=status >= 500)
            yield on_error(status, err).encode("utf-8", "replace")
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()

    return StreamingResponse(body(), media_type="text/event-stream", headers=HEADERS)
