"""Chinese numerals, once: the digits 一 … 十 that every numbered heading, list item, ordinal and count uses, and the
one parser of the numbers they write (一 → 1, 两 → 2, 十九 → 19, 二十 → 20, 3 → 3), and its inverse."""
from __future__ import annotations

NUMERALS = "一二三四五六七八九十"
_VALUE = {c: i for i, c in enumerate("零" + NUMERALS)} | {"〇": 0}


def cn_number(s: str) -> int | None:
    """The number ``s`` writes, 0–99 in Chinese numerals (两 for 2), or Arabic digits; None for anything else."""
    s = (s or "").strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if s == "两":
        return 2
    if any(c not in _VALUE for c in s):
        return None
    if "十" not in s:
        return _VALUE[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_VALUE[tens] if tens else 1) * 10 + (_VALUE[ones] if ones else 0)


def cn_numeral(n: int) -> str:
    """``n`` (0–99) written in Chinese numerals, as ``cn_number`` reads them back: 3 → 三, 10 → 十, 12 → 十二, 20 → 二十."""
    digits = "零" + NUMERALS[:9]
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
