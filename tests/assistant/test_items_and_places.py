"""Items and places a follow-up points to. A list the question names by its lead rather than its items (the lead
"…以下几个方面的认识和体会：" ends in a colon and ranks low as a sentence, like a heading, yet is where the asked item's
list starts); follow-ups pointing into a list by number (第三对呢？, 接下来一条呢？, 排第四的是哪一种？ of an inline
list), into a part of the previous answer (这里头…), at another year's report, or at the next paragraph (接下来那段…).
Real documents of the shared corpus; the expected sentences are read off the files here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from jianghua.assistant.condense import asks_within, ordinal, own_words

GENRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre"
REPORTS = GENRE / "gov_work_reports_wikisource"
SELF_REVOLUTION = GENRE / "xi_speeches_12371_pages" / "ARTI1564557205724455.txt"   # 2019-06 第十五次集体学习
FIRST_PLENUM = GENRE / "xi_speeches_12371_pages" / "ARTI1514699033042788.txt"      # 2017-10 十九届一中全会
HAILAR_2017 = GENRE / "hailar_district_gov_reports_2012_2019" / "hailar_2017.txt"
needs_corpus = pytest.mark.skipif(not REPORTS.is_dir(), reason="shared corpus not beside the repository")


def test_partitive_openings_and_pair_ordinals():
    for q in ("这里头替地方代发的债是多少？", "里头有多少是中央财政的？", "这当中农村占多少？", "其中第二点呢？"):
        assert asks_within(q) == (ordinal(q) is None), q
    assert own_words("这里头替地方代发的债是多少？") == "替地方代发的债是多少？"
    assert ordinal("第三对呢？") == 3 and ordinal("第二句话是什么？") == 2 and ordinal("最后一句是什么？") == -1
    assert ordinal("第三季度增长多少？") is None          # a quarter, not an item


def _items_after(path: Path, lead: str, n: int) -> list[str]:
    """The first ``n`` lines after the lead that open with an item marker (一是 二是 …)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").split("\n") if ln.strip()]
    i = next(k for k, ln in enumerate(lines) if lead in ln)
    return [ln for ln in lines[i + 1:] if re.match(r"[一二三四五六七八九十]是", ln)][:n]


@pytest.fixture(scope="module")
def reports_app(tmp_path_factory):
    from jianghua.app import Jianghua
    from jianghua.settings import Settings
    files = [next(REPORTS.glob(f"*_{y}_*.txt")) for y in (2010, 2011)] + [SELF_REVOLUTION, FIRST_PLENUM]
    app = Jianghua(Settings(kb=tmp_path_factory.mktemp("kb") / "kb", dense_weight=0.0), create=True)
    app.kb.ingest(files, progress=False, embed=False)
    return app


def _first(answer: str) -> str:
    return re.split(r"(?<=\])", answer, maxsplit=1)[0]


@needs_corpus
def test_the_item_of_a_list_announced_by_a_colon_lead(reports_app):
    first, second = _items_after(next(REPORTS.glob("*_2011_*.txt")), "以下几个方面的认识和体会：", 2)
    assert first.startswith("一是") and second.startswith("二是")
    q = "2011年政府工作报告回顾“十一五”时期政府工作的体会，第一条是什么？"
    r = reports_app.ask(q)
    assert first.rstrip("。") in _first(r["answer"])
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": r["answer"]}]
    nxt = reports_app.ask("接下来一条呢？", history)
    assert second.rstrip("。") in _first(nxt["answer"])


@needs_corpus
def test_a_list_announced_without_a_count_answers_which_pairs(reports_app):
    text = SELF_REVOLUTION.read_text(encoding="utf-8")
    items = re.findall(r"[一二三四]是要坚持[^，]*相统一", text)
    assert len(items) == 4
    q = "总书记在以“牢记初心使命，推进自我革命”为题的政治局集体学习上说，推进党的自我革命要处理好哪几对关系？"
    r = reports_app.ask(q)
    assert all(i in r["answer"] for i in items)
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": r["answer"]}]
    third = reports_app.ask("第三对呢？", history)
    assert items[2] in _first(third["answer"])


