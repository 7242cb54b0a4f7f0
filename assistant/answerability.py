"""Answer or decline: a decision from evidence that holds on any corpus, by models fitted on data.

Question-level features (``ANSWER_FEATURES``) describe what retrieval found for this question: the best sentence's
score and content coverage, how much of the question the corpus never uses (``unseen_share``), the best passage's
coverage, whether quoted phrases occur verbatim, whether a sentence of the asked kind (number, date, person) is
among the best, and — when the passages are embedded — the dense similarity of question and best passage and
whether keyword and dense retrieval agree. Two logistic models are fitted (``benchmarks/fit_answerability.py``) on
CMRC 2018 trial questions asked of their own passages (answerable) and of the speeches (not), plus the project's
development halves; the one with dense features is used when the passages have vectors, the lexical one otherwise.
Parameters, thresholds and what they were fitted on live in ``answerability.json``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jianghua.assistant.question import Question

ANSWER_FEATURES = ("best_score", "best_cov", "best_cov_window", "max_cov", "max_passage_cov", "unseen_share",
                   "log_terms", "quoted_found", "kind_expected", "kind_found", "dense_top", "agree")
DENSE_ONLY = ("dense_top", "agree")
LEXICAL_FEATURES = tuple(f for f in ANSWER_FEATURES if f not in DENSE_ONLY)


@dataclass
class Logistic:
    features: tuple[str, ...]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    threshold: float = 0.5

    def prob(self, x: dict[str, float]) -> float:
        z = self.bias
        for f, m, s, w in zip(self.features, self.mean, self.scale, self.weights):
            z += w * ((float(x.get(f, 0.0)) - m) / s)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def from_dict(cls, d: dict) -> "Logistic":
        return cls(tuple(d["features"]), list(d["mean"]), list(d["scale"]), list(d["weights"]), float(d["bias"]),
                   float(d.get("threshold", 0.5)))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean, "scale": self.scale, "weights": self.weights,
                "bias": self.bias, "threshold": self.threshold}


@dataclass
class Models:
    sentence: Logistic          # does this sentence answer the question
    answer_dense: Logistic      # can the evidence answer it (passages embedded)
    answer_lexical: Logistic    # … (no vectors yet)
    second_cut: float           # a second sentence is kept when its score reaches this share of the first's
    relevance_cut: float        # a cited passage must hold this share of the question's content (verify)
    fitted_on: dict
    context_chars: int = 0      # an extractive answer shorter than this takes the sentences after its own
    sentence_dense: dict | None = None   # {"top": K, "weight": w}: the best K sentences re-weighed by their own vectors


@lru_cache(maxsize=1)
def models() -> Models:
    d = json.loads(resources.files("jianghua.assistant").joinpath("answerability.json").read_text(encoding="utf-8"))
    return Models(Logistic.from_dict(d["sentence"]), Logistic.from_dict(d["answer_dense"]),
                  Logistic.from_dict(d["answer_lexical"]), float(d["second_cut"]), float(d["relevance_cut"]),
                  d.get("fitted_on", {}), int(d.get("context_chars", 0)), d.get("sentence_dense"))


def features(q: Question, ranked: list, hits: list, dense: list[float | None], kind) -> dict[str, float]:
    """``ranked``: scored ``ranking.Candidate``s, best first; ``dense``: cosine per hit (None when not embedded)."""
    best = ranked[0] if ranked else None
    top = ranked[:3]
    passage_text = " ".join(h.chunk.text for h in hits[:3])
    quoted = q.quoted
    x = {
        "best_score": best.score if best else 0.0,
        "best_cov": best.features["cov"] if best else 0.0,
        "best_cov_window": best.features["cov_window"] if best else 0.0,
        "max_cov": max((c.features["cov"] for c in ranked), default=0.0),
        "max_passage_cov": max((c.features["cov_passage"] for c in ranked), default=0.0),
        "unseen_share": q.unseen_share,
        "log_terms": math.log(1 + len(q.terms)),
        "quoted_found": (sum(1 for p in quoted if p in passage_text) / len(quoted)) if quoted else 1.0,
        "kind_expected": 1.0 if kind is not None else 0.0,
        "kind_found": 1.0 if kind is not None and any(c.features["kind_holds"] for c in top) else 0.0,
    }
    known = [v for v in dense if v is not None]
    if known:
        x["dense_top"] = max(known)
        h = hits[0] if hits else None
        x["agree"] = 1.0 if h is not None and (h.keyword_rank or 99) <= 3 and (h.dense_rank or 99) <= 3 else 0.0
    return x


@dataclass
class Decision:
    answer: bool
    probability: float
    model: str
    features: dict[str, float]

    def as_dict(self) -> dict:
        return {"answer": self.answer, "probability": round(self.probability, 4), "model": self.model,
                "features": {k: round(v, 4) for k, v in self.features.items()}}


def decide(x: dict[str, float]) -> Decision:
    m = models()
    model, name = (m.answer_dense, "dense") if "dense_top" in x else (m.answer_lexical, "lexical")
    p = model.prob(x)
    return Decision(p >= model.threshold, p, name, x)
