"""ingest.metadata.extract_metadata on the seeds, on every genre of the shared corpus, and on small made-up cases.

Expected values are what the texts state; each corpus case first checks that the source says so.
"""
import re
from pathlib import Path

import pytest

from jianghua.ingest.cleaning import clean
from jianghua.ingest.metadata import extract_metadata

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "samples" / "seeds"
GENRE = ROOT / ".." / "shared" / "corpus" / "genre"
needs_corpus = pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")


def meta_of(path: Path, title_hint=None) -> dict:
    return extract_metadata(clean(path.read_text("utf-8")).text, path.name, title_hint)


def lines_of(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]


def one(folder: str, prefix: str) -> Path:
    (path,) = (GENRE / folder).glob(prefix + "*")
    return path


# ---- the five seeds

def test_seed_quzhi():
    path = SEED_DIR / "在区直机关党建推进会上的讲话.txt"
    assert lines_of(path)[0] == "在区直机关党建推进会上的讲话"
    assert meta_of(path) == {"title": "在区直机关党建推进会上的讲话", "date": None, "speaker": None,
                             "occasion": "区直机关党建推进会"}


def test_seed_title_from_text_not_file_name():
    path = SEED_DIR / "在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话.txt"
    first = lines_of(path)[0]
    assert first == "在全区基层党建工作会暨乡镇党委书记抓基层党建专项述职评议大会上的讲话" != path.stem
    m = meta_of(path)
    assert m["title"] == first
    assert m["occasion"] == "全区基层党建工作会暨乡镇党委书记抓基层党建专项述职评议大会"
    assert m["speaker"] is None and m["date"] is None


def test_seed_city_leader():
    path = SEED_DIR / "市领导在基层党组织书记述职评议会议上的讲话.txt"
    first = lines_of(path)[0]
    assert first == "市领导在参加2022年度某区基层党组织书记落实管党治党主体责任述职评议会议上的讲话"
    m = meta_of(path)
    assert m["title"] == first and m["speaker"] == "市领导"
    assert m["occasion"] == "2022年度某区基层党组织书记落实管党治党主体责任述职评议会议"  # 在参加…上, without 参加
    assert m["date"] is None  # 2022年度 is the year reported on, not the day of the speech


def test_seed_tongbao_title_after_boilerplate():
    path = SEED_DIR / "关于落实全面从严治党主体责任情况通报.txt"
    assert lines_of(path)[1] == "关于落实全面从严治党主体责任情况通报"
    m = meta_of(path)
    assert m["title"] == "关于落实全面从严治党主体责任情况通报"
    assert m["date"] is None  # the text says 2019年以来 and 2020年是…: no date of the report
    assert m["speaker"] is None and m["occasion"] is None


def test_seed_without_title_line_falls_back_to_file_name():
    path = SEED_DIR / "全面从严治党表态发言.txt"
    assert lines_of(path)[0].startswith("习近平总书记指出，")  # prose, no heading
    assert meta_of(path) == {"title": "全面从严治党表态发言", "date": None, "speaker": None, "occasion": None}


# ---- one or more files of every genre folder

@needs_corpus
def test_cpc_congress_report_with_signature_block():
    path = one("cpc_congress_reports_wikisource", "014_")
    lines = lines_of(path)
    assert "——在中国共产党第十九次全国代表大会上的报告" in lines
    i = lines.index("（2017年10月18日）")
    assert lines[i + 1] == "习\u3000近\u3000平"
    assert meta_of(path) == {"title": "决胜全面建成小康社会 夺取新时代中国特色社会主义伟大胜利 (十九大)",
                             "date": "2017-10-18", "speaker": "习近平", "occasion": "中国共产党第十九次全国代表大会"}


@needs_corpus
def test_cpc_congress_report_speaker_in_title():
    path = one("cpc_congress_reports_wikisource", "002_")
    assert lines_of(path)[0] == "标题：陈独秀在中国共产党第三次全国代表大会上的报告"
    m = meta_of(path)
    assert m["title"] == "陈独秀在中国共产党第三次全国代表大会上的报告"
    assert m["speaker"] == "陈独秀" and m["occasion"] == "中国共产党第三次全国代表大会"


@needs_corpus
def test_gov_work_report_subtitle_and_office_line():
    path = one("gov_work_reports_wikisource", "002_2024")
    lines = lines_of(path)
    assert "——2024年3月5日在第十四届全国人民代表大会第二次会议上" in lines
    i = lines.index("国务院总理\u3000") if "国务院总理\u3000" in lines else lines.index("国务院总理")
    assert lines[i + 1].replace("\u3000", "") == "李强"
    assert meta_of(path) == {"title": "2024年中华人民共和国国务院政府工作报告", "date": "2024-03-05",
                             "speaker": "李强", "occasion": "第十四届全国人民代表大会第二次会议"}


