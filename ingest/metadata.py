"""Title, date, speaker and occasion of a speech, read from its cleaned text and file name.

Each value is None unless the text states it. Where they are looked for, first match wins:
- title: a ``标题：`` line; the format's own title (HTML ``<title>``); a title-like first line (在…上的讲话, 关于…,
  …讲话/通报/发言/报告/决议 …), also when a date and the speech follow on the same line; else the file name's stem.
- date (ISO, ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``): a ``日期：`` line; a header line near the top that starts with
  a date (（2017年10月18日）, ——2024年3月5日在…上); a signature date line at the end; a ``发布时间：`` line; else a
  year from the title, a congress or NPC session it names, or the file name (``ingest.doctype.fallback_year``).
- speaker: a name line next to such a date line (习 近 平; 国务院总理 / 李强); the person before 在 or ：
  in the title (市领导在参加…会议上的讲话, 习近平：在…); the name before 同志们 after a glued title and date.
- occasion: the 在…会/会议/大会/仪式/论坛…上 part of the title or of a subtitle line, without a leading 参加/出席.
"""
from __future__ import annotations

import re
from pathlib import PurePath

from jianghua.ingest.doctype import document_type, fallback_year

_TOP = 12          # first non-empty lines searched for header lines
_BOTTOM = 6        # last non-empty lines searched for a signature date
_TITLE_MAX = 60
_HEADER_MAX = 80   # longer lines are prose, not headers

_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DATE = re.compile(r"([12]\d{3})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")
_ISO_DATE = re.compile(r"([12]\d{3})(?:[-./](\d{1,2})(?:[-./](\d{1,2}))?)?")
_DATE_PREFIX = " （(【[—-－~～"  # may stand before a line-leading date: （2017年10月18日）, ——2024年3月5日在…
_PAREN_DATE = re.compile(r"[（(]\s*([12][0-9０-９]{3}\s*年[^）)]{0,30})[）)]")
_META = re.compile(r"(标题|日期|来源|作者|发布时间|编辑|专栏)\s*[:：]\s*(.*)")
_SITE_SUFFIX = re.compile(r"\s*[_｜|]\s*[^_｜|\s]{2,12}网$")                   # …_共产党员网
_DATELINE = re.compile(r"^(新华社|中新社|人民网)\S{0,8}?\d{1,2}月\d{1,2}日电")  # 新华社北京11月12日电
_TITLE_END = re.compile(r"(讲话|通报|发言|报告|决议|致辞|演讲|贺信|讲稿|总结|意见|决定|通知|纪要|方案)$")
_OCCASION = re.compile(r"在([^，。；！？\s_]{2,60}?(?:会议|會議|会議|仪式|典礼|开幕式|闭幕式|论坛|峰会|会晤|会|會))上")
_SPEAKER_AT = re.compile(r"([\u4e00-\u9fff·]{2,12}?)\s*[：:]?\s*在[^，。]*?(?:上|时)")  # 习近平在…上 / 习近平：在…时
_SPEAKER_COLON = re.compile(r"([\u4e00-\u9fff·]{2,4})[：:]")                        # 习近平：把农村公路建好…
_HONORIFIC = re.compile(r"(同志|总书记|主席|总理)$")
_SALUTATION = re.compile(r"\s*(?:[\u4e00-\u9fff]{0,20}?(?:主席|总书记|书记|总理)\s*)?"
                         r"([\u4e00-\u9fff]{2,4}?)(?=同志们|女士们|各位|尊敬的|朋友们|同胞们|亲爱的)")
_NOT_SPEAKERS = frozenset({"同志们", "各位代表", "女士们", "朋友们", "同胞们", "大家"})
_NAME_PUNCT = re.compile(r"[，。：:；！？、“”《》()（）—\-_\d]")
_OFFICES = r"(?:主席|总书记|书记|总理|区长|市长|县长|省长|州长|部长|主任|局长|厅长)"
_OFFICE = re.compile(rf".*{_OFFICES}\s*(?=[\u4e00-\u9fff]{{2,4}}$)")
_OFFICE_ONLY = re.compile(rf"[\u4e00-\u9fff]{{0,20}}{_OFFICES}")


