"""Document type and a fallback year, read from a document's title, its first lines and its file name.

- type: the first of ``TYPES`` whose pattern matches the title (else the first lines, where a title such as 政 府 工 作
  报 告 stands alone); None when nothing matches.
- year: when no date line states one — a year written in the title (2012年…政府工作报告); a congress or
  National People's Congress session named in the title or the file name (第十九次全国代表大会, (十九大), cpc19,
  第十四届全国人民代表大会第三次会议), converted with the table of when those met; a year standing alone in the
  file name (000_2025_…, hailar_2016, 2020-01-08_030).
"""
from __future__ import annotations

import re
from pathlib import PurePath

from jianghua.ingest.numerals import NUMERALS, cn_number

# (type, pattern over the title); order matters: a 决议 on a 政府工作报告 is a 决议
TYPES: tuple[tuple[str, re.Pattern], ...] = tuple((t, re.compile(p)) for t, p in (
    ("决议", r"决议$|決議$"),
    ("政府工作报告", r"政府工作报告|政府工作報告"),
    ("党代会报告", r"全国代表大会上的(?:政治)?报告|[（(][一二三四五六七八九十]+大[）)]?$|党代会|代表大会上的報告|^[北京广州廣州上海].{0,6}共[产產][党黨主].{0,6}报告"),
    ("表态发言", r"表态发言|表态讲话"),
    ("通报", r"通报"),
    ("讲话", r"讲话|致辞|演讲|讲稿|講話"),
    ("述职报告", r"述职"),
    ("书信", r"贺信|回信|贺电|致电|慰问信|[的之]信$|书信"),
    ("报道", r"会见|会谈|出席|考察|主持|强调|指出|发表|通电话|致信|召开"),
))

# year each CPC national congress opened (1st–20th)
CPC_CONGRESS = (1921, 1922, 1923, 1925, 1927, 1928, 1945, 1956, 1969, 1973, 1977, 1982, 1987, 1992, 1997, 2002,
                2007, 2012, 2017, 2022)
# year each National People's Congress held its first session (1st–14th)
NPC_TERM = (1954, 1959, 1964, 1975, 1978, 1983, 1988, 1993, 1998, 2003, 2008, 2013, 2018, 2023)

_TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!度)")   # 2022年度述职: the year reviewed, not the date
_FILE_YEAR = re.compile(r"(?:^|[_\-\s])((?:19|20)\d{2})(?=$|[_\-\s])")
_CONGRESS = re.compile(rf"第([{NUMERALS}]{{1,3}})次全国代表大会|[（(]([{NUMERALS}]{{1,3}})大[）)]?|cpc(\d{{2}})")
_NPC = re.compile(rf"第([{NUMERALS}]{{1,3}})届全国人民代表大会第([{NUMERALS}]{{1,3}})次会议")


def document_type(title: str, head: str = "") -> str | None:
    """The kind of document (政府工作报告, 党代会报告, 讲话 …) its title (or, failing that, its first lines) names."""
    for text in (title or "", re.sub(r"\s+", "", head or "")[:80]):
        for name, pat in TYPES:
            if pat.search(text):
                return name
    return None


def congress_year(text: str) -> int | None:
    """The year of the CPC congress or NPC session ``text`` names, if it names one."""
    if m := _NPC.search(text):
        term, session = cn_number(m.group(1)), cn_number(m.group(2))
        # from the 5th NPC on, one session a year; before that only a first session's year is certain
        if term and session and term <= len(NPC_TERM) and session <= 5 and (term >= 5 or session == 1):
            return NPC_TERM[term - 1] + session - 1
    if m := _CONGRESS.search(text):
        n = int(m.group(3)) if m.group(3) else cn_number(m.group(1) or m.group(2))
        if n and 1 <= n <= len(CPC_CONGRESS):
            return CPC_CONGRESS[n - 1]
    return None


def fallback_year(title: str, filename: str) -> str | None:
    """A year (``YYYY``) from the title or the file name when the text states no date (see the module docstring)."""
    if m := _TITLE_YEAR.search(title or ""):
        return m.group(1)
    stem = PurePath(filename or "").stem
    for text in (title or "", stem):
        if y := congress_year(text):
            return str(y)
    if m := _FILE_YEAR.search(stem):
        return m.group(1)
    return None
