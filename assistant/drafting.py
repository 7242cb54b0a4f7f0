"""Drafting a 表态发言: an opening pledge, concrete measures drawn from the corpus in the unit's voice, a closing.

Extractive (default):

1. retrieve passages for the topic (more for longer targets);
2. every sentence that is a commitment becomes a measure in the unit's voice (assistant/voice.py: subject and
   modal replaced by 我们将, the formulation and numbers verbatim) — or is refused;
3. a measure must be on topic: its own sentence holds a content term of the topic and a share of the topic's
   IDF weight (``selection`` in prompts/draft_templates.json); no two measures say the same thing;
4. ``coverage`` says how many on-topic commitments the corpus holds for this length: "sufficient", "thin" (the
   draft says what is missing in [待补：…] slots rather than padding) or "none" (no draft, the closest passages);
5. the layout (assistant/draft_layout.py) fits the target length: one paragraph, one measure per paragraph, or
   parts 一、二、三、 with headings grouping the measures by theme.

With a language model: prompts/draft.txt over the retrieved passages, verified the same way; coverage is decided
the same way, so a topic the corpus does not hold gets no draft from either.
"""
from __future__ import annotations

import re
import time

from jianghua.assistant.attribution import attribute, normalise_markers
from jianghua.assistant.citations import MARKER, context_block, renumber, whole
from jianghua.assistant.draft_layout import (LEAD_VERB, Layout, Measure, frame, group, pick, render_flat, render_parts,
                                    source_order)
from jianghua.assistant.evidence import score_sentences
from jianghua.assistant.overlap import bigrams
from jianghua.assistant.verify import split_output, verify
from jianghua.assistant.voice import rewrite
from jianghua.prompts import load, load_json

TOPIC_TAIL = re.compile(r"(?:的)?(?:表态发言|表态|发言|讲话|讲话稿)$")
SPEAKER = re.compile(r"^[^，。、]{2,10}?(?:书记|党工委|党委|党组|党组织|党支部|支部|单位|部门)(?=抓|落实|推动|推进|做好|加强|关于)")
AFTER = re.compile(r"(?:专项)?(?:述职评议|述职|评议|会议|大会|部署会|推进会)(?:后|之后|以后)$")
TOPIC_VERB = re.compile(LEAD_VERB.pattern.replace("(?:", "(?:转变|改进|改善|提高|抓|整顿|", 1))
SECTION_PAST = re.compile(r"回顾|过去|成绩|总结|一年来|五年来|十年来|主要工作|取得")
PLACEHOLDER = re.compile(r"\[待补[：:][^\]]*\]")
DIGIT = re.compile(r"[\d０-９%％“”‘’\"]")
THEME_POS = ("n", "nz", "nt", "nl", "j")


def clean_topic(topic: str) -> str:
    t = TOPIC_TAIL.sub("", topic.strip()) or topic.strip()
    if "关于" in t and len(t.split("关于", 1)[1]) >= 4:       # 街道党工委关于转变工作作风 → 转变工作作风
        t = t.split("关于", 1)[1]
    t = SPEAKER.sub("", t) if len(SPEAKER.sub("", t)) >= 4 else t   # 机关党支部书记抓好… → 抓好…
    t = AFTER.sub("", t) if len(AFTER.sub("", t)) >= 4 else t       # …述职评议后 → …
    return t


