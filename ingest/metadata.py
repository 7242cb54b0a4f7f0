"""Title, date, speaker and occasion of a speech, read from its cleaned text and file name."""
from __future__ import annotations

import re
from pathlib import PurePath

_TOP = 12          # non-empty lines searched for header lines (date, signature, subtitle)
_BOTTOM = 6        # last non-empty lines searched for a signature date
_TITLE_MAX = 60

_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DATE = re.compile(r"([12]\d{3})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")
_ISO_DATE = re.compile(r"([12]\d{3})(?:[-./](\d{1,2})(?:[-./](\d{1,2}))?)?")
_META = re.compile(r"(标题|日期|来源|作者|发布时间|编辑|时间)\s*[:：]\s*(.*)")
_DATE_PREFIX = " （(【[—-－~～"  # may stand before a line-leading date: （2017年10月18日）, ——2024年3月5日在…
_PAREN_DATE = re.compile(r"[（(]\s*([12][0-9０-９]{3}\s*年[^）)]{0,30})[）)]")
_SITE_SUFFIX = re.compile(r"\s*[_｜|]\s*[^_｜|\s]{2,12}网$")                   # …_共产党员网
_DATELINE = re.compile(r"^(新华社|中新社|人民网)\S{0,8}?\d{1,2}月\d{1,2}日电")  # 新华社北京11月12日电
_TITLE_END = re.compile(r"(讲话|通报|发言|报告|决议|致辞|演讲|贺信|讲稿|总结|意见|决定|通知|纪要|方案)$")
_OCCASION = re.compile(r"在([^，。；！？\s_]{2,60}?(?:会议|會議|会議|仪式|典礼|开幕式|闭幕式|论坛|峰会|会晤|会|會))上")
_TITLE_SPEAKER = re.compile(r"([\u4e00-\u9fff·]{2,12}?)\s*[：:]?\s*在[^，。]*?(?:上|时)")
_HONORIFIC = re.compile(r"(同志|总书记|主席|总理)$")
_SALUTATION = re.compile(r"[）)]\s*([\u4e00-\u9fff]{2,4}?)(?=同志们|女士们|各位|尊敬的|朋友们|同胞们|亲爱的)")
_NAME_PUNCT = re.compile(r"[，。：:；！？、“”《》()（）—\-_\d]")
_OFFICE = re.compile(r".*(?:主席|总书记|书记|总理|区长|市长|县长|省长|州长|部长|主任|局长|厅长)\s*(?=[\u4e00-\u9fff]{2,4}$)")


def extract_metadata(text: str, filename: str, title_hint: str | None = None) -> dict:
    """``{"title", "date", "speaker", "occasion"}``; a value is None when the text does not state it."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    meta = {m.group(1): m.group(2).strip() for m in map(_META.fullmatch, lines[:5]) if m}
    body = [ln for ln in lines if not _META.fullmatch(ln)]
    top, bottom = body[:_TOP], body[-_BOTTOM:]
    title = _title(meta.get("标题"), title_hint, body, filename)
    date, speaker = _date_and_speaker(meta, top, bottom)
    first = body[0] if body else ""
    speaker = speaker or _title_speaker(title) or _title_speaker(first) or _salutation_speaker(first)
    return {"title": title, "date": date, "speaker": speaker, "occasion": _occasion(title, top)}


def _title(declared: str | None, hint: str | None, body: list[str], filename: str) -> str:
    for t in (declared, hint):
        t = _SITE_SUFFIX.sub("", " ".join((t or "").split()))
        if t:
            return t
    first = body[0] if body else ""
    glued = _PAREN_DATE.search(first)   # 在…上的讲话（2020年1月8日）习近平同志们：…
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
    """Letter-spaced headings (政 府 工 作 报 告, 习 近 平) lose their spaces."""
    parts = s.split()
    return "".join(parts) if len(parts) > 2 and all(len(p) == 1 for p in parts) else s


def _parse_date(s: str, iso: bool = False) -> str | None:
    m = (_ISO_DATE if iso else _CN_DATE).match(s.translate(_FULL_DIGITS).strip())
    if not m:
        return None
    y, mo, d = m.groups()
    if mo and not 1 <= int(mo) <= 12 or d and not 1 <= int(d) <= 31:
        return None
    return "-".join([y] + [f"{int(x):02d}" for x in (mo, d) if x])


def _line_date(line: str, full: bool) -> str | None:
    """Date a header or signature line starts with; ``full``: at least year and month, else a bare year line."""
    date = _parse_date(line.lstrip(_DATE_PREFIX))
    if date and (len(date) >= 7 or not full and len(re.sub(r"[\s（）()年]", "", line)) == 4):
        return date
    return None


def _date_and_speaker(meta: dict, top: list[str], bottom: list[str]) -> tuple[str | None, str | None]:
    date = speaker = None
    if meta.get("日期"):
        date = _parse_date(meta["日期"], iso=True) or _parse_date(meta["日期"])
    for region, full in ((top, True), (bottom, False)):
        for i, line in enumerate(region):
            if len(line) > 80 or not (d := _line_date(line, full)):
                continue
            date = date or d
            neighbours = [region[j] for j in (i - 1, i + 1) if 0 <= j < len(region)]
            speaker = speaker or next(filter(None, map(_name, neighbours)), None)
    if date is None and meta.get("发布时间"):
        date = _parse_date(meta["发布时间"])
    if date is None:
        for line in bottom:
            if m := re.search(r"发布时间\s*[:：]\s*(\S+)", line):
                date = _parse_date(m.group(1)) or _parse_date(m.group(1), iso=True)
    if date is None and top and (m := _PAREN_DATE.search(top[0])):
        date = _parse_date(m.group(1))
    return date, speaker


def _name(line: str) -> str | None:
    """The person in a signature line (习 近 平; 国务院总理 李强; 中华人民共和国主席习近平), else None."""
    if len(line) > 30 or _NAME_PUNCT.search(line) or line.startswith("在") or _looks_like_title(_unspace(line)):
        return None
    line = _unspace(line)
    parts = line.split()
    name = parts[-1] if len(parts) > 1 else _OFFICE.sub("", line)
    return name if re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", name) else None


def _title_speaker(title: str) -> str | None:
    """习近平 in 习近平在…上的讲话 / 习近平：在…; 市领导 in 市领导在参加…会议上的讲话."""
    m = _TITLE_SPEAKER.match(title or "")
    if not m:
        return None
    sp = m.group(1)
    short = _HONORIFIC.sub("", sp)
    return short if len(short) >= 2 else sp


def _salutation_speaker(first: str) -> str | None:
    """习近平 in …讲话（2020年1月8日）习近平同志们：…."""
    m = _PAREN_DATE.search(first)
    s = _SALUTATION.match(first, m.end() - 1) if m else None
    return s.group(1) if s else None


def _occasion(title: str, top: list[str]) -> str | None:
    """The meeting in 在…会上: from the title, else a subtitle or header line (——在…上的报告, 2024年3月5日在…上)."""
    candidates = [title] + [ln for ln in top[:6] if len(ln) <= 80 and re.match(r"[\s—\-－~～]*(\S*日)?在", ln)]
    for cand in candidates:
        if m := _OCCASION.search(cand):
            return re.sub(r"^(参加|出席)", "", m.group(1))
    if top and (m := _PAREN_DATE.search(top[0])) and (m2 := _OCCASION.search(top[0][:m.start()])):
        return re.sub(r"^(参加|出席)", "", m2.group(1))
    return None
