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


_ADAPTIVE = None


def adaptive_config() -> dict:
    global _ADAPTIVE
    if _ADAPTIVE is None:
        import json
        from importlib import resources
        _ADAPTIVE = json.loads(resources.files("jianghua.index").joinpath("fusion.json").read_text(encoding="utf-8"))
    return _ADAPTIVE


def keyword_coverage(idf: dict[str, float], matched: Sequence[str]) -> float:
    """Share of the keyword query's idf mass that its best passage holds (1.0 for a query with no terms)."""
    total = sum(idf.values())
    return sum(idf.get(t, 0.0) for t in set(matched)) / total if total > 0 else 1.0


def adaptive_weights(coverage: float, keyword_weight: float, dense_weight: float,
                     config: dict | None = None) -> tuple[float, float]:
    """(keyword, dense) RRF weights: the configured ones, or the low-coverage ones below the threshold."""
    c = config or adaptive_config()
    if coverage < c["coverage_threshold"]:
        low = c["low_coverage_weights"]
        return float(low["keyword"]), float(low["dense"])
    return keyword_weight, dense_weight
