"""表态发言 drafts: the unit's voice (each rewrite and each refusal, on sentences taken from the genre corpus and
the seeds), then whole drafts over the seed knowledge base: structure, citations, verbatim measures, coverage,
length from 300 to 3,000 characters, frames by occasion."""
from __future__ import annotations

import re

import pytest

from jianghua.assistant.drafting import clean_topic
from jianghua.assistant.voice import refusal, rewrite
from jianghua.prompts import load_json

MARKER = re.compile(r"\[(\d+)\]")
ORDINAL = re.compile(r"^([一二三四五六七八九十])是")
PART = re.compile(r"^([一二三四五六])、")
DOUBLED = re.compile(r"我们(?:将|要)[^。；]*我们(?:将|要|必须)|将(?:坚持|继续|进一步|切实)?将(?!来)|"
                     r"将要|要要|我们将(?:只有|要|必须)|我们要(?:要|必须)")

# -- the voice: rewrites -------------------------------------------------------------------------------------------
# (source sentence, the measure it must become); sources: the genre corpus (file named) and the seeds
REWRITES = [
    # xi_speeches_2020_jhsjk: adverbial clause kept, subject and modal replaced, quotation marks kept
    ("——面对疫情，我们要制定全面和常态化防控措施。", "面对疫情，我们将制定全面和常态化防控措施。"),
    ("当前形势下，我们要坚定不移构建开放型世界经济，维护以世界贸易组织为核心的多边贸易体制，反对滥用国家安全之名行保护主义之实。",
     "当前形势下，我们将坚定不移构建开放型世界经济，维护以世界贸易组织为核心的多边贸易体制，反对滥用国家安全之名行保护主义之实。"),
    ("我们要继续推动共建“一带一路”倡议同各国发展战略及欧亚经济联盟等区域合作倡议深入对接，加强互联互通。",
     "我们将继续推动共建“一带一路”倡议同各国发展战略及欧亚经济联盟等区域合作倡议深入对接，加强互联互通。"),
    # xi_speeches_12371_pages: a collective subject (全党, 各地区各部门) and its modal dropped
    ("全党要以这次主题教育为新的起点，不断深化党的自我革命，持续推动全党不忘初心、牢记使命。",
     "我们将以这次主题教育为新的起点，不断深化党的自我革命，持续推动全党不忘初心、牢记使命。"),
    ("各地区各部门要总结脱贫攻坚经验，发挥脱贫攻坚体制机制作用，接续推进巩固拓展攻坚成果同乡村振兴有效衔接。",
     "我们将总结脱贫攻坚经验，发挥脱贫攻坚体制机制作用，接续推进巩固拓展攻坚成果同乡村振兴有效衔接。"),
    # gov_work_reports_wikisource: the disposal 将…纳入 kept, so the lead is 我们要 (never 我们将将)
    ("要将中央企业下岗职工基本生活保障和再就业工作纳入地方总体安排，及时调剂社会筹集的资金。",
     "我们要将中央企业下岗职工基本生活保障和再就业工作纳入地方总体安排，及时调剂社会筹集的资金。"),
    ("今年，我们将重新组建国家知识产权局，完善执法力量，加大执法力度。", "今年，我们将重新组建国家知识产权局，完善执法力量，加大执法力度。"),
    # hailar_district_gov_reports: a bare modal; numbers kept verbatim
    ("要坚持产业城市一体化发展，不断增强中心城市宜居宜业水平和辐射带动能力。", "我们将坚持产业城市一体化发展，不断增强中心城市宜居宜业水平和辐射带动能力。"),
    ("下一步，我们将加快推进乡村振兴，实施乡村建设行动，新建改造农村公路200公里。", "我们将加快推进乡村振兴，实施乡村建设行动，新建改造农村公路200公里。"),
    # seeds: the three failures the issue quotes, now well formed
    ("在新形势新要求下，我们要牢固树立围绕中心、服务大局抓党建的理念，把党建工作与中心工作有效融合起来。",
     "在新形势新要求下，我们将牢固树立围绕中心、服务大局抓党建的理念，把党建工作与中心工作有效融合起来。"),
    ("全市各级党组织坚持将政治建设摆在首位，牢固树立“四个意识”，坚定落实“两个坚决维护”。",
     "我们要坚持将政治建设摆在首位，牢固树立“四个意识”，坚定落实“两个坚决维护”。"),
    ("各级党组织书记要切实履行第一责任人职责，做到重要工作亲自部署、重大问题亲自过问。", "我们将切实履行第一责任人职责，做到重要工作亲自部署、重大问题亲自过问。"),
    ("我们决不允许有令不行、有禁不止。", "我们决不允许有令不行、有禁不止。"),
    ("一要聚焦管党治党意识，从严从实落实党建工作责任；", "聚焦管党治党意识，我们将从严从实落实党建工作责任。"),
]

