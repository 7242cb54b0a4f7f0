"""The extractive generator: the answer is the source's own sentences, the one that answers first.

A fact question gets the best sentence, and others while they score well enough (``second_cut``, fitted) and the
answer stays short, those adding a content term of the question the first lacks before those that do not; a short
answer then takes the sentences that follow its own (``context_chars``, fitted). Chosen sentences that stand next to
each other in the document keep its order and punctuation, so an answer running across a sentence boundary is
quoted whole. A question naming an item by its ordinal (其中第三个, 最后一条) gets that item of the listing the
passages hold; a bare follow-up the condenser resolved into an item of the previous answer (第三条讲的是什么？) gets
that item with the sentences that say what it means. A question asking for a list gets the enumeration the best
sentences open or belong to (一是… 二是…, （一）（二）, 1. 2., 第一… 第二…), whole and in order, across passages when
it runs on. A question asking for an example adds the example sentence (比如…) that follows. A best sentence that
only leads its paragraph ("积极实施创业就业工程。") is followed by the rest of the paragraph, not by sentences from
elsewhere. Every sentence is verbatim and carries its marker.
"""
from __future__ import annotations

import re
from typing import Iterator

from jianghua.assistant.answerability import models
from jianghua.assistant.citations import Source
from jianghua.assistant.composition import Capabilities, Composition, Job, declined
from jianghua.assistant.condense import ORDINAL, asks_within, ordinal
from jianghua.assistant.enumeration import STRUCTURE_Q, asked_noun, best_listing, inline_items, item_marker, listing_for
from jianghua.assistant.evidence import sentences_of
from jianghua.assistant.outline import asked_part, cover, locate
from jianghua.assistant.ranking import Candidate
from jianghua.assistant.runs import is_lead, place, same_paragraph
from jianghua.assistant.said import asked_of, clause_window, inline_item_named, named_item, repeats, said_before
from jianghua.assistant.overlap import bigrams

LIST_Q = re.compile(r"哪些|哪几|有哪|几个方面|几点|几项|几类|几种|几条|分别|都有什么|包括什么|包括哪|包含|内容是什么|"
                    r"是什么标准|有什么要求|哪[一二三四五六七八九十两\d]")
# a question asking why: the sentence that answers it with 因此/所以 needs the one before it, which holds the cause
CAUSE_Q = re.compile(r"为什么|为何|原因|缘故|何以|怎么会|凭什么")
EXAMPLE_Q = re.compile(r"例子|举例|举了|案例|比如")
EXAMPLE = re.compile(r"^(?:比如|例如|譬如|如：)")


