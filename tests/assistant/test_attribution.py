"""Marker forms of many models → [n]; unmarked sentences attributed to the passage that supports them."""
from __future__ import annotations

import pytest

from jianghua.assistant.attribution import attribute, normalise_markers

P1 = "各级党组织书记要牢固树立抓党建是本职的理念，切实担负起第一责任人的职责。"
P2 = "今年要把村干部年报酬提高到3万元，村级办公经费提高到每年5万元。"


@pytest.mark.parametrize("model_text, expected", [
    ("书记要担负第一责任人职责【1】。", "书记要担负第一责任人职责[1]。"),
    ("书记要担负第一责任人职责[1,2]。", "书记要担负第一责任人职责[1][2]。"),
    ("书记要担负第一责任人职责[1][2]。", "书记要担负第一责任人职责[1][2]。"),
    ("书记要担负第一责任人职责［2］。", "书记要担负第一责任人职责[2]。"),
    ("书记要担负第一责任人职责(1)。", "书记要担负第一责任人职责[1]。"),
    ("书记要担负第一责任人职责（资料2）。", "书记要担负第一责任人职责[2]。"),
    ("书记要担负第一责任人职责^1。", "书记要担负第一责任人职责[1]。"),
    ("书记要担负第一责任人职责[^1]。", "书记要担负第一责任人职责[1]。"),
    ("书记要担负第一责任人职责【资料1、2】。", "书记要担负第一责任人职责[1][2]。"),
    ("书记要担负第一责任人职责[1-3]。", "书记要担负第一责任人职责[1][2][3]。"),
    ("书记要担负第一责任人职责。\n\n参考资料：\n[1] 在全区基层党建工作会上的讲话\n[2] 表态发言\n", "书记要担负第一责任人职责。"),
])
def test_marker_forms(model_text, expected):
    assert normalise_markers(model_text) == expected


def test_a_numbered_list_item_is_not_a_marker():
    text = "（1）加强组织建设。（2）压实责任。"
    assert normalise_markers(text) == text


def test_unmarked_supported_sentence_is_attributed():
    text = "各级党组织书记要牢固树立抓党建是本职的理念。村干部年报酬提高到3万元。"
    out, written, attributed = attribute(text, [P1, P2])
    assert out == "各级党组织书记要牢固树立抓党建是本职的理念[1]。村干部年报酬提高到3万元[2]。"
    assert written == set() and attributed == {1, 2}


def test_model_markers_are_kept_and_unsupported_sentences_stay_unmarked():
    text = "村干部年报酬提高到3万元[2]。全区GDP增长了百分之十二。"
    out, written, attributed = attribute(text, [P1, P2])
    assert out == "村干部年报酬提高到3万元[2]。全区GDP增长了百分之十二。"
    assert written == {2} and attributed == set()


def test_marker_past_the_last_passage_is_not_counted_as_written():
    out, written, attributed = attribute("村干部年报酬提高到3万元[7]。", [P1, P2])
    assert written == set()
    assert attributed == {2} and "[2]" in out      # the invalid [7] is removed later by renumber, and reported


def test_sentence_restating_the_question_is_attributed_given_the_question():
    asked = "村里当干部的一年能拿多少钱？"
    text = "村里当干部的一年能拿到3万元。"
    assert attribute(text, [P1, P2])[2] == set()                    # the asker's words are not in the source
    out, _, attributed = attribute(text, [P1, P2], given=asked)
    assert out == "村里当干部的一年能拿到3万元[2]。" and attributed == {2}


def test_restating_the_question_does_not_attribute_an_answer_the_passages_lack():
    asked = "村里当干部的一年能拿多少钱？"
    out, _, attributed = attribute("村里当干部的一年能拿到交通补贴和年终奖金。", [P1, P2], given=asked)
    assert attributed == set() and "[" not in out


def test_a_fragment_too_short_to_match_is_not_attributed():
    """A model's text cut off by its token limit ("5. **加强群") matches any passage by chance: it stays unmarked."""
    out, _, attributed = attribute("各级党组织书记要牢固树立抓党建是本职的理念。5. **牢固树", [P1, P2])
    assert attributed == {1} and out.endswith("5. **牢固树")
