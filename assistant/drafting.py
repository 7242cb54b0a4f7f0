"""Drafting a 表态发言: opening pledge, concrete measures (一是…二是…三是…) drawn from the corpus, closing resolve.

Extractive (default): retrieved commitments (下一步…, 要…, 将…, 确保…) become first-person-plural measures: the
source sentence is kept verbatim after its lead words (下一步，/各级党组织要 …) are replaced by 我们将, so every
borrowed formulation and number stays traceable. The frame sentences come from prompts/draft_templates.json.
With a language model: prompts/draft.txt, verified the same way. Length is fitted to ±20% of the target.
"""
from __future__ import annotations

import hashlib
import re
import time

from assistant.citations import Source, context_block, renumber, whole
from assistant.evidence import Scored, score_sentences, select
from assistant.generators import OpenAIGenerator, as_answer_sentence
from assistant.verify import split_output, verify
from prompts import load, load_json

NEGATIVE = re.compile(r"不够|不足|不强|不高|不严|不实|不到位|薄弱|欠缺|差距|滞后|问题是|存在|比如|例如|个别|有的|总书记|指出|强调|"
                      r"同志们|大家|我感到|感受|年初|去年|以来|近年来|当前|目前|\*|×")    # context, not commitments; redacted figures
MODAL = re.compile(r"要|将|确保|必须|切实|着力|坚持|进一步|持续|推动|加强|强化|健全|完善|压实")
SUBJECT = re.compile(r"^(?:(?:全市|全区|全县|区属|市属|区直|各级|各)[^，。；“”]{0,16}?(?:党组织|党委|党组|（党组）|单位|部门|机关|街道）?)"
                     r"|区委组织部|组织部|我们|大家)(?:都)?(?:要|将|必须|应当)?"
                     r"|^[^，。；“”]{0,12}?(?:书记|干部|党员|班子|成员|同志)(?:都)?(?:一定要|要|必须|应当)")
DEFINITION = re.compile(r"是[^，。；]{0,30}?(?:举措|抓手|保证|基础|关键|途径|内容)[。；]?$")
REPEAT = re.compile(r"(推动|推进|加强|落实|抓好|围绕|深化|做好)\1")
TOPIC_TAIL = re.compile(r"(?:的)?(?:表态发言|表态|发言|讲话)$")
ENUM_LEAD = re.compile(r"^(?:[一二三四五六七八九十]+(?:是|要)|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])")


