"""Question-side rewriting of the keyword query (the dense query keeps the question as asked).

- question boilerplate (打算, 希望, 有哪些, 是多少, 怎样 …) is dropped: it names the kind of answer, not its words;
- words that named the search scope (2019, 去年, a speaker, 政府工作报告) are dropped when the scope is applied —
  the scope already holds them, and 2019 inside other years' reports would pull those in;
- 公文 abbreviations and colloquial forms add the corpus's wording (``index/synonyms.json``: 专项债 → 地方政府专项债券,
  CPI → 居民消费价格 …).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

BOILERPLATE = frozenset(
    "打算 希望 准备 有哪些 哪几 几个 几项 是多少 怎样 怎么样 应当 应该 需要 如何 做了 采取 什么样 哪方面 方面 情况 "
    "内容 主要 一共 定 定的 里 报告里 中 提出 提到 讲了 说了 怎么办 怎么 处理 多少 什么 哪些 要求 有何 何 是 "
    "回顾 时候 哪年 哪一年".split())


@lru_cache(maxsize=1)
def synonyms() -> dict[str, list[str]]:
    data = json.loads(resources.files("jianghua.index").joinpath("synonyms.json").read_text(encoding="utf-8"))
    return data["pairs"]


def keyword_terms(query: str, terms: list[str], tokenizer, drop: set[str] | None = None,
                  boilerplate: bool = True, expand: bool = True) -> tuple[list[str], dict]:
    """(terms for BM25, what changed) from the question's tokens ``terms``."""
    drop = drop or set()
    out = [t for t in terms if t not in drop and not (boilerplate and t in BOILERPLATE)]
    added: list[str] = []
    if expand:
        for short, full in synonyms().items():
            if short.lower() in query.lower():
                for f in full:
                    added += [t for t in tokenizer.tokens(f) if t not in out and t not in added]
    if not out and not added:        # a question of nothing but boilerplate keeps its words
        out = list(terms)
    change = {k: v for k, v in (("dropped", [t for t in terms if t not in out]), ("added", added)) if v}
    return out + added, change
