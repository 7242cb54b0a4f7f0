"""Server-sent events from the assistant's event iterator.

The first event is taken before the response starts, so that an error raised before any text (empty knowledge
base, failing generator) still becomes an ordinary HTTP error with its status; a later error becomes a final
``error`` event (logged), since the status line is already sent by then.
"""
from __future__ import annotations

import itertools
import json
import logging
from typing import Callable, Iterable, Iterator

from fastapi.responses import StreamingResponse

from ui.errors import describe

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
    return itertools.chain([first], it)


def stream(events: Iterator[dict], render: Callable[[dict], Iterable[str]], tail: Iterable[str],
           on_error: Callable[[int, dict], str]) -> StreamingResponse:
    """``render`` turns one event into frames; ``tail`` closes a successful stream; ``on_error`` frames a failure."""

    def body() -> Iterator[str]:
        try:
            for ev in events:
                yield from render(ev)
        except Exception as e:  # headers are sent: report in-band, and log; never swallowed
            status, err = describe(e)
            log.error("stream failed after it started: %s", e, exc_info=status >= 500)
            yield on_error(status, err)
            return
        yield from tail

    return StreamingResponse(body(), media_type="text/event-stream", headers=HEADERS)
