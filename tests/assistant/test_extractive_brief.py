"""How the extractive answer chooses and lays out its sentences (assistant/extractive.py): a sentence adding a content
term of the question comes before one repeating what the first says; chosen neighbours read as the document gives
them (order and punctuation), the cause before a sentence that opens with 因此; a short answer takes the sentence that
follows its own. Sentences are CMRC 2018 trial passages, verbatim."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from jianghua.assistant.citations import Source
from jianghua.assistant.extractive import (ExtractiveGenerator, answer_deltas, in_reading_order, with_antecedent,
                                           with_context)
from jianghua.assistant.question import Question, Term
from jianghua.assistant.ranking import Candidate
from jianghua.records import Chunk, Hit

PASSIFLORA = ("大果西番莲（学名：\"\"）是西番莲属的植物中，果实最大的一种。它是分布于热带美洲的一种多年生植物，拥有心形的、卵形的或是尖形的"
              "平滑叶子。其叶柄（petiole）有四到六个腺体。它的根部可用来当作催吐剂与麻醉药品。大果西番莲有时候会在温室中种植。")
XIANGLI = ("乡里制作为集行政、教化、司法、自我管理和监督于一身的基层组织体系，其职能有四个方面：一是利用地方长老进行「教化」活动，"
           "使封建伦理道德深入乡民；二是管理户籍，征敛赋税和徭役；三是维护社会治安，以「什伍连坐法」的强力措施，达到维持社会稳定的目的；"
           "四是通过「乡举里送」，向朝廷推荐官吏。乡里组织在唐末藩镇压混战和农民大起义中瓦解。")
BAOBAB = ("非洲猴面包树的果实长约15至20厘米。钙含量比菠菜高50％以上，含较高的抗氧化成分，维生素C含量是单个橙子的三倍。"
          "因此它有时也被称为笨蛋水果。猴面包树的叶子可以吃，味道很好；而果实溶解在牛奶或水中，可作饮料。")
BAEKJE = ("475年9月，长寿王趁机率领三万大军讨伐百济。盖卤王遣其子文周往新罗求救，新罗王慈悲麻立干遣一万人来支援百济，但为时已晚。"
          "百济首都慰礼城被高句丽攻陷。盖卤王出奔，并在阿且城（今首尔特别市城东区康壮洞）被杀死。")


def _hit(text: str, doc: str = "d1") -> Hit:
    return Hit(Chunk(f"{doc}-c0", doc, text, (), 0, len(text)), doc, f"{doc}.txt", 1.0)


def _src(hit: Hit, sentence: str) -> Source:
    i = hit.chunk.text.index(sentence)
    return Source(hit, i, i + len(sentence))


def _plain(deltas) -> str:
    return re.sub(r"\[\d+\]", "", "".join(deltas))


def test_a_sentence_adding_a_question_term_comes_before_one_repeating_the_first():
    hit = _hit(PASSIFLORA)
    ranked = [Candidate(_src(hit, s), {}, i, score) for i, (s, score) in enumerate([
        ("大果西番莲（学名：\"\"）是西番莲属的植物中，果实最大的一种。", 0.398),
        ("大果西番莲有时候会在温室中种植。", 0.39),
        ("它的根部可用来当作催吐剂与麻醉药品。", 0.044)])]
    q = Question("大果西番莲的根部有什么作用？", [Term("大果西番莲", 5.7, True), Term("根部", 5.2, True), Term("作用", 3.8, True)])
    gen = ExtractiveGenerator()
    with_q = [s.quote for s in gen.brief(ranked, 0.04, max_sentences=2, question=q)]
    assert with_q == ["大果西番莲（学名：\"\"）是西番莲属的植物中，果实最大的一种。", "它的根部可用来当作催吐剂与麻醉药品。"]
    by_score = [s.quote for s in gen.brief(ranked, 0.04, max_sentences=2)]
    assert by_score[1] == "大果西番莲有时候会在温室中种植。"


def test_neighbours_read_in_document_order_with_their_own_punctuation():
    hit = _hit(XIANGLI)
    lead = XIANGLI[:XIANGLI.index("；") + 1]
    second = "二是管理户籍，征敛赋税和徭役；"
    third = "三是维护社会治安，以「什伍连坐法」的强力措施，达到维持社会稳定的目的；"
    ordered = in_reading_order([_src(hit, lead), _src(hit, third), _src(hit, second)])
    assert [s.quote for s in ordered] == [lead, second, third]
    text = _plain(answer_deltas(ordered))
    assert "深入乡民；二是管理户籍，征敛赋税和徭役；三是维护社会治安" in text      # verbatim across the boundaries
    assert text.endswith("维持社会稳定的目的。")                                # the last one ends the answer
    # ranked first and not pointing back, "二是…" stays first; its successor still follows it at once
    assert [s.quote for s in in_reading_order([_src(hit, second), _src(hit, lead), _src(hit, third)])] == [
        second, third, lead]


def test_a_sentence_that_leans_back_follows_its_cause():
    hit = _hit(BAOBAB)
    best = _src(hit, "因此它有时也被称为笨蛋水果。")
    cause = _src(hit, "钙含量比菠菜高50％以上，含较高的抗氧化成分，维生素C含量是单个橙子的三倍。")
    assert [s.quote for s in in_reading_order([best, cause])] == [cause.quote, best.quote]
    assert "三倍。因此它有时也被称为笨蛋水果。" in _plain(answer_deltas(in_reading_order([best, cause])))


def test_the_best_sentence_stays_first_when_it_does_not_lean_back():
    hit = _hit(BAEKJE)
    best = _src(hit, "百济首都慰礼城被高句丽攻陷。")
    before = _src(hit, "盖卤王遣其子文周往新罗求救，新罗王慈悲麻立干遣一万人来支援百济，但为时已晚。")
    assert in_reading_order([best, before]) == [best, before]
    other = _src(_hit(BAOBAB, "d2"), "因此它有时也被称为笨蛋水果。")
    assert in_reading_order([other, best]) == [other, best]         # other documents are no neighbours


def test_a_short_answer_takes_the_sentence_after_its_own():
    hit = _hit(BAEKJE)
    first = _src(hit, "盖卤王遣其子文周往新罗求救，新罗王慈悲麻立干遣一万人来支援百济，但为时已晚。")
    got = [s.quote for s in with_context([first], 60)]
    assert got == [first.quote, "百济首都慰礼城被高句丽攻陷。"]
    assert with_context([first], 45) == [first]                      # the next one would pass the limit
    last = _src(hit, "盖卤王出奔，并在阿且城（今首尔特别市城东区康壮洞）被杀死。")
    assert with_context([last], 200) == [last]                       # nothing follows in the passage


def test_a_best_sentence_pointing_back_brings_its_antecedent():
    hit = _hit(BAOBAB)
    best = _src(hit, "因此它有时也被称为笨蛋水果。")
    other = _src(hit, "猴面包树的叶子可以吃，味道很好；")
    got = with_antecedent([best, other], 200)
    cause = "钙含量比菠菜高50％以上，含较高的抗氧化成分，维生素C含量是单个橙子的三倍。"
    assert [s.quote for s in got] == [best.quote, cause, other.quote]
    assert "三倍。因此它有时也被称为笨蛋水果" in _plain(answer_deltas(in_reading_order(got)))
    # the antecedent outranks the other sentences when the answer would grow past the limit
    assert [s.quote for s in with_antecedent([best, other], len(best.quote) + len(cause) + 5)] == [best.quote, cause]
    assert with_antecedent([best], len(best.quote) + 10) == [best]         # nor alone past it
    # a contrast (但…) or a sentence not pointing back stands on its own
    plain = _src(hit, "猴面包树的叶子可以吃，味道很好；")
    assert with_antecedent([plain], 200) == [plain]


def test_the_antecedent_of_a_passage_s_first_sentence_is_in_the_passage_before():
    first, second = BAOBAB[:BAOBAB.index("因此")], BAOBAB[BAOBAB.index("因此"):]
    a = Hit(Chunk("d1-c0", "d1", first, (), 0, len(first)), "d1", "d1.txt", 1.0)
    b = Hit(Chunk("d1-c1", "d1", second, (), len(first), len(BAOBAB)), "d1", "d1.txt", 1.0)
    best = Source(b, len(first), len(first) + len("因此它有时也被称为笨蛋水果。"))
    got = with_antecedent([best], 200, around=lambda hit: [a, hit])
    assert [s.quote for s in got] == [best.quote, "钙含量比菠菜高50％以上，含较高的抗氧化成分，维生素C含量是单个橙子的三倍。"]
    assert got[1].hit is a
    assert with_antecedent([best], 200) == [best]                          # no passages around: left alone
    gap = Hit(Chunk("d1-c0", "d1", first[:-3], (), 0, len(first) - 3), "d1", "d1.txt", 1.0)
    assert with_antecedent([best], 200, around=lambda hit: [gap, hit]) == [best]   # text missing in between


HAILAR_2014 = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre"
               / "hailar_district_gov_reports_2012_2019" / "hailar_2014.txt")


@pytest.mark.skipif(not HAILAR_2014.is_file(), reason="shared corpus not beside the repository")
def test_a_paragraph_lead_is_answered_with_what_follows_it():
    """"积极实施创业就业工程。" opens a paragraph of the 2014 海拉尔区 report and says only the topic; what it sets
    (年内新增就业岗位…, 失业率控制在…) follows it. With the lead ranked first and sentences of other paragraphs after it,
    the answer is the lead and the sentences after it in its paragraph, read off the file here."""
    from dataclasses import replace

    from jianghua.assistant.answerability import Decision
    from jianghua.assistant.composition import Job
    from jianghua.assistant.runs import is_lead
    from jianghua.assistant.weigh import weigh
    from jianghua.index.tokenize import get_tokenizer

    text = HAILAR_2014.read_text(encoding="utf-8")
    hits, pos = [], 0
    for para in text.split("\n"):
        if para.strip():
            hits.append(Hit(Chunk(f"h-{len(hits)}", "h", para, (), pos, pos + len(para)), "hailar_2014", "h.txt", 1.0))
        pos += len(para) + 1
    lead_hit = next(h for h in hits if "积极实施创业就业工程。" in h.chunk.text)
    body = re.findall(r"[^。]+。", lead_hit.chunk.text.split("积极实施创业就业工程。", 1)[1])
    hits = [lead_hit] + [h for h in hits if h is not lead_hit and "就业" in h.chunk.text][:7]
    tok = get_tokenizer()
    q = "2014年创业就业定了什么目标？"
    ev = weigh(q, hits, tok.tokens, lambda t: sum(t in h.chunk.text for h in hits), len(hits))
    lead = next(c for c in ev.ranked if c.quote.strip() == "积极实施创业就业工程。")
    others = [c for c in ev.ranked if c.source.hit is not lead_hit]
    assert is_lead(lead.source) and not any(is_lead(c.source) for c in others[:3] if len(c.quote) > 20)
    ev = replace(ev, ranked=[lead] + others, decision=Decision(True, 1.0, "test", {}))
    comp = ExtractiveGenerator().compose(Job(q, hits, [], tok.tokens(q), lambda t: 1.0, tok.tokens, ev))
    answer = _plain(comp.deltas)
    assert answer.startswith("积极实施创业就业工程。" + body[0].strip()), answer
    assert all(s.hit is lead_hit for s in comp.sources), answer
    # a sentence inside the paragraph is no lead
    from jianghua.assistant.evidence import sentences_of
    mid = next(s for s in sentences_of(lead_hit) if s.quote.strip() == body[0].strip())
    assert not is_lead(mid)
