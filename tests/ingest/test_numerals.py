"""The one parser of Chinese numerals (ingest/numerals.py) that headings, list markers, ordinals and counts share."""
import pytest

from jianghua.ingest.numerals import NUMERALS, cn_number, cn_numeral


@pytest.mark.parametrize("text, value", [
    ("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("十九", 19), ("二十", 20), ("二十一", 21), ("九十九", 99),
    ("两", 2), ("零", 0), ("〇", 0), ("3", 3), ("12", 12), (" 五 ", 5),
])
def test_numbers_as_written_in_headings_and_counts(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize("text", ["", "一二", "百", "十十", "二十一十", "三百", "几", "第一", "1二"])
def test_what_is_not_one_number_is_none(text):
    assert cn_number(text) is None


def test_every_digit_reads_as_its_place():
    assert [cn_number(c) for c in NUMERALS] == list(range(1, 11))


@pytest.mark.parametrize("value, text", [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五")])
def test_a_number_written_as_a_heading_writes_it(value, text):
    assert cn_numeral(value) == text


def test_writing_and_reading_are_inverse():
    assert all(cn_number(cn_numeral(n)) == n for n in range(100))
