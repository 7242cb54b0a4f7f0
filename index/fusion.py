"""Reciprocal rank fusion of ranked lists."""
from __future__ import annotations

from typing import Hashable, Sequence


def rrf(ranked: Sequence[Sequence[Hashable]], weights: Sequence[float], k: int = 60) -> list[tuple[Hashable, float]]:
    """Fuse ranked id lists: score(id) = Σ weight / (k + rank), rank counted from 1. Ties keep first-seen order."""
    if len(ranked) != len(weights):
        raise ValueError("one weight per ranked list")
    scores: dict[Hashable, float] = {}
    for ids, w in zip(ranked, weights):
        if w == 0:
            continue
        for rank, i in enumerate(ids, start=1):
            scores[i] = scores.get(i, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