def extract_metadata(text: str, filename: str, title_hint: str | None = None) -> dict:
    """``{"title", "date", "speaker", "occasion"}`` of a cleaned text (see the module docstring)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    meta: dict[str, str] = {}
    for m in map(_META.fullmatch, lines[:5] + lines[-5:]):
        if m:
            meta.setdefault(m.group(1), m.group(2).strip())
    body = [ln for ln in lines if not _META.fullmatch(ln)]
    top, bottom = body[:_TOP], body[-_BOTTOM:]
    first = body[0] if body else ""
    glued = _glued(first)
    title = _title(meta.get("标题"), title_hint, first, glued, filename)
    date, speaker = _date_and_speaker(meta, top, bottom)
    if date is None and glued:
        date = _parse_date(glued.group(1))
    speaker = (speaker or _title_speaker(title, colon=True) or _title_speaker(first, colon=False)
               or (_salutation_speaker(first, glued.end()) if glued else None))
    headers = [first[:glued.start()]] if glued else []
    headers += [ln for ln in top[:6] if len(ln) <= _HEADER_MAX and not re.search("[，。；]", ln)
                and re.match(r"[\s—\-－~～]*(\S*日)?在", ln)]
    date = date or fallback_year(title, filename)
    return {"title": title, "date": date, "speaker": speaker, "occasion": _occasion([title] + headers)}


def extract_type(text: str, title: str) -> str | None:
    """The document type (政府工作报告, 党代会报告, 讲话, 通报, 表态发言 …) named by the title or the first lines."""
    head = "".join(ln.strip() for ln in text.splitlines()[:8] if ln.strip() and not _META.fullmatch(ln.strip()))
    return document_type(title, head)


def _glued(first: str) -> re.Match | None:
    """The date in a first line like 在…上的讲话（2020年1月8日）习近平同志们：… (title, date, text on one line)."""
    m = _PAREN_DATE.search(first, 0, _HEADER_MAX + 20)
    return m if m and _looks_like_title(_DATELINE.sub("", first[:m.start()])) else None


def _title(declared: str | None, hint: str | None, first: str, glued: re.Match | None, filename: str) -> str:
    for t in (declared, hint):
        t = _SITE_SUFFIX.sub("", " ".join((t or "").split()))
        if t:
            return t
    for cand in (first, first[:glued.start()] if glued else ""):
        cand = _DATELINE.sub("", _unspace(cand))
        if _looks_like_title(cand):
            return cand
    return PurePath(filename).stem or filename


def _looks_like_title(s: str) -> bool:
    if not s or len(s) > _TITLE_MAX or "。" in s or s.endswith(("：", ":")):
        return False
    return bool(re.match(r"在.+上的", s) or s.startswith("关于") or _TITLE_END.search(s))


def _unspace(s: str) -> str:
    """Letter-spaced headings and names (政 府 工 作 报 告, 习 近 平) lose their spaces."""
    parts = s.split()
    return "".join(parts) if len(parts) > 1 and all(len(p) == 1 for p in parts) else s


def _parse_date(s: str, iso: bool = False) -> str | None:
    m = (_ISO_DATE if iso else _CN_DATE).match(s.translate(_FULL_DIGITS).strip())
    if not m:
        return None
    y, mo, d = m.groups()
    if mo and not 1 <= int(mo) <= 12 or d and not 1 <= int(d) <= 31:
        return None
    return "-".join([y] + [f"{int(x):02d}" for x in (mo, d) if x])


def _line_date(line: str, full: bool) -> str | None:
    """Date a header or signature line starts with; ``full``: at least year and month, else also a bare year line."""
    date = _parse_date(line.lstrip(_DATE_PREFIX))
    if date and (len(date) >= 7 or not full and len(re.sub(r"[\s（）()年]", "", line)) == 4):
        return date
    return None


def _date_and_speaker(meta: dict, top: list[str], bottom: list[str]) -> tuple[str | None, str | None]:
    date = speaker = None
    if meta.get("日期"):
        date = _parse_date(meta["日期"], iso="年" not in meta["日期"])
    for region, full in ((top, True), (bottom, False)):
        for i, line in enumerate(region):
            if len(line) > _HEADER_MAX or not (d := _line_date(line, full)):
                continue
            date = date or d
            neighbours = [region[j] for j in (i - 1, i + 1) if 0 <= j < len(region)]
            if i + 2 < len(region) and _OFFICE_ONLY.fullmatch(region[i + 1]):  # 国务院总理 / 李 强
                neighbours.append(region[i + 2])
            speaker = speaker or next(filter(None, map(_name, neighbours)), None)
    if date is None and meta.get("发布时间"):
        date = _parse_date(meta["发布时间"])
    return date, speaker


def _name(line: str) -> str | None:
    """The person in a signature line (习 近 平; 国务院总理 李强; 中华人民共和国主席习近平), else None."""
    if (len(line) > 30 or _NAME_PUNCT.search(line) or line.startswith("在") or _OFFICE_ONLY.fullmatch(line)
            or _looks_like_title(_unspace(line))):
        return None
    line = _unspace(line)
    parts = line.split()
    name = parts[-1] if len(parts) > 1 else _OFFICE.sub("", line)
    return name if re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", name) else None


def _title_speaker(title: str, colon: bool) -> str | None:
    """习近平 in 习近平在…上的讲话 and (``colon``) 习近平：…; 市领导 in 市领导在参加…会议上的讲话."""
    m = _SPEAKER_AT.match(title) or (_SPEAKER_COLON.match(title) if colon else None)
    if not m or m.group(1) in _NOT_SPEAKERS:
        return None
    short = _HONORIFIC.sub("", m.group(1))
    return short if len(short) >= 2 else m.group(1)


def _salutation_speaker(first: str, pos: int) -> str | None:
    """习近平 in …讲话（2020年1月8日）习近平同志们：…, read from ``pos`` (just after the date)."""
    m = _SALUTATION.match(first, pos)
    return m.group(1) if m else None


def _occasion(candidates: list[str]) -> str | None:
    for cand in candidates:
        if m := _OCCASION.search(cand):
            return re.sub(r"^(参加|出席)", "", m.group(1))
    return None