class ExtractiveGenerator:
    """Answers with the most relevant source sentences, each followed by its marker."""

    name = "extractive"
    capabilities = Capabilities()   # follow-ups are condensed without a model; its deltas are whole sentences

    def __init__(self, max_chars: int = 200, max_items: int = 10):
        self.max_chars, self.max_items = max_chars, max_items

    def compose(self, job: Job) -> Composition:
        ev = job.evidence
        if ev is None or not ev.ranked or not ev.decision.answer:
            return declined(job)
        if ev.redacted is not None:
            return declined(job, "redacted")
        ranked: list[Candidate] = ev.ranked
        sources: list[Source] = []
        item = (named_item(job.hits + job.quoted, job.around, job.history, job.question)
                if ev.previous_count and not (ev.focus and ev.focus.terms) else None)
        if item is not None:                # "第三点讲的是什么？": that item of the previous answer, with what it says
            sources = with_body(item, self.max_chars, job.around)
        if not sources and ev.previous_count and asks_within(job.question) and LIST_Q.search(job.question):
            # "其中要做大做强的是哪几类产业？": the list in the previous answer's sentence (培育壮大节能环保产业、清洁生产产业、…)
            sources = _inline_list(job.question, [c for c in ranked if "previous" in c.flags], clause=True)
        n = asked_item(job.question, job.history) if not sources else None
        # "…分了哪几个方面的需要，其中第三个是什么需要？": that item of the listing
        listing = listing_for(ev.question, ranked, job.around, self.max_items, item=True) if n else None
        if listing is not None and not (n == -1 or n <= len(listing.items)):
            listing = None
        if not sources and (n or STRUCTURE_Q.search(job.question) or LIST_Q.search(job.question)):
            # "政府工作任务，第一项是什么？", "…分了哪几个部分？": the document's outline, where a heading holds the question
            # — unless the lead of that listing holds more of it (…以下几个方面的认识和体会：)
            beaten = (cover(ev.question, listing.lead.hit.title, listing.lead.quote)
                      if listing is not None and listing.lead is not None else 0.0)
            part = _outline_part(ev.question, ranked, job.passages_of, n, beaten)
            if part:
                sources = with_body(part[0], self.max_chars, job.around) if n else part
        if listing is not None and not sources:
            sources = [listing.items[n - 1 if n > 0 else -1]]
        if not sources and LIST_Q.search(job.question) and not n:
            # "要打造哪几个国际化名城？": a heading of the passages that lists them inline (…草原音乐名城、冰雪运动名城、…)
            sources = _inline_heading(job.question, ranked, job.passages_of) or _inline_list(job.question, ranked)
        if not sources and (LIST_Q.search(job.question) or STRUCTURE_Q.search(job.question)):
            sources = best_listing(ev.question, ranked, job.around, self.max_items)
        if not sources:
            sources = self.brief(ranked, models().second_cut, question=ev.question)
            if is_lead(sources[0]) and not any(same_paragraph(sources[0], s) for s in sources[1:]):
                # "积极实施创业就业工程。" opens a paragraph: what it says follows it, not sentences from elsewhere
                sources = with_body(sources[0], self.max_chars, job.around)
            elif models().context_chars:
                sources = with_context(sources, models().context_chars)
            if ev.within and ev.focus is not None and said_before(sources[0], ranked):
                # "其中中央财政拿了多少？": the part of the previous answer's sentence it asks about
                sources = [clause_window(sources[0], ev.focus, job.tokens) or sources[0]]
            if CAUSE_Q.search(job.question):
                sources = with_antecedent(sources, self.max_chars, job.around)
            if EXAMPLE_Q.search(job.question):
                sources = with_example(sources)
            if ev.previous_count and repeats(sources, ranked, ev.previous_count):
                fresh = [c for c in ranked if "previous" not in c.flags]
                # the part of its first sentence the follow-up asks for, else the one sentence it points at
                # — the item of its inline list an ordinal named, when it named one
                part = (inline_item_named(job.hits + job.quoted, job.history, job.question)
                        or (clause_window(sources[0], ev.focus, job.tokens) if ev.focus is not None else None)
                        or asked_of(sources, fresh, ev.focus, job.tokens, ranked))
                if part is not None:
                    sources = [part]
                elif fresh:
                    sources = self.brief(fresh, models().second_cut, question=ev.question,
                                         context_chars=models().context_chars)

        sources = in_reading_order(sources)
        return Composition(sources, answer_deltas(sources))

    def brief(self, ranked: list[Candidate], cut: float, max_sentences: int = 3, question=None,
              window: int = 6, context_chars: int = 0) -> list[Source]:
        """The best sentence, then the next best ones (among the first ``window``) while they score at least ``cut``
        × the best's and the answer stays within ``max_chars`` (near-duplicates skipped). With the ``question`` (an
        ``assistant.question.Question``) the sentences that add one of its content terms the chosen ones lack come
        first: after "大果西番莲（学名：…）是西番莲属的植物中，果实最大的一种。" the question "大果西番莲的根部有什么作用？"
        is answered by the sentence holding 根部, not by a second one naming the plant again. An answer still
        shorter than ``context_chars`` (fitted) then takes the sentence that follows each of its own in the passage
        while it stays within them: an answer often runs on into the next sentence ("……但为时已晚。百济首都慰礼
        城被高句丽攻陷。")."""
        best = ranked[0]
        out = [best]
        used = len(best.quote)
        grams = [bigrams(best.quote)]
        have = _held(question, best.quote)
        pool = [c for c in ranked[1:window] if c.score >= cut * best.score]
        for needs_new in ((True, False) if question is not None else (False,)):
            for c in pool:
                if len(out) >= max_sentences:
                    break
                if c in out or used + len(c.quote) > self.max_chars:
                    continue
                if needs_new and not (_held(question, c.quote) - have):
                    continue
                g = bigrams(c.quote)
                if any(len(g & h) / max(1, len(g | h)) >= 0.5 for h in grams):
                    continue
                out.append(c)
                grams.append(g)
                used += len(c.quote)
                have |= _held(question, c.quote)
        chosen = [best.source] + [c.source for c in sorted(out[1:], key=lambda c: -c.score)]
        return with_context(chosen, context_chars) if context_chars else chosen


