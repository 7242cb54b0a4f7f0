"""ingest.encoding.decode on the real seed speeches in every encoding a Chinese office produces."""
import codecs
import random
from pathlib import Path

import pytest

from jianghua.ingest.encoding import decode
from jianghua.errors import DocumentLoadError

SEEDS = sorted((Path(__file__).resolve().parents[2] / "samples" / "seeds").glob("*.txt"))


def seed_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # the seeds are stored as UTF-8 without BOM


def test_seeds_found():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_seed_decoded_identically_without_being_told(path, encoding):
    text = seed_text(path)
    if encoding == "gbk":
        text = text.replace("\xa0", " ")  # GBK has no NBSP (one seed has one); a GBK file would hold a space
    assert decode(text.encode(encoding), path.name) == text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("bom_encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_seed_with_byte_order_mark(path, bom_encoding):
    text = seed_text(path)
    data = text.encode(bom_encoding)
    if bom_encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    elif bom_encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    decoded = decode(data, path.name)
    assert decoded == text  # the BOM itself is not part of the text
    assert not decoded.startswith("\ufeff")


def test_gb18030_only_characters():
    text = "㐀㐁（扩展A）与€符号，𠀀字。"  # none in GBK: encodable only in GB18030 or UTF
    assert decode(text.encode("gb18030"), "x.txt") == text


def test_utf8_cut_inside_the_last_character_is_still_utf8():
    text = seed_text(SEEDS[0]).rstrip()  # ends with a CJK character or full-width punctuation (3 bytes)
    decoded = decode(text.encode("utf-8")[:-1], "cut.txt")
    assert decoded == text[:-1]  # the cut character goes; the rest is not re-read as GB18030 mojibake


def test_nul_bytes_are_binary():
    with pytest.raises(DocumentLoadError, match=r"a\.txt.*binary.*NUL"):
        decode("正文".encode("utf-8") + b"\x00\x00abc", "a.txt")


def test_random_bytes_rejected():
    rng = random.Random(20240101)
    for i in range(20):
        data = bytes(rng.randrange(256) for _ in range(4096))
        with pytest.raises(DocumentLoadError, match="r.bin"):
            decode(data, "r.bin")


def test_random_bytes_without_nul_rejected():
    rng = random.Random(7)
    for _ in range(20):
        data = bytes(rng.randrange(1, 256) for _ in range(2048))
        with pytest.raises(DocumentLoadError, match=r"r\.txt.*(binary|text)"):
            decode(data, "r.txt")


def test_png_header_rejected():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    with pytest.raises(DocumentLoadError, match="logo.txt"):
        decode(png + bytes(range(256)), "logo.txt")


def test_many_control_characters_rejected():
    data = ("\x01\x02\x03\x1b" * 50 + "正文内容" * 10).encode("utf-8")
    with pytest.raises(DocumentLoadError, match="control characters"):
        decode(data, "c.txt")


def test_few_control_characters_accepted():
    text = "第一段\f第二段\v" + seed_text(SEEDS[0])  # form feeds from a printer export are text
    assert decode(text.encode("utf-8"), "f.txt") == text


def test_gb18030_guess_that_is_not_chinese_text_rejected():
    data = "".join(chr(c) for c in range(0xA000, 0xA100)).encode("gb18030")  # Yi syllables: valid, implausible
    with pytest.raises(DocumentLoadError, match="known encoding"):
        decode(data, "yi.txt")


def test_bad_utf16_after_bom_rejected():
    with pytest.raises(DocumentLoadError, match="UTF-16") as e:
        decode(codecs.BOM_UTF16_LE + b"\x00\xd8\x41", "odd.txt")  # lone surrogate, odd length
    assert isinstance(e.value.__cause__, UnicodeDecodeError)
