"""The one parser of Chinese numerals (ingest/numerals.py) that headings, list markers, ordinals and counts share."""
import pytest

from jianghua.ingest.numerals import NUMERALS, cn_number


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