class Drafter:
    def __init__(self, assistant):
        self.a = assistant
        self.t = load_json("draft_templates.json")
        self.sel = self.t["selection"]
        self.lay = self.t["layout"]

    # -- retrieval and measures ---------------------------------------------------------------------------------
    def _retrieve(self, topic: str, version, length: int) -> list:
        k = min(100, 12 + length // 40)
        seen, hits = set(), []
        for q, kk in ((topic, k), (topic + " 下一步 措施", k // 2), (topic + " 要 加强 确保", k // 2)):
            for h in self.a.searcher.search(q, max(4, kk), version=version).hits:
                if h.chunk.id not in seen:
                    seen.add(h.chunk.id)
                    hits.append(h)
        return hits

    def relevance(self, view, topic: str):
        """A function sentence → (on topic?, share of the topic's IDF weight it holds).

        The topic's units are its terms not inside a longer term of it, its leading verb (推进/落实…) left out. A
        sentence's words are its longest tokens (search mode also emits 营商 inside 国营商业); a word holds a term
        that it is, begins or ends with (从严治党 in 全面从严治党, 作风 in 作风建设, not 营商 in 国营商业). A unit is
        held wholly when a word holds it or the text holds it with all its shorter terms held (基层党建: 基层 + 党建),
        half when only a shorter term of it is held (作风 of 工作作风) and that term is itself specific. On topic: it
        holds ``min_share`` of the units' IDF weight, and among them the most specific unit (largest IDF; wholly when
        the corpus never uses that unit: 竞技 is not 电子竞技) or two content units (IDF at least
        ``content_idf_ratio`` of the largest)."""
        kw = view.keyword
        obj = TOPIC_VERB.sub("", topic) or topic
        terms = [t for t in dict.fromkeys(view.tokenizer.tokens(obj)) if len(t) >= 2]   # unseen terms too
        units = [t for t in terms if not any(t != u and t in u for u in terms)]
        weights = {u: kw.idf(u) for u in units}
        # a shorter term stands for its unit only when it is itself specific (作风 for 工作作风, not 建设 for 廉政建设)
        parts = {u: [t for t in terms if t != u and t in u] for u in units}
        strong = {u: [p for p in parts[u] if kw.idf(p) >= self.sel["part_idf_ratio"] * weights[u]] for u in units}
        total = sum(weights.values())
        top = max(weights, key=weights.get) if weights else ""
        content = {u for u, w in weights.items() if w >= self.sel["content_idf_ratio"] * weights[top]} if top else set()

        seen_top = bool(top) and kw.df(top) > 0

        def holds(term: str, words: set[str]) -> bool:
            return any(w == term or w.startswith(term) or w.endswith(term) for w in words)

        def whole(u: str, text: str, words: set[str]) -> bool:
            return holds(u, words) or (u in text and bool(parts[u]) and all(holds(p, words) for p in parts[u]))

        def judge(text: str) -> tuple[bool, float]:
            if not total:
                return False, 0.0
            st = set(view.tokenizer.tokens(text))
            words = {t for t in st if not any(t != o and t in o for o in st)}   # search-mode sub-words dropped
            credit = {u: 1.0 if whole(u, text, words) else (0.5 if any(holds(p, words) for p in strong[u]) else 0.0)
                      for u in units}
            share = sum(weights[u] * c for u, c in credit.items()) / total
            held = [u for u in content if credit[u]]
            top_held = credit[top] == 1.0 or (credit[top] > 0 and seen_top)
            return (top_held or len(held) >= 2) and share >= self.sel["min_share"], share
        return judge, view.tokenizer.tokens(topic)

    def measures(self, view, topic: str, hits) -> tuple[list[Measure], dict]:
        """On-topic measures, best first, no two alike; and counts for the trace."""
        judge, terms = self.relevance(view, topic)
        scored = score_sentences(terms, hits, view.keyword.idf, view.tokenizer.tokens)
        counts = {"sentences": len(scored), "commitments": 0, "on_topic": 0, "duplicates": 0}
        out: list[Measure] = []
        grams: list[set[str]] = []
        for s in scored:
            sec = s.source.hit.chunk.section
            if SECTION_PAST.search(" ".join(sec)) or _is_heading(s.source.quote, sec):
                continue
            r = rewrite(s.source.quote)
            if r is None:
                continue
            counts["commitments"] += 1
            ok, share = judge(s.source.quote)
            if not ok:
                continue
            counts["on_topic"] += 1
            g = bigrams(re.sub(r"\d+", "", r.core))
            if any(len(g & h) >= self.sel["duplicate_containment"] * min(len(g), len(h)) for h in grams):
                counts["duplicates"] += 1
                continue
            grams.append(g)
            out.append(Measure(s.source, r, s.score + 0.2 * share))
        out.sort(key=lambda m: -m.score)
        return out, counts

    def _themes(self, view, ms: list[Measure], topic_terms: set[str]) -> dict[str, float]:
        """Each measure's candidate theme terms (nouns of its core, not the topic's, not the corpus's commonest);
        returns their IDF weights."""
        import jieba.posseg as pseg
        kw = view.keyword
        weights: dict[str, float] = {}
        for m in ms:
            words = [w for w, f in pseg.cut(m.rewrite.core) if len(w) >= 2 and f in THEME_POS and not DIGIT.search(w)]
            m.themes = [w for w in dict.fromkeys(words) if w not in topic_terms and
                        0 < kw.df(w) <= self.lay["theme_max_df_share"] * view.n_chunks]
            for w in m.themes:
                weights.setdefault(w, kw.idf(w))
        return weights

    # -- the draft ----------------------------------------------------------------------------------------------
    def draft(self, topic: str, occasion: str | None, length: int, version=None) -> dict:
        t0 = time.perf_counter()
        topic = clean_topic(topic)
        view = self.a.searcher.view(version)
        version = view.version            # one version for the whole draft
        hits = self._retrieve(topic, version, length)
        t1 = time.perf_counter()
        pool, counts = self.measures(view, topic, hits)
        user_text = topic + (occasion or "")
        base = {"target_length": length, "trace": {
            "topic": topic, "occasion": occasion, "generator": self.a.generator.name, "counts": counts,
            "hits": [{k: v for k, v in h.to_dict().items() if k != "text"} for h in hits]}}
        if not pool:
            base["trace"]["timings"] = _ms(t0, t1)
            return {"draft": "", "citations": [], "grounded": False, "sentences": [], "length": 0,
                    "coverage": "none", "closest": [h.to_dict() for h in hits[:3]], **base}
        model = self.a.generator.capabilities.draft       # a language model writes the draft
        if model:
            hits_of = {m.source.hit.chunk.id: m.source.hit for m in pool}      # the passages of on-topic measures
            layout = self._draft_llm(topic, occasion, length, list(hits_of.values())[:8])
            coverage = "sufficient" if len(pool) >= self.sel["sufficient_min"] else "thin"
        else:
            layout, coverage = self._draft_extractive(view, topic, occasion, length, pool)
        text, attributed = layout.text, set()
        if model:
            # any marker form → [n]; a sentence borrowing a passage's formulation without a marker gets that marker
            text, _, attributed = attribute(normalise_markers(text), [s.hit.chunk.text for s in layout.sources])
        text, citations, mapping, invalid = renumber(text, layout.sources)
        new_attributed = {mapping[o] for o in attributed if o in mapping}
        for c in citations:
            c["origin"] = "attributed" if c["n"] in new_attributed else "model"
        quotes = {c["n"]: next((s.hit.chunk.text for s in layout.sources if s.hit.chunk.id == c["chunk_id"]),
                               c["quote"]) for c in citations}
        templates = set(layout.templates)
        if model:
            # a frame sentence that attribution found a source for is a claim like any other; a [待补：…] slot says
            # what the passages do not give: it is no claim to check
            sents = split_output(text)
            templates = {i for i in templates if i < len(sents) and not MARKER.search(sents[i])}
            templates |= {i for i, x in enumerate(sents) if PLACEHOLDER.search(x) and not MARKER.search(x)}
        checks, grounded = verify(text, quotes, templates, user_text=user_text, detect_changes=model)
        base["trace"].update(invalid_markers=invalid, timings=_ms(t0, t1))
        return {"draft": text, "citations": citations, "grounded": grounded and not invalid and bool(citations),
                "sentences": [c.as_dict() for c in checks], "length": len(re.sub(r"\[\d+\]", "", text)),
                "coverage": coverage, **base}

    def _draft_extractive(self, view, topic, occasion, length, pool: list[Measure]) -> tuple[Layout, str]:
        lay, t = self.lay, self.t
        long = length >= lay["parts_from"]
        opening, closing = frame(t, topic, occasion, long)
        frame_len = sum(map(len, opening)) + len(closing) + 2
        n_parts = max(3, min(len(t["part_ordinals"]), round(length / lay["chars_per_part"]))) if long else 0
        budget = length - frame_len - n_parts * 20
        chosen, used = [], 0
        for m in pool:                                   # best first; skip one that would overshoot
            size = len(m.text) + 4
            if used + size > budget * 1.12 + 20:
                continue
            chosen.append(m)
            used += size
            if used >= budget * 0.98:
                break
        layout = self._arrange(view, topic, length, chosen, opening, closing, n_parts, thin=False)
        if _chars(layout.text) >= 0.8 * length \
                and len(pool) >= self.sel["sufficient_min"]:
            return layout, "sufficient"
        return self._arrange(view, topic, length, chosen, opening, closing, n_parts, thin=True), "thin"

    def _arrange(self, view, topic, length, chosen, opening, closing, n_parts, thin: bool) -> Layout:
        lay, t = self.lay, self.t
        slot = t["slot"].format(topic=topic) if thin else None
        if not n_parts or len(chosen) < 2 * lay["min_measures_per_part"]:
            ordered = source_order(chosen)[:len(t["ordinals"])]
            return render_flat(opening, ordered, closing, t["ordinals"], length < lay["one_paragraph_below"], slot)
        topic_terms = set(view.tokenizer.tokens(topic))
        weights = self._themes(view, chosen, topic_terms)
        k = min(n_parts, len(chosen) // lay["min_measures_per_part"])
        groups = group(chosen, k, topic_terms, weights, lay["min_measures_per_part"])
        parts, used_headings = [], set()
        for i, (theme, ms) in enumerate(groups):
            family = t["part_headings"] if theme else t["part_headings_plain"]
            options = [h for h in family if h not in used_headings] or family
            h = pick(options, topic, theme, str(i))
            used_headings.add(h)
            parts.append((h.format(theme=theme), ms))
        slots = []
        if thin:
            options = [h for h in t["part_headings"] if h not in used_headings] or t["part_headings"]
            parts.append((pick(options, topic).format(theme=LEAD_VERB.sub("", topic) or topic), []))
            slots = [slot]
        return render_parts(opening, parts, closing, t["ordinals"], t["part_ordinals"], slots)

    def _draft_llm(self, topic, occasion, length, hits) -> Layout:
        sources = [whole(h) for h in hits]
        prompt = load("draft.txt").format(topic=topic, occasion=occasion or "（未指定）", length=length,
                                          context=context_block(sources))
        gen = self.a.generator                           # a Writer (composition.checked)
        text = "".join(gen.stream_text(gen.messages(prompt, [], f"请起草关于“{topic}”的表态发言。")))
        sents = split_output(text)
        paras = [p for p in text.split("\n") if p.strip()]
        frame_idx = set()
        if paras:
            first, last = len(split_output(paras[0])), len(split_output(paras[-1]))
            for i, s in enumerate(sents):
                if (i < first or i >= len(sents) - last) and not re.search(r"\[\d+\]", s):
                    frame_idx.add(i)
        return Layout(text, sources, frame_idx)


def _is_heading(quote: str, section) -> bool:
    q = re.sub(r"^(?:[一二三四五六七八九十]+[、是]|[（(][一二三四五六七八九十\d]+[）)])|[。；]$", "", quote.strip())
    return any(q and q in h for h in section)


def _chars(text: str) -> int:
    """Characters as a reader counts them: no markers, no line breaks."""
    return len(re.sub(r"\s", "", re.sub(r"\[\d+\]", "", text)))


def _ms(t0: float, t1: float) -> dict:
    return {"retrieve_ms": round((t1 - t0) * 1000, 2), "total_ms": round((time.perf_counter() - t0) * 1000, 2)}
