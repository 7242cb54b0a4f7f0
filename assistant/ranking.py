"""Which retrieved sentence answers the question: features of every sentence, scored by a fitted model.

Each sentence of each retrieved passage gets a feature vector (``SENTENCE_FEATURES``): how much of the question's
content it holds (as terms, with its neighbours, in its passage, as character bigrams), whether it holds an answer of
the asked kind, how new it is beside the question, its passage's rank and dense similarity, and whether it is a
heading, a title line or a meta sentence ("下面，我讲三点意见"). The weights are a logistic model fitted on CMRC 2018
trial and the seed set's development half (``benchmarks/fit_answerability.py``), stored in ``answerability.json``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from jianghua.assistant.answer_type import holds
from jianghua.assistant.citations import Source
from jianghua.assistant.enumeration import item_marker
from jianghua.assistant.evidence import SALUTATION, sentences_of
from jianghua.assistant.question import Question
from jianghua.assistant.overlap import bigrams
from jianghua.records import Hit

SENTENCE_FEATURES = ("cov", "cov_window", "cov_passage", "bigram", "kind_expected", "kind_holds", "novelty",
                     "inv_rank", "dense_gap", "heading", "meta", "log_len", "cov_gap", "window_gap", "bigram_gap",
                     "after_best", "cov_local", "local_gap", "rare_hit", "topic_only")

# a sentence that announces the speech's own structure or manners rather than saying anything about the subject
META = re.compile(r"^(?:下面|接下来|现在|最后|借此机会|在此)?[，,]?\s*(?:我|结合[^，。]{0,20}[，,]\s*我)?"
                  r"(?:就|先|再|简要|重点|主要)?(?:讲|谈|说|提)(?:[一二三四五六七八九十两几]+(?:点|个方面|条))"
                  r"|^(?:同志们|各位|大家)[，,！!：:]|(?:讲|谈|说)[一二三四五六七八九十两几]+点(?:意见|感受|建议|看法|体会)"
                  rf"|{SALUTATION.pattern}$")
_TERMINAL = re.compile(r"[。！？；!?;…”」』)）]$")


@dataclass
class Candidate:
    source: Source
    features: dict[str, float]
    index: int                 # position of the sentence in its passage
    score: float = 0.0
    flags: set[str] = field(default_factory=set)

    @property
    def quote(self) -> str:
        return self.source.quote


@lru_cache(maxsize=65536)
def _token_set(tokenizer, text: str) -> frozenset[str]:
    return frozenset(tokenizer.tokens(text))


def token_set(tokens, text: str) -> frozenset[str]:
    """``set(tokens(text))``, cached per tokenizer: the same passages come back for many questions."""
    owner = getattr(tokens, "__self__", None)
    if owner is not None and getattr(owner, "tokens", None) == tokens:
        return _token_set(owner, text)
    return frozenset(tokens(text))


HEADLINE_CHARS = 100
HEADLINE = re.compile(r"——|^【[^】]{1,6}】|[\u4e00-\u9fff] [\u4e00-\u9fff]|^[\u4e00-\u9fff]{2,8}评论员[：:]")


def is_heading(text: str, hit: Hit) -> bool:
    """A heading or title line: one of the passage's section headings, its document's title, or a line that does not
    end as a sentence does — short, or one clause (a headline)."""
    t = text.strip()
    if t == hit.title.strip() or t in (s.strip() for s in hit.chunk.section):
        return True
    if _TERMINAL.search(t):
        return False
    if hit.title.strip() and t.startswith(hit.title.strip()):       # the title line, with its date and speaker
        return True
    # a short line, or a headline of a web page (a related article's title: 【专题】…, …——习近平总书记在…的重要讲话…,
    # 人民日报评论员：…, 习近平强调 全党必须…): longer, yet one clause without a sentence's stop, marked as a headline
    return len(t) <= 40 or (len(t) <= HEADLINE_CHARS and "，" not in t and "," not in t and bool(HEADLINE.search(t)))


# the ceremony of a report or speech: presenting it for review (我代表…向大会报告工作，请予审议 / 请各位代表审议) and thanks or
# greetings to its audience (向…表示衷心的感谢, 致以崇高的敬意)
CEREMONY = re.compile(r"请(?:予以?|各位代表|大会)审议|(?:表示|致以)(?:衷心|诚挚|崇高|亲切|最)[^，。]{0,6}(?:感谢|谢意|敬意|问候)")
HEADER_LINE = re.compile(r"^(?:标题|日期|来源|作者|发布时间|编辑|专栏|责任编辑|原标题)\s*[:：]|https?://|www\.")


# an editor's note of where a text was said: "（这是习近平总书记2019年6月24日在…时的讲话。）", "※这是…讲话的主要部分"
SOURCE_NOTE = re.compile(r"^[（(※]\s*这是[^。]{0,80}(?:讲话|发言|报告|致辞|演讲|谈话)(?:的(?:一部分|主要部分|节选|要点))?"
                         r"[。]?[）)]?$")


def is_meta(text: str) -> bool:
    """A sentence about the speech rather than of it: an announcement of its parts ("下面，我讲三点意见"), a
    salutation, its ceremony (…请予审议, 向…表示衷心的感谢), an editor's note of its occasion (（这是…时的讲话。）), or a
    header line of the file (来源：https://…, 标题：…, a web address)."""
    t = text.strip()
    return bool(META.search(t) or HEADER_LINE.search(t) or CEREMONY.search(t) or SOURCE_NOTE.match(t))


def candidates(q: Question, hits: list[Hit], tokens, kind, dense: list[float | None] | None = None,
               max_hits: int = 6) -> list[Candidate]:
    """Every sentence of the first ``max_hits`` passages with its features (unscored)."""
    dense = dense or [None] * len(hits)
    known = [d for d in dense[:max_hits] if d is not None]
    top_dense = max(known) if known else None
    qgrams = bigrams(q.content_text())
    question_grams = bigrams(q.text)
    out: list[Candidate] = []
    sets: list[set[str]] = []
    for rank, hit in enumerate(hits[:max_hits], 1):
        sents = sentences_of(hit)
        if not sents:
            continue
        toks = [token_set(tokens, s.quote) for s in sents]
        context = " ".join([hit.title, *hit.chunk.section, hit.chunk.text])
        cov_passage = q.coverage(context, token_set(tokens, context))
        d = dense[rank - 1]
        dense_gap = (d - top_dense) if (d is not None and top_dense is not None) else 0.0
        for i, src in enumerate(sents):
            text = src.quote
            window = " ".join(s.quote for s in sents[max(0, i - 1): i + 2])
            wtoks = set().union(*toks[max(0, i - 1): i + 2])
            g = bigrams(text)
            feats = {
                "cov": q.coverage(text, toks[i]),
                "cov_window": q.coverage(window, wtoks),
                "cov_passage": cov_passage,
                "bigram": len(qgrams & g) / len(qgrams) if qgrams else 0.0,
                "kind_expected": 1.0 if kind is not None else 0.0,
                "kind_holds": 1.0 if kind is not None and (holds(kind, text, q.text) or _items_follow(kind, text, sents, i))
                else 0.0,
                "novelty": len(g - question_grams) / len(g) if g else 0.0,
                "inv_rank": 1.0 / rank,
                "dense_gap": dense_gap,
                "heading": 1.0 if is_heading(text, hit) else 0.0,
                "meta": 1.0 if is_meta(text) else 0.0,
                "log_len": math.log(1 + len(text)),
            }
            out.append(Candidate(src, feats, i))
            sets.append(toks[i])
    _local(q, out, sets)
    _relative(out)
    return out


def _items_follow(kind, text: str, sents: list[Source], i: int) -> bool:
    """A numbered formulation explained by the enumeration that follows its sentence ("…提出了更为迫切的要求。一是…")."""
    return (kind[0] == "explanation" and bool(kind[1]) and kind[1] in text and i + 1 < len(sents)
            and item_marker(sents[i + 1].quote) is not None)


def _local(q: Question, cands: list[Candidate], toks: list[set[str]]) -> None:
    """Coverage with weights local to the candidates: a term every retrieved sentence shares (the passage's topic,
    "乍都节公园") tells them apart less than one only a few hold ("面积")."""
    n = len(cands)
    if not n:
        return
    texts = [c.quote.lower() for c in cands]
    weights = {}
    for t in q.terms:
        k = sum(1 for text, ts in zip(texts, toks) if t.text in ts or t.text in text)
        weights[t.text] = math.log(1 + n / (1 + k)) * (1.0 if t.seen else 0.0)
    total = sum(weights.values()) or 1.0
    rarest = max(weights, key=weights.get) if weights else None
    common = {t for t in weights if sum(1 for text in texts if t in text) >= max(2, n // 2)}
    for c, text, ts in zip(cands, texts, toks):
        held = {t for t in weights if t in ts or t in text}
        c.features["cov_local"] = sum(weights[t] for t in held) / total
        # holds the question's most distinctive term here; holds only what most candidates share (the topic)
        c.features["rare_hit"] = 1.0 if rarest is not None and rarest in held and rarest not in common else 0.0
        c.features["topic_only"] = 1.0 if held and held <= common else 0.0
    best = max(c.features["cov_local"] for c in cands)
    for c in cands:
        c.features["local_gap"] = c.features["cov_local"] - best


def _relative(cands: list[Candidate]) -> None:
    """Features relative to the question's best candidate: how far each is from the best coverage, and whether it
    follows the best-covered sentence (the answer often comes right after the sentence that restates the question)."""
    if not cands:
        return
    best = {f: max(c.features[f] for c in cands) for f in ("cov", "cov_window", "bigram")}
    top = max(cands, key=lambda c: (c.features["cov"], c.features["bigram"]))
    for c in cands:
        c.features["cov_gap"] = c.features["cov"] - best["cov"]
        c.features["window_gap"] = c.features["cov_window"] - best["cov_window"]
        c.features["bigram_gap"] = c.features["bigram"] - best["bigram"]
        c.features["after_best"] = 1.0 if (c.source.hit is top.source.hit and c.index == top.index + 1) else 0.0


def score(cands: list[Candidate], model) -> list[Candidate]:
    """Score with ``model`` (an ``answerability.Logistic`` over ``SENTENCE_FEATURES``), best first."""
    for c in cands:
        c.score = model.prob(c.features)
    cands.sort(key=lambda c: -c.score)
    return cands
