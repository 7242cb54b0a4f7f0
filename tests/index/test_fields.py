"""Title and section fields (index/fields.py) against BM25 written out by hand, and add_scores/top_k."""
import math

import numpy as np
import pytest

from jianghua.index.fields import FieldIndex, field_weights
from jianghua.index.keyword import B, K1, add_scores, top_k


class SplitTokenizer:
    """Whitespace tokens: enough to check the arithmetic (the real jieba tokenizer is used through the KB tests)."""

    def tokens(self, text):
        return text.split()


def bm25_one(tf, df, n, dl, avg):
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avg))


@pytest.fixture
def fields():
    rows = np.array([10, 11, 12, 13])
    sections = ["整改 落实", "机关 党建 保障", "", "整改 整改 工作"]
    doc_of_row = np.full(20, -1, np.int32)
    doc_of_row[[10, 11]] = 0
    doc_of_row[[12, 13]] = 1
    return FieldIndex(SplitTokenizer(), rows, sections, doc_of_row, ["机关 党建 推进会", "情况 通报"],
                      weights={"section": 2.0, "title": 0.5})


def test_section_field_is_bm25_over_headings(fields):
    rows, sc = fields.score(["整改"], np.zeros(0, np.int64))
    assert list(rows) == [10, 13]
    lens = [2, 3, 1, 3]                   # an empty heading counts as length 1
    avg = sum(lens) / 4
    assert sc[0] == pytest.approx(2.0 * bm25_one(1, 2, 4, 2, avg))
    assert sc[1] == pytest.approx(2.0 * bm25_one(2, 2, 4, 3, avg))


def test_title_credits_only_chunks_matching_elsewhere(fields):
    rows, sc = fields.score(["党建"], np.array([10, 12]))
    assert list(rows) == [10, 11, 12]     # 11 by its heading; 12 by the body; 13 matches nowhere
    title = 0.5 * bm25_one(1, 1, 2, 3, 2.5)
    section11 = 2.0 * bm25_one(1, 1, 4, 3, 2.25)
    assert sc[0] == pytest.approx(title)                 # body match in doc 0: the title's share only
    assert sc[1] == pytest.approx(section11 + title)
    assert sc[2] == 0.0                                  # doc 1's title has no 党建


def test_add_scores_and_top_k():
    rows, total = add_scores(np.array([1, 3]), np.array([1.0, 2.0]), np.array([2, 3]), np.array([5.0, 0.5]))
    assert list(rows) == [1, 2, 3] and list(total) == [1.0, 5.0, 2.5]
    res = top_k(rows, total, 2, [("a", np.array([2])), ("b", np.array([2, 3]))])
    assert list(res.rows) == [2, 3] and res.matched == {2: ["a", "b"], 3: ["b"]}


def test_weights_file_names_the_sets_it_was_fitted_on():
    w = field_weights()
    assert {"section", "title", "fitted_on"} <= set(w) and "dev" in w["fitted_on"]