@needs_corpus
def test_an_inline_list_gives_its_items_to_an_ordinal_follow_up():
    from jianghua.assistant.condense import condense_without_llm
    from jianghua.assistant.enumeration import inline_items
    text = (GENRE / "xi_speeches_12371_pages" / "ARTI1547641003866936.txt").read_text(encoding="utf-8")
    sentence = re.search(r"[^。]*全面提升政法干警的[^。]*。", text).group()      # 2019 中央政法工作会议
    items = inline_items(sentence)
    tail = sentence.split("全面提升政法干警的", 1)[1].rstrip("。")
    assert items == re.split(r"、", tail) and len(items) == 5
    assert inline_items("要加快科技创新、推动产业升级。") is None           # two clauses, not a list
    assert inline_items("坚持实战、实用、实效导向。") is None                # no shared head noun of three characters
    # the last item runs on into the sentence: cut at its head noun
    assert inline_items("以打造国际化的草原音乐名城、冰雪运动名城、生态旅游名城为目标。") == ["草原音乐名城", "冰雪运动名城",
                                                                             "生态旅游名城"]
    history = [{"role": "user", "content": "中央政法工作会议上，总书记提出要全面提升政法干警哪些能力？"},
               {"role": "assistant", "content": sentence.rstrip("。") + "[1]。"}]
    assert condense_without_llm("排第四的是哪一种？", history) == f"{items[3]}，是哪一种？"


def test_a_follow_up_naming_another_year_of_the_same_report_asks_the_same():
    from jianghua.assistant.condense import condense_without_llm
    h = lambda q: [{"role": "user", "content": q}, {"role": "assistant", "content": "……[1]。"}]      # noqa: E731
    assert (condense_without_llm("2008年那份报告安排的是多少？", h("2009年政府工作报告里拟安排的中央财政赤字是多少？"))
            == "2008年政府工作报告里拟安排的中央财政赤字是多少？")
    assert (condense_without_llm("2010年那份报告里是多少？", h("2012年报告城镇居民医保的财政补助标准是多少？"))
            == "2010年报告城镇居民医保的财政补助标准是多少？")
    # a word of its own (就业): not the same question
    assert condense_without_llm("2008年那份报告里就业目标是多少？",
                                h("2009年政府工作报告里拟安排的中央财政赤字是多少？")).count("就业") == 1


@needs_corpus
def test_the_next_paragraph_follows_the_quoted_sentence_within_its_passage(reports_app):
    """"接下来那段讲的是什么？": the paragraph after the one the previous answer quoted, though both lie in one passage
    (what the next passages hold comes after it)."""
    paragraphs = [p.strip() for p in FIRST_PLENUM.read_text(encoding="utf-8").split("\n") if p.strip()]
    i = next(k for k, p in enumerate(paragraphs) if p.startswith("贯彻落实党的十九大精神，还有一个重要任务"))
    said = paragraphs[i].split("。")[0] + "。"
    nxt = re.sub(r"^同志们[！!]", "", paragraphs[i + 1]).split("。")[0]       # its salutation is no answer
    q = "十九届一中全会讲话里，总书记说贯彻十九大精神还有一个重要任务，是什么？"
    r = reports_app.ask(q)
    assert _first(r["answer"]).startswith(said.rstrip("。"))
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": r["answer"]}]
    after = reports_app.ask("接下来那段讲的是什么？", history)
    body = re.sub(r"\[\d+\]", "", after["answer"])
    assert body.startswith(nxt)
    assert paragraphs[i].split("。")[1] not in body           # not the rest of the quoted paragraph


def test_an_editors_note_of_the_occasion_is_no_answer():
    from jianghua.assistant.ranking import is_meta
    notes = re.findall(r"^（这是[^\n]*讲话[^\n]*）$", SELF_REVOLUTION.read_text(encoding="utf-8"), re.M)
    assert notes and all(is_meta(n) for n in notes)
    assert is_meta("※这是习近平总书记2020年6月2日在专家学者座谈会上的讲话")
    assert not is_meta("这是关系改革和发展全局的重要任务。")


def test_a_marker_after_a_closing_bracket_stays_with_its_sentence():
    from jianghua.assistant.verify import split_output
    note = "（这是习近平总书记2018年6月29日在十九届中央政治局第六次集体学习时的讲话。）"
    parts = split_output(f"{note}[1]今天，我们进行集体学习[2]。")
    assert parts == [note.replace("。）", "[1]。）"), "今天，我们进行集体学习[2]。"]