def with_context(sources: list[Source], limit: int) -> list[Source]:
    """``sources`` and, while their length stays within ``limit``, the passage's sentence after each of them (in
    their order; one already chosen is not taken twice)."""
    out = list(sources)
    used = sum(len(s.quote) for s in out)
    for src in sources:
        sents, idx = place(src)
        if idx is None or idx + 1 >= len(sents):
            continue
        nxt = sents[idx + 1]
        if _taken(nxt, out):
            continue
        if used + len(nxt.quote) <= limit:
            out.append(nxt)
            used += len(nxt.quote)
    return out


def _taken(src: Source, sources: list[Source]) -> bool:
    """``src`` (the same passage and start) is among ``sources`` already."""
    return any(s.hit.chunk.id == src.hit.chunk.id and s.start == src.start for s in sources)


def _held(question, text: str) -> set[str]:
    """The question's content terms ``text`` contains (``Question.held``); none without a question."""
    return set() if question is None else question.held(text)


def _inline_heading(question: str, ranked: list[Candidate], passages_of, anchors: int = 5) -> list[Source]:
    """The section heading of one of the best sentences' passages that lists inline what the question asks to
    enumerate (``enumeration.inline_items``: at least three items ending in its noun, 名城), where its document's text
    holds it; [] when none does."""
    noun = asked_noun(question)
    if noun is None or passages_of is None:
        return []
    for c in ranked[:anchors]:
        for heading in reversed(c.source.hit.chunk.section):
            items = inline_items(heading)
            if items and items[-1].endswith(noun[-2:]):
                src = locate(heading, [c.source.hit]) or locate(heading, passages_of(c.source.hit.chunk.doc_id))
                if src is not None:
                    return [src]
    return []


def _inline_list(question: str, ranked: list[Candidate], anchors: int = 8, clause: bool = False) -> list[Source]:
    """One of the best sentences that lists inline what the question asks to enumerate (…抓党建的主体责任、抓党风廉政
    建设的主体责任、…: at least three items ending in its noun), alone — with ``clause``, just the clause that lists
    them; [] when none does."""
    noun = asked_noun(question)
    if noun is None:
        return []
    for c in ranked[:anchors]:
        items = inline_items(c.quote)
        if items and items[-1].endswith(noun[-2:]):
            if not clause:
                return [c.source]
            q = c.quote
            a = q.find(items[0])
            b = q.find(items[-1], a) + len(items[-1])
            a = max(q.rfind(ch, 0, a) for ch in "，,；;：:") + 1        # from the clause's start
            return [Source(c.source.hit, c.source.start + a, c.source.start + b)]
    return []