# (source sentence, a word of the reason it is not a unit's measure)
REFUSALS = [
    ("各级党委要加强对少先队工作的领导，各级政府及全社会要加强对少先队工作的支持，为新时代少年儿童茁壮成长提供有利条件。", "second subject"),
    ("委换届工作圆满完成，社会管理工作不断加强。", "result"),                                   # hailar
    ("2011年，地区生产总值完成198.5亿元，同比增长22.3%。", "result"),                          # hailar
    ("只有顺应历史潮流，积极应变，主动求变，才能与时代同行。", "condition"),                      # xi 12371
    ("今年，我们将迎来新中国成立70周年。", "commitment"),                                         # gov report
    ("优化营商环境就是解放生产力、提高竞争力，要破障碍、去烦苛、筑坦途，为市场主体添活力，为人民群众增便利。", "statement"),
    ("中国将继续实施积极的财政政策和稳健的货币政策，坚定不移扩大改革开放，放宽市场准入，持续优化营商环境。", "higher body"),
    ("基础研究和原始创新不断加强，一些关键核心技术实现突破，战略性新兴产业发展壮大。", "state"),
    ("区政府将加大财政投入，新建改扩建中小学校舍5万平方米。", "higher body"),                  # hailar
    ("全年完成投资***万元，同比增长××%。", "redacted"),
    ("组织党员干部认真学习贯彻市纪委X次全会、区纪委X次全会精神。", "redacted"),
    # seeds: the examples
    ("坚持市委落实全面从严治党主体责任工作领导小组定期会议制度，各成员单位切实明确工作任务分工。", "higher body"),
    ("区委组织部要尽快研究制定落实党建工作主体责任的具体意见。", "higher body"),
    ("巩固和发展反腐败斗争压倒性胜利。", "result"),
    ("只有全面从严治党的责任到位，管党治党才能真正落到实处。", "condition"),
    ("机关党建要在服务中心工作上集中用力，严格落实民主生活会、组织生活会制度。", "subject"),
    ("意识形态工作责任制还需进一步夯实。", "context"),
    ("（三）突出党建引领，提升组织凝聚力", "sentence"),                                            # a heading
]


@pytest.mark.parametrize("source,expected", REWRITES, ids=[s[:12] for s, _ in REWRITES])
def test_voice_rewrites(source, expected):
    r = rewrite(source)
    assert r is not None, refusal(source)
    assert r.text == expected
    assert r.core[:-1] in source and (not r.adverbial or r.adverbial in source)   # the source's words, verbatim
    assert not DOUBLED.search(r.text)
    assert re.findall(r"\d+(?:\.\d+)?", r.text) == re.findall(r"\d+(?:\.\d+)?", source)


@pytest.mark.parametrize("source,reason", REFUSALS, ids=[s[:12] for s, _ in REFUSALS])
def test_voice_refuses(source, reason):
    assert rewrite(source) is None
    assert reason in refusal(source)


def test_topic_cleaning():
    assert clean_topic("街道党工委关于转变工作作风的表态发言") == "转变工作作风"
    assert clean_topic("机关党支部书记抓好党建问题整改落实的表态发言") == "抓好党建问题整改落实"
    assert clean_topic("推进乡村振兴") == "推进乡村振兴"