@needs_corpus
def test_a_quoted_phrase_the_question_asks_about_comes_first(tmp_path, monkeypatch):
    """哪一种“症”: the one sentence holding the quoted phrase ranks first, though the meeting's opening lines hold more
    of the question's other words (2018-06 第六次集体学习; the sentence read off the file)."""
    from jianghua.assistant import weigh as W
    from jianghua.index.kb import KnowledgeBase
    from jianghua.index.search import HybridSearcher
    from jianghua.settings import Settings
    path = GENRE / "xi_speeches_12371_pages" / "ARTI1563175171571676.txt"
    said = re.search(r"[^。\n]*麻痹症。", path.read_text(encoding="utf-8")).group()
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    kb.ingest([path, SELF_REVOLUTION, FIRST_PLENUM], progress=False, embed=False)
    searcher = HybridSearcher(kb)
    view = searcher.view(None)
    q = "总书记在讲党的政治建设的那次集体学习中，要求坚决防止和克服哪一种“症”？"
    res = searcher.search(q, 8)
    args = (q, res.hits, view.tokenizer.tokens, view.keyword.df, view.n_chunks)
    ev = W.weigh(*args)
    assert ev.decision.answer and ev.ranked[0].quote == said
    monkeypatch.setattr(W, "QUOTED_OUTSIDE", 1.0)
    assert W.weigh(*args).ranked[0].quote != said         # the reason for the rule


def test_a_follow_up_naming_another_aspect_replaces_the_previous_ones():
    from jianghua.assistant.condense import condense_without_llm
    h = lambda q: [{"role": "user", "content": q}, {"role": "assistant", "content": "……[1]。"}]      # noqa: E731
    previous = "总书记在2019年6月那次讲自我革命的集体学习上说，党的组织建设方面要坚决反对哪几种主义？"
    assert (condense_without_llm("作风和纪律那块要抓啥？", h(previous))
            == "总书记在2019年6月那次讲自我革命的集体学习上说，党的作风和纪律方面，要抓啥？")
    # a new slot holding a demonstrative of its own (人员进出多的那些省份) takes the place of the previous one (北京)
    assert (condense_without_llm("那湖北周边、人员进出多的那些省份呢？", h("总书记对北京的疫情防控有什么要求？"))
            == "总书记对湖北周边、人员进出多的那些省份的疫情防控有什么要求？")
    # no aspect in the previous question: the previous topic joins the follow-up as before
    assert "选人用人" in condense_without_llm("那选人用人这块咋讲的？", h("总书记说党内政治生活还有哪些毛病？"))


@pytest.fixture(scope="module")
def hailar_app(tmp_path_factory):
    from jianghua.app import Jianghua
    from jianghua.settings import Settings
    app = Jianghua(Settings(kb=tmp_path_factory.mktemp("kb") / "kb", dense_weight=0.0), create=True)
    app.kb.ingest([HAILAR_2017.with_name(f"hailar_{y}.txt") for y in (2016, 2017, 2018)], progress=False, embed=False)
    return app


@needs_corpus
def test_a_heading_listing_inline_what_is_asked_answers_and_its_items_are_asked_about(hailar_app):
    """"要打造哪几个国际化名城？": the section heading lists the three 名城 inline; "第二个打算靠什么来建？" asks about the
    second of them in words (靠, 建) the passages do not use — the item's own sentence answers (read off the file)."""
    lines = [ln.strip() for ln in HAILAR_2017.read_text(encoding="utf-8").split("\n") if ln.strip()]
    heading = next(ln for ln in lines if re.search(r"名城、.*名城、.*名城", ln) and ln.startswith("("))
    second = re.findall(r"、?([^、的]*名城)", heading)[1]
    says = next(ln for ln in lines if ln.split("。")[0].endswith(second)).split("。")[0]
    q = "海拉尔区2017年政府工作报告提出要打造哪几个国际化名城？"
    r = hailar_app.ask(q)
    assert _first(r["answer"]).startswith(heading.split(",")[0])
    history = [{"role": "user", "content": q}, {"role": "assistant", "content": r["answer"]}]
    nxt = hailar_app.ask("第二个打算靠什么来建？", history)
    assert says in nxt["answer"]


def test_a_web_pages_headlines_are_headings_a_sentence_without_its_stop_is_not():
    from jianghua.assistant.ranking import is_heading
    from jianghua.records import Chunk, Hit
    hit = Hit(Chunk("c", "d", "", (), 0, 0), "某页", "d.txt", 1.0)
    for line in ("【专题】学习贯彻习近平总书记在2019年春季学期中央党校（国家行政学院）中青年干部培训班开班式上的重要讲话",
                 "以实际行动诠释对党忠诚服务人民——习近平总书记在中青年干部培训班上的重要讲话鼓舞和鞭策广大中青年干部",
                 "人民日报评论员：加强理论修养 不断修炼自我——论学习贯彻习近平总书记在中青年干部培训班上重要讲话",
                 "习近平在中央政治局第十五次集体学习时强调 全党必须始终不忘初心牢记使命 在新时代把党的自我革命推向深入"):
        assert len(line) > 40 and is_heading(line, hit), line
    # the title line of a speech, with its date and speaker
    titled = Hit(Chunk("c", "d", "", (), 0, 0), "在中央政治局常委会会议研究应对新型冠状病毒肺炎疫情工作时的讲话", "d.txt", 1.0)
    assert is_heading("在中央政治局常委会会议研究应对新型冠状病毒肺炎疫情工作时的讲话（2020年2月3日）习近平", titled)
    # a CMRC passage's last sentence, its stop lost: one clause, no headline's mark
    assert not is_heading("“康缘药业杯”2010中国(南京)国际象棋超级大赛于2010年10月19-30日在南京市举行并取得成功", hit)


