"""Character-bigram overlap: the support measure verification, attribution, ranking and change detection share."""
from __future__ import annotations

import re

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    """The character bigrams of ``text`` with spaces, punctuation and markers' brackets removed."""
    t = _NOISE.sub("", text)
    return {t[i:i + 2] for i in range(len(t) - 1)} if len(t) > 1 else ({t} if t else set())