def _outline_part(question, ranked: list[Candidate], passages_of, n: int | None,
                  beaten: float = 0.0) -> list[Source] | None:
    """The part of a document's outline the question asks for (``outline.asked_part``, holding more of it than
    ``beaten``), in the documents of the best three sentences, best first."""
    if passages_of is None:
        return None
    for doc_id in dict.fromkeys(c.source.hit.chunk.doc_id for c in ranked[:3]):
        part = asked_part(question, passages_of(doc_id), n, beaten)
        if part:
            return part
    return None


def with_body(item: Source, limit: int, around=None) -> list[Source]:
    """An item's sentence and the sentences after it, up to the next item (a marker of any family) and, after the
    first, while the answer stays within ``limit`` characters — into the passage that follows when the item ends its
    own."""
    out, used = [item], len(item.quote)
    sents, idx = place(item)
    if idx is None:
        return out
    rest = sents[idx + 1:]
    if not rest and around is not None:
        after = sorted((h for h in around(item.hit) if h.chunk.doc_id == item.hit.chunk.doc_id
                        and h.chunk.start >= item.end), key=lambda h: h.chunk.start)
        rest = [s for h in after[:1] for s in sentences_of(h) if s.start >= item.end]
    for s in rest:
        if item_marker(s.quote) is not None or (len(out) > 1 and used + len(s.quote) > limit):
            break                   # the item's first sentence of its own is always taken: it says what the item means
        out.append(s)
        used += len(s.quote)
    return out


PARTITIVE = re.compile(r"(?:其中|里面|当中)的?(?:排在?)?(?:第|头|首|最后|末)|"
                       r"第[一二三四五六七八九十\d]+(?:项|条|点|个|部分|方面|对|句话|句)(?=是什么|是哪|讲的?是?什么|讲了什么|说的是什么|"
                       r"内容|呢|[？?]$)")


def asked_item(question: str, history) -> int | None:
    """The item number a question asks for (``condense.ordinal``) when it points into a list: in a conversation, or
    after 其中/里面 ("…3点建议，其中第二点是什么？"); a question of its own naming 第一个五年计划 asks for no item, nor
    a follow-up whose standalone form carries the previous question's ordinal ("针对表态发言第一部分检视出的问题，…")."""
    if not (history or PARTITIVE.search(question)):
        return None
    m = ORDINAL.search(question)
    previous = next((str(t.get("content", "")) for t in reversed(history or []) if t.get("role") == "user"), "")
    if m is not None and m.group(0) in previous and question.count(m.group(0)) == 1:
        return None                 # the previous question's own ordinal (…第一部分…), carried into the standalone one
    return ordinal(question)


def with_antecedent(sources: list[Source], limit: int, around=None) -> list[Source]:
    """For a question asking why (``CAUSE_Q``, decided by the caller): the best sentence's predecessor put in when
    the best sentence opens by pointing back at it (``ANTECEDENT_NEEDED``: "因此它有时也被称为笨蛋水果。", "此战奠定了…"),
    as it cannot be read, nor its cause known, without it. For a passage's first sentence, the last sentence of the
    passage before it (``around``: the passages around a hit, in document order). Not when it is chosen already; the
    other sentences stay while the answer keeps within ``limit``."""
    best = sources[0]
    if not ANTECEDENT_NEEDED.match(best.quote.strip()):
        return sources
    sents, idx = place(best)
    if idx is None:
        return sources
    if idx > 0:
        prev = sents[idx - 1]
    else:                                  # the first sentence of its passage: the last of the passage before
        before = [h for h in (around(best.hit) if around is not None else [])
                  if h.chunk.doc_id == best.hit.chunk.doc_id and h.chunk.start < best.hit.chunk.start]
        ends = [s for h in before for s in sentences_of(h) if s.end <= best.start]
        prev = max(ends, key=lambda s: s.end, default=None)
        if prev is None or best.start - prev.end > 2:       # passages may overlap; nothing may lie between
            return sources
    if _taken(prev, sources):
        return sources
    if len(best.quote) + len(prev.quote) > limit:
        return sources
    out, used = [best, prev], len(best.quote) + len(prev.quote)
    for s in sources[1:]:                  # the others while the answer stays within the limit
        if used + len(s.quote) <= limit:
            out.append(s)
            used += len(s.quote)
    return out


