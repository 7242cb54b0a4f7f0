"""Keyword tokens: jieba (search mode) with the domain lexicon, stop words and punctuation dropped."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from importlib import resources
from pathlib import Path

from jianghua.errors import InputError

STOPWORDS = frozenset(
    "的 了 和 与 及 以及 或 在 是 要 等 把 对 为 以 于 并 而 也 又 都 就 这 那 其 之 将 被 从 由 向 上 中 下 "
    "我们 你们 他们 我 你 他 她 它 各 个 一 不 有 没有 什么 哪些 怎么 如何 怎样 为什么 多少 吗 呢 吧 啊 哪 谁 "
    "做 哪个 还 来 去 给 让 着 过 得 地 所 所以 因为 如果 但 但是 可以 能 该 此 这个 那个 这些 那些 "
    "一个 进行 方面 问题 工作 提出 提到 讲 讲话 说 具体 什么样 是否 请问".split())
_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_lock = threading.Lock()
_cache: dict[str, "Tokenizer"] = {}


def builtin_lexicon() -> list[str]:
    text = resources.files("jianghua.index").joinpath("lexicon.txt").read_text(encoding="utf-8")
    return _parse(text)


def _parse(text: str) -> list[str]:
    return [ln.split()[0] for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def read_lexicon(path: Path | None) -> list[str]:
    terms = builtin_lexicon()
    if path is not None:
        try:
            terms += _parse(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read lexicon file {path}: {e}") from e
    return list(dict.fromkeys(terms))


class Tokenizer:
    """A jieba tokenizer with its own dictionary additions (one instance per lexicon)."""

    def __init__(self, terms: list[str]):
        self.terms = terms
        # the signature names everything that decides the tokens: lexicon and stop words
        self.signature = hashlib.sha256(("\n".join(terms) + "\0" + " ".join(sorted(STOPWORDS))).encode()).hexdigest()[:12]
        self._jieba = None

    def _load(self):
        if self._jieba is None:
            import jieba
            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
            for t in self.terms:
                tk.add_word(t, freq=max(2000, tk.suggest_freq(t, False)))
            self._jieba = tk
        return self._jieba

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens: long words and their parts, lower-cased, stop words and punctuation dropped."""
        tk = self._load()
        out = []
        for w in tk.cut_for_search(text, HMM=True):
            w = w.strip().lower()
            if w and w not in STOPWORDS and _WORD.search(w):
                out.append(w)
        return out


def get_tokenizer(lexicon_path: Path | None = None) -> Tokenizer:
    terms = read_lexicon(lexicon_path)
    key = hashlib.sha256("\n".join(terms).encode()).hexdigest()
    with _lock:
        if key not in _cache:
            _cache[key] = Tokenizer(terms)
        return _cache[key]