def test_templates_carry_no_numbers_or_quotes():
    t = load_json("draft_templates.json")
    texts = [s for fam in t["occasions"] + [t["default"]] for k in ("opening", "closing") for s in fam[k]]
    texts += t["opening_long"] + t["part_headings"] + t["part_headings_plain"] + [t["slot"], t["slot_part"]]
    assert len(texts) > 20
    for s in texts:
        assert not re.search(r"[\d０-９“”\"]", s), s


# -- whole drafts over the seed knowledge base ---------------------------------------------------------------------
def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _measures(text: str) -> list[str]:
    """Every measure sentence (一是…), wherever it stands in its paragraph."""
    out = []
    for p in _paragraphs(text):
        out += [m.group() for m in re.finditer(r"[一二三四五六七八九十]是[^。！？]*[。！？]", p)]
    return out


def _cases(seed_drafts):
    return list(seed_drafts.values())


def _check_measures(seed_kb, r, label):
    """Every measure cited, its borrowed words verbatim in the cited passage, no doubled subject or modal, no two
    alike."""
    by_n = {c["n"]: c for c in r["citations"]}
    seen = []
    for m in _measures(r["draft"]):
        assert not DOUBLED.search(m), (label, m[:40])
        cited = [by_n[int(n)] for n in MARKER.findall(m)]
        assert cited, (label, m[:30])
        text = seed_kb.document(cited[0]["doc_id"]).text[cited[0]["start"]:cited[0]["end"]]
        body = re.sub(r"^[一二三四五六七八九十]是", "", MARKER.sub("", m)).rstrip("。！？")
        adverbial, _, core = body.rpartition("，我们") if "，我们" in body[:30] else ("", "", body)
        core = re.sub(r"^(?:我们)?(?:将|要)?", "", core)
        assert core in text.rstrip("。；;！"), (label, core[:40])
        assert not adverbial or adverbial in text, (label, adverbial)
        assert core not in seen, (label, core[:30])
        seen.append(core)


def _check_source_order(r, label):
    """Within the draft (each part of a long one), measures from one document keep the document's order."""
    by_n = {c["n"]: c for c in r["citations"]}
    for block in re.split(r"(?m)^[一二三四五六]、.*$", r["draft"]):
        last: dict[str, int] = {}
        for m in _measures(block):
            c = by_n[int(MARKER.findall(m)[0])]
            assert c["start"] > last.get(c["doc_id"], -1), (label, m[:30])
            last[c["doc_id"]] = c["start"]


def test_drafting_structure_and_coverage(seed_drafts):
    assert len(seed_drafts) == 7
    coverages = {}
    for case, r in _cases(seed_drafts):
        coverages[case.id] = r["coverage"]
        assert r["coverage"] in ("sufficient", "thin", "none"), case.id
        if r["coverage"] == "none":
            assert r["draft"] == "" and r["closest"], case.id
            continue
        paras = _paragraphs(r["draft"])
        measures = _measures(r["draft"])
        assert len(measures) >= (3 if r["coverage"] == "sufficient" else 1), case.id
        assert [m[0] for m in measures] == list("一二三四五六七八九十")[:len(measures)], case.id
        assert not ORDINAL.match(paras[0]) and not ORDINAL.match(paras[-1]), case.id
        assert not MARKER.search(paras[0]) and not MARKER.search(paras[-1]), case.id
        if case.occasion:
            assert case.occasion in paras[0], case.id
        assert ("[待补：" in r["draft"]) == (r["coverage"] == "thin"), case.id
    assert list(coverages.values()).count("sufficient") >= 3, coverages        # measured 3/7 when written


def test_drafting_measures_cited_verbatim(seed_kb, seed_drafts):
    for case, r in _cases(seed_drafts):
        _check_measures(seed_kb, r, case.id)
        _check_source_order(r, case.id)
        assert all(1 <= int(n) <= len(r["citations"]) for n in MARKER.findall(r["draft"])), case.id


def test_drafting_length_within_20_percent_unless_thin(seed_drafts):
    for case, r in _cases(seed_drafts):
        text = r["draft"]
        mine = len(re.sub(r"\s", "", MARKER.sub("", text)))
        assert abs(r["length"] - mine) <= text.count("\n"), (case.id, r["length"], mine)
        assert r["target_length"] == case.length
        if r["coverage"] == "sufficient":
            assert 0.8 * case.length <= mine <= 1.2 * case.length, (case.id, mine, case.length)
        else:
            assert mine <= 1.2 * case.length, (case.id, mine)