class Drafter:
    def __init__(self, assistant):
        self.a = assistant
        self.t = load_json("draft_templates.json")

    def _pick(self, options: list[str], topic: str) -> str:
        h = int(hashlib.sha256(topic.encode()).hexdigest(), 16)
        return options[h % len(options)]

    def _retrieve(self, topic: str, version) -> list:
        seen, hits = set(), []
        for q in (topic, topic + " 下一步 措施", topic + " 要求 落实 确保"):
            for h in self.a.searcher.search(q, 8, version=version).hits:
                if h.chunk.id not in seen:
                    seen.add(h.chunk.id)
                    hits.append(h)
        return hits

    def _is_commitment(self, s: Scored) -> bool:
        q = s.source.quote
        sec = " ".join(s.source.hit.chunk.section)
        if not 16 <= len(q) <= 220 or NEGATIVE.search(q) or "问题" in sec[-12:]:
            return False
        if not re.search(r"[。！；;]$", q) or q.rstrip("。") in sec or q.strip() == s.source.hit.title:
            return False            # a heading or a title line, not a measure
        if DEFINITION.search(q):
            return False            # says what something is, not what we will do
        if "了" in q and not re.search(r"要|将|确保|必须", q):
            return False            # a report of what was done
        return bool(MODAL.search(q))

    def measure_text(self, quote: str) -> str:
        body = quote.strip()
        body = ENUM_LEAD.sub("", body)
        for _ in range(2):
            m = SUBJECT.match(body) or re.match(r"^(?:党委|党组织|党组|党支部)(?:要|将|必须)", body)
            if m and m.end() and len(body) > m.end() + 8:
                body = body[m.end():].lstrip("，、 ")
        changed = True
        while changed:
            changed = False
            for lead in self.t["strip_leads"]:
                if body.startswith(lead) and len(body) > len(lead) + 8:
                    body = body[len(lead):].lstrip("，、 ")
                    changed = True
        return self.t["measure_prefix"] + as_answer_sentence(body)

    def draft(self, topic: str, occasion: str | None, length: int, version=None) -> dict:
        t0 = time.perf_counter()
        topic = TOPIC_TAIL.sub("", topic.strip()) or topic.strip()
        view = self.a.searcher.view(version)
        version = view.version            # one version for the whole draft
        hits = self._retrieve(topic, version)
        t1 = time.perf_counter()
        opening = REPEAT.sub(r"\1", self._pick(self.t["opening"], topic).format(topic=topic))
        if occasion:
            opening = self.t["opening_occasion"].format(occasion=occasion) + opening
        closing = REPEAT.sub(r"\1", self._pick(self.t["closing"], topic).format(topic=topic))
        if isinstance(self.a.generator, OpenAIGenerator):
            text, sources, templates = self._draft_llm(topic, occasion, length, hits)
        else:
            text, sources, templates = self._draft_extractive(topic, length, hits, view, opening, closing)
        text, citations, _, invalid = renumber(text, sources)
        quotes = {c["n"]: next((s.hit.chunk.text for s in sources if s.hit.chunk.id == c["chunk_id"]), c["quote"])
                  for c in citations}
        checks, grounded = verify(text, quotes, templates, user_text=topic + (occasion or ""))
        body_len = len(re.sub(r"\[\d+\]", "", text))
        return {
            "draft": text, "citations": citations, "grounded": grounded and not invalid and bool(citations),
            "sentences": [c.as_dict() for c in checks], "length": body_len, "target_length": length,
            "trace": {"topic": topic, "occasion": occasion, "generator": self.a.generator.name,
                      "hits": [{k: v for k, v in h.to_dict().items() if k != "text"} for h in hits],
                      "invalid_markers": invalid,
                      "timings": {"retrieve_ms": round((t1 - t0) * 1000, 2),
                                  "total_ms": round((time.perf_counter() - t0) * 1000, 2)}},
        }

    def _draft_extractive(self, topic, length, hits, view, opening, closing):
        terms = view.tokenizer.tokens(topic)
        scored = [s for s in score_sentences(terms, hits, view.keyword.idf, view.tokenizer.tokens)
                  if self._is_commitment(s)]
        frame = len(opening) + len(closing)
        ordinals = self.t["ordinals"]
        pool = select(scored, max_sentences=len(ordinals), max_chars=10 ** 6, redundancy=0.45)
        n = max(3, min(len(pool), round((length - frame) / 110)))
        chosen = pool[:n]

        def render(items: list[Scored]) -> tuple[str, list[Source], int]:
            lines, sources = [], []
            for i, s in enumerate(items):
                sources.append(s.source)
                m = self.measure_text(s.source.quote)
                lines.append(ordinals[i] + re.sub(r"([。！？])$", rf"[{len(sources)}]\1", m))
            text = opening + "\n" + "\n".join(lines) + "\n" + closing
            return text, sources, len(re.sub(r"\[\d+\]", "", text))

        text, sources, size = render(chosen)
        while size > length * 1.2 and len(chosen) > 3:
            chosen = chosen[:-1]
            text, sources, size = render(chosen)
        if size > length * 1.2:          # still long: prefer the shorter candidates
            chosen = sorted(pool, key=lambda s: len(s.source.quote))[:3]
            chosen.sort(key=lambda s: -s.score)
            text, sources, size = render(chosen)
        while size < length * 0.8 and len(chosen) < len(pool):
            chosen = pool[:len(chosen) + 1]
            text, sources, size = render(chosen)
        n_sent = len(split_output(text))
        templates = set(range(len(split_output(opening)))) | {n_sent - k - 1 for k in range(len(split_output(closing)))}
        return text, sources, templates

    def _draft_llm(self, topic, occasion, length, hits):
        sources = [whole(h) for h in hits[:8]]
        prompt = load("draft.txt").format(topic=topic, occasion=occasion or "（未指定）", length=length,
                                          context=context_block(sources))
        gen: OpenAIGenerator = self.a.generator
        text = "".join(gen.stream_text(gen.messages(prompt, [], f"请起草关于“{topic}”的表态发言。")))
        sents = split_output(text)
        paras = [p for p in text.split("\n") if p.strip()]
        frame = set()
        if paras:
            first, last = len(split_output(paras[0])), len(split_output(paras[-1]))
            for i, s in enumerate(sents):
                if (i < first or i >= len(sents) - last) and not re.search(r"\[\d+\]", s):
                    frame.add(i)
        return text, sources, frame
