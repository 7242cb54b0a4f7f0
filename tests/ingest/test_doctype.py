"""ingest.doctype: document type and fallback year from title and file name; on made-up cases and on the corpus."""
import re
from pathlib import Path

import pytest

from jianghua.ingest.documents import load_document
from jianghua.ingest.doctype import cn_number, congress_year, document_type, fallback_year

GENRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "genre"
needs_corpus = pytest.mark.skipif(not GENRE.is_dir(), reason="shared corpus not beside the repository")


@pytest.mark.parametrize("s,n", [("一", 1), ("九", 9), ("十", 10), ("十九", 19), ("二十", 20), ("二十三", 23),
                                 ("", None), ("百", None), ("一二", None)])
def test_cn_number(s, n):
    assert cn_number(s) == n


@pytest.mark.parametrize("text,year", [
    ("在中国共产党第十九次全国代表大会上的报告", 2017), ("全面开创社会主义现代化建设的新局面 (十二大)", 1982),
    ("014_cpc19_决胜全面建成小康社会", 2017), ("第十四届全国人民代表大会第三次会议关于政府工作报告的决议", 2025),
    ("第十三届全国人民代表大会第一次会议关于政府工作报告的决议", 2018),
    ("第二届全国人民代表大会第三次会议关于政府工作报告的决议", None),   # before the 5th NPC sessions were not yearly
    ("在区直机关党建推进会上的讲话", None)])
def test_congress_year(text, year):
    assert congress_year(text) == year


@pytest.mark.parametrize("title,filename,year", [
    ("2012年中华人民共和国国务院政府工作报告", "025_2012_x.txt", "2012"),
    ("政府工作报告", "hailar_2016.txt", "2016"), ("x", "2020-01-08_030.txt", "2020"),
    ("市领导在参加2022年度基层党组织书记述职评议会议上的讲话", "a.txt", None),   # 年度: the year reviewed
    ("在区直机关党建推进会上的讲话", "在区直机关党建推进会上的讲话.txt", None),
    ("论联合政府 (七大)", "003_cpc07_x.txt", "1945")])
def test_fallback_year(title, filename, year):
    assert fallback_year(title, filename) == year


@pytest.mark.parametrize("title,head,typ", [
    ("2019年中华人民共和国国务院政府工作报告", "", "政府工作报告"),
    ("第十四届全国人民代表大会第三次会议关于政府工作报告的决议", "", "决议"),
    ("在中国共产党第九次全国代表大会上的报告", "", "党代会报告"), ("沿着有中国特色的社会主义道路前进 (十三大)", "", "党代会报告"),
    ("全面从严治党表态发言", "", "表态发言"), ("关于落实全面从严治党主体责任情况通报", "", "通报"),
    ("在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话", "", "讲话"),
    ("hailar_2014", "政 府 工 作 报 告 ——2014年2月19日在…", "政府工作报告"),
    ("习近平会见意大利众议长菲科", "", "报道"), ("随便一个标题", "正文第一句。", None)])
def test_document_type(title, head, typ):
    assert document_type(title, head) == typ


@needs_corpus
def test_genre_reports_carry_year_and_type():
    folder = GENRE / "gov_work_reports_wikisource"
    for path in sorted(folder.glob("*_[12][0-9][0-9][0-9]_*.txt")):
        d = load_document(path)
        assert d.date and d.date[:4] == re.match(r"\d+_(\d{4})_", path.name).group(1), path.name
        assert d.meta["type"] == "政府工作报告", path.name
    for path in sorted((GENRE / "cpc_congress_reports_wikisource").glob("*.txt")):
        d = load_document(path)
        assert d.meta["type"] == "党代会报告" and d.date, path.name
    resolution = load_document(next(folder.glob("001_x_*")))
    assert resolution.meta["type"] == "决议" and resolution.date == "2025"