def test_drafting_grounded(seed_drafts):
    for case, r in _cases(seed_drafts):
        if r["coverage"] == "none":
            continue
        bad = [(s["text"][:30], s["flags"]) for s in r["sentences"] if not s["supported"]]
        assert bad == [] and r["grounded"] is True, (case.id, bad)
        assert r["trace"]["invalid_markers"] == [], case.id


def test_drafting_cites_a_case_document(seed_drafts, doc_stem):
    hit = [case.id for case, r in _cases(seed_drafts)
           if {doc_stem[c["doc_id"]] for c in r["citations"]} & set(case.docs)]
    assert len(hit) / len(seed_drafts) >= 0.7, sorted(set(seed_drafts) - set(hit))


@pytest.fixture(scope="module")
def lengths(seed_app):
    topic = "加强基层党组织建设"
    return {n: seed_app.draft(topic, None, n) for n in (300, 1500, 3000)}


def test_short_target_is_one_paragraph(lengths):
    r = lengths[300]
    assert r["coverage"] == "sufficient"
    assert len(_paragraphs(r["draft"])) == 1
    assert 240 <= r["length"] <= 360


def test_long_target_has_parts_with_headings(seed_kb, lengths):
    for n in (1500, 3000):
        r = lengths[n]
        paras = _paragraphs(r["draft"])
        parts = [p for p in paras if PART.match(p)]
        assert len(parts) >= 3, (n, parts)
        assert [PART.match(p).group(1) for p in parts] == list("一二三四五六")[:len(parts)]
        assert len(set(parts)) == len(parts)
        assert all(not MARKER.search(p) for p in parts)                    # a heading is not a cited sentence
        for p, nxt in zip(paras, paras[1:]):
            if PART.match(p):
                assert nxt.startswith("一是") or nxt.startswith("[待补："), (n, nxt[:20])
        _check_measures(seed_kb, r, n)
        _check_source_order(r, n)
        if r["coverage"] == "sufficient":
            assert 0.8 * n <= r["length"] <= 1.2 * n, (n, r["length"])
        else:
            assert "[待补：" in r["draft"] and r["length"] <= 1.2 * n


def test_off_corpus_topic_gets_no_invented_measures(seed_app):
    r = seed_app.draft("量子计算产业发展", None, 1500)
    assert r["coverage"] in ("none", "thin")
    if r["coverage"] == "none":
        assert r["draft"] == "" and r["citations"] == [] and r["closest"]
    for c in r["citations"]:
        assert "量子" in c["quote"]


def test_occasion_changes_the_frame(seed_app):
    topic = "落实全面从严治党主体责任"
    occasions = ("党支部书记抓党建述职评议会议", "全面从严治党工作动员部署会", None)
    firsts = [_paragraphs(seed_app.draft(topic, o, 600)["draft"])[0].replace(o or "", "") for o in occasions]
    assert len(set(firsts)) == 3                        # the frame changes, not only the occasion's name
    assert "评议" in firsts[0] and "评议" not in firsts[1] and "部署" in firsts[1]


def test_drafting_app_input_check(seed_app):
    from jianghua.errors import InputError
    with pytest.raises(InputError):
        seed_app.draft("推动党建与业务深度融合", length=50)


def test_page_shows_coverage(seed_app):
    from jianghua.ui.render import draft_note, sources_html
    thin = seed_app.draft("量子计算产业发展", None, 1500)
    none = {"draft": "", "citations": [], "coverage": "none", "length": 0, "target_length": 600,
            "closest": [{"title": "某文", "text": "最接近的段落"}]}
    good = seed_app.draft("落实全面从严治党主体责任", None, 600)
    assert good["coverage"] == "sufficient" and "资料充分" in draft_note(good)
    assert "资料不足" in draft_note(thin) or "未找到" in draft_note(thin)
    assert "未找到" in draft_note(none) and "最接近的段落" in sources_html(none)