@needs_corpus
def test_gov_work_report_1957_name_line():
    path = one("gov_work_reports_wikisource", "068_1957")
    lines = lines_of(path)
    i = lines.index("1957年6月26日在第一届全国人民代表大会第四次会議上")
    assert lines[i + 1] == "周恩来"
    m = meta_of(path)
    assert (m["date"], m["speaker"], m["occasion"]) == ("1957-06-26", "周恩来", "第一届全国人民代表大会第四次会議")


@needs_corpus
def test_resolution_adopted_on_a_date():
    path = one("gov_work_reports_wikisource", "010_x_")
    assert "（2020年5月28日第十三届全国人民代表大会第三次会议通过）" in lines_of(path)
    m = meta_of(path)
    assert m["title"] == "第十三届全国人民代表大会第三次会议关于政府工作报告的决议" and m["date"] == "2020-05-28"


@needs_corpus
def test_every_gov_work_report_title_is_its_title_line():
    for path in sorted((GENRE / "gov_work_reports_wikisource").glob("*.txt")):
        declared = lines_of(path)[0]
        assert declared.startswith("标题：")
        assert meta_of(path)["title"] == declared[3:], path.name


@needs_corpus
@pytest.mark.parametrize("year, speaker, occasion", [
    (2012, "张天喜", "海拉尔区第十三届人民代表大会第六次会议"),
    (2018, "杨国宏", "海拉尔区第十五届人民代表大会第二次会议"),
    (2019, "萨国文", "呼伦贝尔市海拉尔区第十五届人民代表大会第三次会议"),
])
def test_district_report(year, speaker, occasion):
    path = GENRE / "hailar_district_gov_reports_2012_2019" / f"hailar_{year}.txt"
    head = lines_of(path)[:4]
    assert head[0].replace(" ", "") == "政府工作报告"
    assert any(occasion in ln and ln.lstrip("—-").startswith(f"{year}年") for ln in head)
    assert any(ln.endswith(speaker) for ln in head)
    m = meta_of(path)
    assert m["title"] == "政府工作报告" and m["speaker"] == speaker and m["occasion"] == occasion
    assert re.fullmatch(rf"{year}-\d\d-\d\d", m["date"]) and f"{year}年{int(m['date'][5:7])}月" in "".join(head)


@needs_corpus
def test_every_jhsjk_file_dated_by_its_date_line():
    files = sorted((GENRE / "xi_speeches_2020_jhsjk").glob("*.txt"))
    assert len(files) == 58
    for path in files:
        assert lines_of(path)[0] == "日期：" + path.stem[:10]
        assert meta_of(path)["date"] == path.stem[:10], path.name


@needs_corpus
def test_jhsjk_title_date_and_speaker_glued_on_one_line():
    path = GENRE / "xi_speeches_2020_jhsjk" / "2020-01-08_030.txt"
    assert lines_of(path)[1].startswith("在“不忘初心、牢记使命”主题教育总结大会上的讲话（2020年1月8日）习近平同志们：")
    assert meta_of(path) == {"title": "在“不忘初心、牢记使命”主题教育总结大会上的讲话", "date": "2020-01-08",
                             "speaker": "习近平", "occasion": "“不忘初心、牢记使命”主题教育总结大会"}


@needs_corpus
def test_jhsjk_letter_signature():
    path = GENRE / "xi_speeches_2020_jhsjk" / "2020-05-19_000.txt"
    lines = lines_of(path)
    i = lines.index("2020年5月17日")
    assert lines[i - 1] == "中华人民共和国主席习近平"
    m = meta_of(path)
    assert m["speaker"] == "习近平" and m["date"] == "2020-05-19"  # 日期： wins over the signature date
    assert m["title"] == "2020-05-19_000"  # 回信…： is a salutation, not a title


@needs_corpus
def test_12371_page():
    path = GENRE / "xi_speeches_12371_pages" / "ARTI1525424759799964.txt"
    lines = lines_of(path)
    assert lines[0] == "标题：习近平：在纪念马克思诞辰200周年大会上的讲话_共产党员网"
    assert "（2018年5月4日）" in lines
    assert meta_of(path) == {"title": "习近平：在纪念马克思诞辰200周年大会上的讲话", "date": "2018-05-04",
                             "speaker": "习近平", "occasion": "纪念马克思诞辰200周年大会"}


@needs_corpus
def test_12371_dated_by_publication_line_when_nothing_else():
    path = GENRE / "xi_speeches_12371_pages" / "ARTI1574769180202596.txt"
    assert lines_of(path)[-1].startswith("发布时间：2019年11月26日")
    assert meta_of(path)["date"] == "2019-11-26"


@needs_corpus
def test_every_12371_title_is_its_title_line_without_site_name():
    for path in sorted((GENRE / "xi_speeches_12371_pages").glob("*.txt")):
        declared = lines_of(path)[0]
        assert declared.startswith("标题：")
        expected = " ".join(declared[3:].removesuffix("_共产党员网").split())
        assert meta_of(path)["title"] == expected, path.name