def with_example(sources: list[Source]) -> list[Source]:
    """The sentence after the best one, when it gives the example (比如…)."""
    best = sources[0]
    sents, idx = place(best)
    if idx is None or idx + 1 >= len(sents) or not EXAMPLE.match(sents[idx + 1].quote):
        return sources
    return [best, sents[idx + 1]]


def answer_deltas(sources: list[Source]) -> Iterator[str]:
    """Each source sentence verbatim with its marker; one the next source continues in the document keeps its own
    stop ("……深入乡民[1]；二是管理户籍……"), the others end in a full stop."""
    for i, src in enumerate(sources, 1):
        runs_on = i < len(sources) and follows(src, sources[i])
        yield _marked(src.quote.strip() if runs_on else as_answer_sentence(src.quote), i)


def follows(a: Source, b: Source) -> bool:
    """``b`` is the sentence right after ``a`` in the same document (nothing but whitespace between them)."""
    if a.hit.chunk.doc_id != b.hit.chunk.doc_id or b.start < a.end:
        return False
    if a.hit.chunk.id == b.hit.chunk.id:
        c = a.hit.chunk
        return not c.text[a.end - c.start:b.start - c.start].strip()
    return b.start == a.end


# a sentence that opens by pointing back at the one before it: it cannot be read without it
LEANS_BACK = re.compile(r"^(?:因此|所以|因而|于是|从而|由此|故而|这|此|但|而|然而)")
# …and one whose cause or subject is that sentence (a contrast, 但/而, reads on its own)
ANTECEDENT_NEEDED = re.compile(r"^(?:因此|所以|因而|于是|从而|由此|故而|这|此)")


def in_reading_order(sources: list[Source]) -> list[Source]:
    """Chosen sentences that stand next to each other in their document read as the document gives them, so an
    answer that runs across a sentence boundary stays verbatim: a chosen sentence's chosen successor follows it at
    once (a clause ending in "；" and its continuation), and a chosen sentence that opens by pointing back
    (``LEANS_BACK``: "因此它有时也被称为笨蛋水果。") is preceded by its chosen predecessor (the cause). Otherwise the
    ranked order is kept, so the best sentence stays first."""
    if len(sources) < 2:
        return sources
    out: list[Source] = []
    placed: set[int] = set()
    free = lambda k, run: k not in placed and k not in run      # noqa: E731
    for i in range(len(sources)):
        if i in placed:
            continue
        run = [i]
        while LEANS_BACK.match(sources[run[0]].quote.strip()):
            p = next((k for k in range(len(sources)) if free(k, run) and follows(sources[k], sources[run[0]])), None)
            if p is None:
                break
            run.insert(0, p)
        while True:
            n = next((k for k in range(len(sources)) if free(k, run) and follows(sources[run[-1]], sources[k])), None)
            if n is None:
                break
            run.append(n)
        out += [sources[k] for k in run]
        placed.update(run)
    return out


def as_answer_sentence(quote: str) -> str:
    """A source sentence as it reads inside an answer: verbatim, ending in a full stop."""
    q = quote.strip()
    if q.endswith(("；", "，", "：", ";", ",", ":")):
        q = q[:-1] + "。"
    elif not q.endswith(("。", "！", "？", "”", "」", "）", ")")):
        q = q + "。"
    return q


def _marked(sentence: str, n: int) -> str:
    """'…现象。' → '…现象[n]。': every marker precedes its sentence's stop (also a "；" or "：" the next sentence
    continues)."""
    m = re.search(r"[。！？；;：:，,]$", sentence)
    return f"{sentence[:-1]}[{n}]{sentence[-1]}" if m else f"{sentence}[{n}]"
