"""Weighing the evidence for one question: which sentences answer it, and whether the corpus can answer at all.

``weigh`` reads the normalised question against the version's index (content terms, unseen terms), ranks every
sentence of the retrieved passages (``ranking``), and decides answer-or-decline (``answerability``). Both generators
receive the same ``Evidence``: the extractive one composes from its ranked sentences, a language model is only
called when the decision is to answer.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from jianghua.assistant import answerability, ranking
from jianghua.assistant.answer_type import expected, redacted
from jianghua.assistant.question import Question, analyse
from jianghua.assistant.overlap import bigrams
from jianghua.records import Hit

STRUCTURE_Q = ("几个方面", "哪几个方面", "几部分", "哪几部分", "结构", "框架", "提纲", "标题", "分几")


@dataclass
class Evidence:
    question: Question
    kind: tuple[str, str] | None
    ranked: list[ranking.Candidate]
    decision: answerability.Decision
    dense: list[float | None] = field(default_factory=list)
    redacted: ranking.Candidate | None = None     # the best sentence gives the asked figure only as ×××
    previous_count: int = 0                         # sentences in the previous answer of the conversation
    focus: Question | None = None                   # a follow-up's own words (``weigh``'s ``focus``)
    within: bool = False                            # it asks about a part of the previous answer (其中…), which
                                                    # one of that answer's sentences holds: ranked first

    @property
    def answerable(self) -> bool:
        return self.decision.answer and self.redacted is None

    def as_trace(self) -> dict:
        return {"terms": [{"term": t.text, "weight": round(t.weight, 3), "seen": t.seen} for t in self.question.terms],
                "kind": list(self.kind) if self.kind else None, "decision": self.decision.as_dict(),
                "redacted": self.redacted is not None,
                "best": [{"quote": c.quote[:80], "score": round(c.score, 4)} for c in self.ranked[:3]]}


def asks_structure(text: str) -> bool:
    return any(w in text for w in STRUCTURE_Q)


def weigh(text: str, hits: list[Hit], tokens, df, n_chunks: int, dense: list[float | None] | None = None,
          previous: list[str] | None = None, focus: str | None = None, beyond: bool = False,
          similar: Callable[[list[str]], list[float] | None] | None = None,
          continuation: list[str] | None = None, bare: bool = False, named: set[str] | None = None,
          used_by_documents: Callable[[list[str]], bool] | None = None, within: bool = False,
          continued_at: int | None = None, about: str | None = None) -> Evidence:
    """``text``: the standalone, normalised question; ``tokens``/``df``: the version's tokenizer and document
    frequencies; ``dense``: cosine of question and each hit (None where not embedded); ``previous``: the sentences of
    the previous answer in this conversation (a follow-up should say something new); ``focus``: a follow-up's own
    words (its references to the conversation removed), which rank the sentences once the decision is taken;
    ``beyond``: the follow-up asks for more than the previous answer said (除了…, …之外, 还提了什么), so its sentences go
    last once the decision is taken; ``similar``: cosine of the question and each of some sentences (their own
    vectors), which re-weighs the best few once the decision is to answer (``rerank_dense``); ``continuation``: the
    passages that follow the one the previous answer quoted (接着/下一段; given, even empty, the sentences keep the
    document's order rather than being re-weighed); ``bare``: the follow-up asks only for what
    comes next, so those passages answer it in the document's order even though it holds no word to weigh, and the
    previous answer's sentences are left out. ``continued_at``: where in the first of the ``continuation`` passages
    what follows begins; ``about``: the item of the previous answer the follow-up named by its ordinal, whose words
    count as the follow-up's own when those are not in the passages."""
    q = analyse(text, tokens, df, n_chunks)
    kind = expected(text)
    dense = list(dense) if dense is not None else [None] * len(hits)
    m = answerability.models()
    cands = ranking.score(ranking.candidates(q, hits, tokens, kind, dense), m.sentence)
    if not asks_structure(text):
        cands = [c for c in cands if not c.features["heading"] and not c.features["meta"]] or cands
    if previous:
        cands = _after_previous(cands, previous)
    x = answerability.features(q, cands, hits, dense, kind)
    decision = answerability.decide(x)
    red = None
    top = cands[:3]
    if kind is not None and kind[0] in ("number", "person") and top and not top[0].features["kind_holds"]:
        # the asked figure or name is blanked out in the sentences that would give it (×××件, *万元, **书记)
        red = next((c for c in top if redacted(c.quote)), None)
    if kind is not None and kind[0] == "explanation" and decision.answer and not any(
            c.features["kind_holds"] for c in top):
        # a numbered formulation (“四种病”) is answered only by its items; a passage that merely uses it is not
        decision = answerability.Decision(False, decision.probability, decision.model, {**x, "items_found": 0.0})
    if continuation and bare:
        # "下一段讲的是什么？": nothing to weigh but the place — what follows the passage the previous answer quoted,
        # never what was already said
        if previous:
            cands = [c for c in cands if "previous" not in c.flags] or cands
        ahead = _ahead(cands, continuation, continued_at)
        if ahead:
            cands = ahead + [c for c in cands if c not in ahead]
            if not decision.answer:
                decision = answerability.Decision(True, decision.probability, decision.model, {**x, "continued": 1.0})
    # "接着讲了什么？" asks for what follows, in the document's order: no re-weighing by likeness to the question
    if similar is not None and continuation is None and decision.answer and m.sentence_dense:
        cands = rerank_dense(cands, similar, int(m.sentence_dense["top"]), float(m.sentence_dense["weight"]))
    if named and decision.answer and continuation is None:     # "接着讲了什么？" keeps the document's order
        cands = _in_named(cands, named)
    if decision.answer and continuation is None:
        cands = _holding_quoted(cands, q.quoted)
    fq = analyse(focus, tokens, df, n_chunks) if focus else None
    if about and fq is not None and fq.terms and _off_focus(fq, hits, tokens):
        # "第二个打算靠什么来建？": its own words (靠, 建) are colloquial; the item it names (冰雪运动名城) is in the passages
        fq = analyse(f"{about}，{focus}", tokens, df, n_chunks)
    if (fq is not None and decision.answer and fq.terms and _off_focus(fq, hits, tokens)
            and not (used_by_documents is not None and used_by_documents([t.text for t in fq.terms]))):
        # the standalone question carries the previous topic; what the follow-up asks in its own words is not there,
        # nor anywhere in the documents the conversation is about (效果, 做到 are; 红烧肉 is not)
        decision = answerability.Decision(False, decision.probability, decision.model, {**x, "focus_found": 0.0})
    if fq is not None and decision.answer and not (continuation and bare):     # bare: the place is the order
        cands = _by_focus(cands, fq, tokens, text)
    part_of_previous = False
    if within and fq is not None and fq.terms and decision.answer:
        # "其中中央财政拿了多少？": a part of what the previous answer said — its sentence that holds most of the
        # follow-up's own words (as many as any new sentence) and the asked kind of answer (a figure for 多少) comes first
        head = cands[:WITHIN_WINDOW]
        cover = {id(c): focus_cover(c, fq, tokens) for c in head}
        fresh = max((cover[id(c)] for c in head if "previous" not in c.flags), default=0.0)
        top = cands[0].score if cands else 0.0
        said = [c for c in head if "previous" in c.flags and cover[id(c)] >= max(WITHIN_COVER, fresh)
                and (kind is None or c.features.get("kind_holds")) and c.score >= 0.5 * top]
        if said:
            first = max(said, key=lambda c: (cover[id(c)], c.score))
            cands = [first] + [c for c in cands if c is not first]
            part_of_previous = True
    if beyond and decision.answer:
        for c in cands:
            if "previous" in c.flags:
                c.score *= 0.1
        cands = sorted(cands, key=lambda c: -c.score)
    return Evidence(q, kind, cands, decision, dense, red, len(previous or []), fq, part_of_previous)


def rerank_dense(cands: list[ranking.Candidate], similar, top: int, weight: float) -> list[ranking.Candidate]:
    """The best ``top`` sentences re-weighed by how close each one's own vector is to the question's: the sentence
    model's log-odds plus ``weight`` × (its cosine − the best cosine among them). Passage vectors blur the sentence
    that answers with its neighbours; a sentence's own vector tells "建成于1998年" from the line that only restates
    the topic. The decision to answer was taken before, on the model's scores as fitted."""
    head = cands[:top]
    sims = similar([c.quote for c in head]) if head and weight > 0 else None
    if not sims:
        return cands
    best = max(sims)
    for c, s in zip(head, sims):
        c.features["sentence_dense"] = s
        p = min(max(c.score, 1e-9), 1 - 1e-9)
        c.score = 1.0 / (1.0 + math.exp(-(math.log(p / (1 - p)) + weight * (s - best))))
    return sorted(cands, key=lambda c: -c.score)


def _ahead(cands: list[ranking.Candidate], chunk_ids: list[str], at: int | None = None) -> list[ranking.Candidate]:
    """The sentences of the passages that follow, in the document's order (headings and meta sentences left out);
    in the first of them, when it is the one the previous answer quoted, those from ``at`` (a document offset) on."""
    order = {cid: i for i, cid in enumerate(chunk_ids)}
    first = chunk_ids[0] if chunk_ids and at is not None else None
    ahead = [c for c in cands if c.source.hit.chunk.id in order
             and not (c.source.hit.chunk.id == first and c.source.start < at)
             and not c.features["heading"] and not c.features["meta"]]
    return sorted(ahead, key=lambda c: (order[c.source.hit.chunk.id], c.index))


FOCUS_FLOOR = 0.4
WITHIN_WINDOW, WITHIN_COVER = 10, 0.5
OUTSIDE_NAMED = 0.3          # chosen on the :dev halves (0.1 lost two follow-ups, gained one)
QUOTED_OUTSIDE, QUOTED_RARE = 0.5, 0.3     # chosen on the :dev halves


def _in_named(cands: list[ranking.Candidate], named: set[str]) -> list[ranking.Candidate]:
    """The question named its documents (2013年政府工作报告, a speaker, a title): the search ranks their passages
    first, and a sentence of another document (another year's report saying the same) answers only when they hold
    nothing better — its score is scaled by ``OUTSIDE_NAMED``."""
    if not any(c.source.hit.chunk.doc_id in named for c in cands):
        return cands
    for c in cands:
        if c.source.hit.chunk.doc_id not in named:
            c.score *= OUTSIDE_NAMED
    return sorted(cands, key=lambda c: -c.score)


def _holding_quoted(cands: list[ranking.Candidate], quoted: list[str]) -> list[ranking.Candidate]:
    """The question quotes a phrase (哪一种“症”, “八有”标准): a sentence holding it answers before one that does not,
    unless the phrase names the document (its title) or what most of the best sentences are about — the others'
    scores are scaled by ``QUOTED_OUTSIDE``."""
    phrases = [p for p in quoted if not any(p in c.source.hit.title for c in cands[:3])]
    head = cands[:WITHIN_WINDOW]
    holding = sum(all(p in c.quote for p in phrases) for c in head)
    if not phrases or not holding or holding > QUOTED_RARE * len(head):
        return cands                # none holds it, or so many do that it is what they are all about (“十四五”)
    for c in cands:
        if not all(p in c.quote for p in phrases):
            c.score *= QUOTED_OUTSIDE
    return sorted(cands, key=lambda c: -c.score)


def _off_focus(focus: Question, hits: list[Hit], tokens) -> bool:
    """None of the follow-up's own words is in the passages retrieved (its colloquial words may be unknown to the
    corpus — "能给企业省下多少？" — so an unseen word alone does not decide)."""
    texts = [" ".join([h.title, *h.chunk.section, h.chunk.text]) for h in hits[:6]]
    return max((focus.coverage(t, ranking.token_set(tokens, t)) for t in texts), default=0.0) == 0.0


def focus_cover(c: ranking.Candidate, focus: Question, tokens) -> float:
    """The share of a follow-up's own words (``focus``) the sentence holds."""
    return focus.coverage(c.quote, ranking.token_set(tokens, c.quote))


def _by_focus(cands: list[ranking.Candidate], focus: Question, tokens, standalone: str) -> list[ranking.Candidate]:
    """A follow-up's standalone question carries the previous topic's words, which every sentence of the previous
    answer shares; what it asks is in its own words. Each sentence's score is scaled by the share of those words it
    holds (at least ``FOCUS_FLOOR``), so "第三条建议要着力解决什么问题？" ranks the sentence saying 着力解决 first.
    A sentence of the previous answer that the standalone question quotes (the item an ordinal named) is what the
    follow-up asks about, not its answer: it goes last."""
    if not focus.terms:
        return cands
    for c in cands:
        c.score *= FOCUS_FLOOR + (1 - FOCUS_FLOOR) * focus_cover(c, focus, tokens)
        core = c.quote.strip().rstrip("。；;，,：:")
        if "previous" in c.flags and len(core) >= 6 and core[-min(len(core), 20):] in standalone:
            c.score *= 0.1
    return sorted(cands, key=lambda c: -c.score)


def _after_previous(cands: list[ranking.Candidate], previous: list[str]) -> list[ranking.Candidate]:
    """Mark the sentences the previous answer already gave (``previous``): the composer keeps a follow-up's answer
    from repeating the previous one whole, yet may quote one of its sentences when that is what the follow-up asks
    about ("其中个体工商户有多少户？" after a sentence that gives it)."""
    seen = [bigrams(p) for p in previous if p.strip()]
    for c in cands:
        g = bigrams(c.quote)
        if any(len(g & h) / max(1, len(g | h)) >= 0.8 for h in seen):
            c.flags.add("previous")
    return cands