# ---- made-up cases for each rule

def m(text, filename="x.txt", hint=None):
    return extract_metadata(clean(text).text, filename, hint)


@pytest.mark.parametrize("line, iso", [
    ("日期：2020-01-02", "2020-01-02"),
    ("日期：2020-1-2", "2020-01-02"),
    ("日期：2020.01", "2020-01"),
    ("日期：2020年1月2日", "2020-01-02"),
    ("日期: 2020/12/31", "2020-12-31"),
    ("日期：2020", "2020"),
])
def test_date_line_formats(line, iso):
    assert m(f"{line}\n正文。")["date"] == iso


def test_signature_date_at_the_end():
    t = "在全市工作会议上的讲话\n同志们：\n正文。\n以上讲话，请批评指正。\n中共某某市委\n２０２３年１１月５日"
    r = m(t)
    assert r["date"] == "2023-11-05" and r["occasion"] == "全市工作会议"


def test_year_only_signature_line():
    assert m("正文。\n（2021年）")["date"] == "2021"


def test_prose_years_are_not_dates():
    r = m("2019年以来，全市各级党组织认真落实主体责任。\n2020年是具有里程碑意义的一年。")
    assert r["date"] is None


def test_invalid_month_rejected():
    assert m("（2020年13月2日）\n正文。")["date"] is None


def test_title_hint_used_and_site_suffix_dropped():
    r = m("正文第一段很长，没有标题。", "page.html", hint="关于加强机关党建的意见_共产党员网")
    assert r["title"] == "关于加强机关党建的意见"


def test_title_line_wins_over_hint():
    assert m("标题：真正的标题\n正文。", "p.html", hint="网页标题")["title"] == "真正的标题"


def test_first_line_that_is_prose_is_no_title():
    assert m("同志们：今天我们召开会议。", "003_cpc07_讲话稿.docx")["title"] == "003_cpc07_讲话稿"


def test_letter_spaced_heading():
    assert m("政 府 工 作 报 告\n各位代表：")["title"] == "政府工作报告"


def test_subtitle_signature_before_date():
    t = "坚定信心 共克时艰\n——在全省经济工作会议上的讲话\n省委书记  张三\n（2021年12月20日）\n同志们："
    r = m(t)
    assert (r["date"], r["speaker"], r["occasion"]) == ("2021-12-20", "张三", "全省经济工作会议")


def test_speaker_in_title_with_honorific():
    r = m("习近平主席在二十国集团领导人峰会上的讲话\n正文。")
    assert r["speaker"] == "习近平" and r["occasion"] == "二十国集团领导人峰会"


def test_occasion_kinds():
    assert m("在新党员入党宣誓仪式上的讲话\n正文")["occasion"] == "新党员入党宣誓仪式"
    assert m("在全区党风廉政建设推进会上的讲话\n正文")["occasion"] == "全区党风廉政建设推进会"
    assert m("在乡村振兴座谈会上的发言\n正文")["occasion"] == "乡村振兴座谈会"
    assert m("在出席全县干部大会上的讲话\n正文")["occasion"] == "全县干部大会"


def test_nothing_stated():
    assert m("这是一段没有任何标记的正文。", "note.md") == {
        "title": "note", "date": None, "speaker": None, "occasion": None}


# -- a year when no date line states one (issue 12) ------------------------------------------------------------
def test_year_from_the_title_when_no_date_line():
    text = "标题：2012年中华人民共和国国务院政府工作报告\n各位代表：\n现在，我代表国务院，向大会报告政府工作。"
    assert extract_metadata(clean(text).text, "025_2012_x.txt")["date"] == "2012"


def test_a_stated_date_wins_over_the_title_year():
    text = "标题：2024年中华人民共和国国务院政府工作报告\n政府工作报告\n——2024年3月5日在第十四届全国人民代表大会第二次会议上\n各位代表："
    assert extract_metadata(clean(text).text, "x.txt")["date"] == "2024-03-05"


def test_year_from_a_congress_or_the_file_name():
    assert extract_metadata("同志们：\n今天开会。", "008_cpc13_沿着有中国特色的社会主义道路前进_(十三大).txt")["date"] == "1987"
    assert extract_metadata("各位代表：\n现在报告工作。", "hailar_2016.txt")["date"] == "2016"
    assert extract_metadata("同志们：\n今天开会。", "讲话.txt")["date"] is None


@needs_corpus
def test_every_genre_report_has_a_year():
    for path in sorted((GENRE / "gov_work_reports_wikisource").glob("*.txt")):
        m = meta_of(path)
        if "第二届" not in path.name:                      # 2nd NPC sessions were not yearly: no year is certain
            assert m["date"] and re.fullmatch(r"\d{4}(-\d\d){0,2}", m["date"]), path.name