def test_an_ordinal_into_another_list_the_follow_up_names_is_no_item_of_the_previous_answer():
    from jianghua.assistant.condense import condense_without_llm
    history = [{"role": "user", "content": "市领导在书记述职评议会上谈了几点感受？"},
               {"role": "assistant", "content": "三点：区委重视、组织有力；书记们述职直面问题；该区党建工作有创新有亮点。"}]
    standalone = condense_without_llm("那他给大家的建议里，头一条讲的是什么？", history)
    assert "区委重视" not in standalone and "建议里，头一条" in standalone
    # the list the previous question asked for: its item
    assert condense_without_llm("感受里头一条是什么？", history).startswith("区委重视")


def test_a_sentence_listing_inline_what_is_asked_answers_alone(seed_app):
    """"…履行的几项主体责任是什么？": the sentence that lists the four 主体责任 inline (read off the sample speech)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(__file__).resolve().parents[2].glob(
        "samples/seeds/*.txt")))
    said = re.search(r"[^。\n]*抓作风建设的主体责任。", text).group().rstrip("。")
    r = seed_app.ask("区直机关推进会讲话要求各党组织书记履行的几项主体责任是什么？")
    assert _first(r["answer"]).startswith(said)


@needs_corpus
def test_a_list_asked_within_the_previous_answer_is_quoted_from_its_sentence(tmp_path):
    """"其中要做大做强的是哪几类产业？" after an answer quoting "…培育壮大节能环保产业、清洁生产产业、清洁能源产业，…":
    the clause of that sentence listing the 产业, not a list of 产业 from elsewhere (2018 全国生态环境保护大会)."""
    from jianghua.app import Jianghua
    from jianghua.settings import Settings
    path = GENRE / "xi_speeches_12371_pages" / "ARTI1526735275136639.txt"
    said = re.search(r"[^。\n]*培育壮大节能环保产业[^。]*。", path.read_text(encoding="utf-8")).group()
    clause = re.search(r"[^，]*清洁能源产业", said).group()
    app = Jianghua(Settings(kb=tmp_path / "kb", dense_weight=0.0), create=True)
    app.kb.ingest([path, HAILAR_2017], progress=False, embed=False)
    history = [{"role": "user", "content": "全国生态环境保护大会上习近平讲全面推动绿色发展，重点要做哪些事？"},
               {"role": "assistant", "content": said.rstrip("。") + "[1]。"}]
    r = app.ask("其中要做大做强的是哪几类产业？", history)
    assert re.sub(r"\[\d+\]", "", r["answer"]).rstrip("。") == clause


KOREAN_WAR = GENRE / "xi_speeches_2020_jhsjk"


def test_a_list_written_as_clauses_ending_alike_gives_its_items():
    """The five 精神 of 伟大抗美援朝精神 are clauses ending in 精神, separated by commas (2020 纪念抗美援朝出国作战70周年
    大会, read off the file); the clause saying what they make (锻造了伟大抗美援朝精神) is none of them, and an ordinal
    follow-up asking for one's wording is answered by its words."""
    from jianghua.assistant.condense import condense_without_llm
    from jianghua.assistant.enumeration import inline_items
    texts = [p.read_text(encoding="utf-8") for p in KOREAN_WAR.glob("*.txt")] if KOREAN_WAR.is_dir() else []
    sentence = next((m.group() for t in texts for m in [re.search(r"[^。！\n]*革命乐观主义精神[^。]*。", t)] if m), None)
    if sentence is None:
        pytest.skip("the 2020 speeches are not beside the repository")
    items = inline_items(sentence)
    assert len(items) == 5 and all(x.endswith("精神") for x in items) and "锻造" not in items[-1]
    assert items[2] == re.search(r"[^，]*革命乐观主义精神", sentence).group()
    history = [{"role": "user", "content": "伟大抗美援朝精神具体包括哪几种精神？"},
               {"role": "assistant", "content": sentence.rstrip("。") + "[1]。"}]
    assert condense_without_llm("排第三的那种精神原话怎么说的？", history).startswith(items[2] + "，")
