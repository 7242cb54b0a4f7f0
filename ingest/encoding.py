"""Bytes to text for plain-text files: UTF-8 (BOM or not), UTF-16 (BOM or not), else GB18030 (a superset of GBK)."""
from __future__ import annotations

import codecs
import re

from jianghua.errors import DocumentLoadError

_MAX_CONTROL_SHARE = 0.01   # more C0/C1 control characters than this: not a text file
_MIN_PLAUSIBLE_SHARE = 0.9  # a GB18030 guess must be mostly CJK, ASCII and common symbols
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # Cc except \t \n \v \f \r
# What a Chinese document is made of: ASCII, Latin-1, Greek/Cyrillic, general punctuation to dingbats (①, →, ■),
# CJK symbols and kana, enclosed CJK, ideographs (basic, extension A, B–G, compatibility), full-width forms.
_IMPLAUSIBLE = re.compile(
    "[^\\s\u0020-\u007e\u00a0-\u00ff\u0370-\u04ff\u2000-\u27bf\u3000-\u30ff\u3200-\u33ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]")


def decode(data: bytes, name: str) -> str:
    """Decode a text file's bytes; raise ``DocumentLoadError`` for binary or undecodable content."""
    if data.startswith(codecs.BOM_UTF8):
        return _checked(_strict(data[3:], "utf-8", name), name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(_strict(data, "utf-16", name), name)
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return _checked(text, name)
        raise DocumentLoadError(f"{name}: this looks like a binary file, not text (it contains NUL bytes)")
    try:
        return _checked(_utf8(data), name)
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise DocumentLoadError(
            f"{name}: cannot be read as text: it is neither UTF-8, UTF-16 nor GBK/GB18030 (undecodable byte at "
            f"offset {e.start}); it may be a binary file. Save it as UTF-8 text and try again") from e
    text = _checked(text, name)
    if _plausible_share(text) < _MIN_PLAUSIBLE_SHARE:
        raise DocumentLoadError(f"{name}: the content does not look like text in a known encoding; "
                                "it may be a binary file. Save it as UTF-8 text and try again")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark: of the two byte orders, the one that decodes to plausible
    Chinese text (its NUL bytes are the high bytes of line breaks, digits and other ASCII). Else None."""
    if len(data) % 2:
        return None
    best, share = None, 0.98
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        s = _plausible_share(text)
        if s >= share and len(_CONTROL.findall(text)) <= len(text) * _MAX_CONTROL_SHARE:
            best, share = text, s
    return best


def _utf8(data: bytes) -> str:
    """Strict UTF-8, tolerating only a character cut off at the very end of the file."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.start >= len(data) - 3:
            return data[:e.start].decode("utf-8")
        raise


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise DocumentLoadError(f"{name}: the file starts with a {encoding.upper()} byte-order mark "
                                f"but is not valid {encoding.upper()} (offset {e.start})") from e


def _checked(text: str, name: str) -> str:
    """Reject text with many control characters (a binary file that happened to decode)."""
    controls = len(_CONTROL.findall(text))
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise DocumentLoadError(f"{name}: this looks like a binary file, not text ({controls} control characters)")
    return text


def _plausible_share(text: str) -> float:
    """Share of characters in the blocks a Chinese document uses."""
    return 1.0 - len(_IMPLAUSIBLE.findall(text)) / len(text) if text else 1.0
