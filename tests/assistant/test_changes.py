"""Each kind of change a rewrite can make to a source sentence, on sentences written to differ in exactly that way
(sources from the seed speeches)."""
from __future__ import annotations

import pytest

from jianghua.assistant.changes import changes
from jianghua.assistant.verify import check_sentence

SRC = ("各党组织书记要牢固树立抓党建是本职的理念，切实担负起第一责任人的职责。"
       "软弱涣散村级党组织整顿工作必须在6月底前全部完成。区委组织部要尽快研究制定具体意见。"
       "二是推进常态化制度化安排部署滞后的问题。巡察整改已全部完成。")


@pytest.mark.parametrize("sentence, kind", [
    ("各党组织书记不要牢固树立抓党建是本职的理念，切实担负起第一责任人的职责。", "negation_flip"),
    ("软弱涣散村级党组织整顿工作可以在6月底前全部完成。", "modality_changed"),
    ("巡察整改未全部完成。", "negation_flip"),
    ("市委组织部要尽快研究制定具体意见。", "level_changed"),
    ("软弱涣散村级党组织整顿工作必须在9月底前全部完成。", "date_not_in_source"),
    ("三是推进常态化制度化安排部署滞后的问题。", "ordinal_changed"),
])
def test_each_change_is_named(sentence, kind):
    assert kind in changes(sentence, [SRC])


@pytest.mark.parametrize("sentence", [
    "各党组织书记要牢固树立抓党建是本职的理念，切实担负起第一责任人的职责。",
    "软弱涣散村级党组织整顿工作必须在6月底前全部完成。",
    "区委组织部要尽快研究制定具体意见。",
])
def test_a_faithful_sentence_has_no_change(sentence):
    assert changes(sentence, [SRC]) == []


def test_a_changed_sentence_is_not_supported_even_with_high_bigram_support():
    c = check_sentence("市委组织部要尽快研究制定具体意见[1]。", {1: SRC}, detect_changes=True)
    assert c.support >= 0.6
    assert not c.supported and "level_changed" in c.flags


def test_drafts_may_rewrite_subjects_without_a_change_flag():
    c = check_sentence("我们将尽快研究制定具体意见[1]。", {1: SRC})
    assert "level_changed" not in c.flags


# A sentence that leaves out a clause is compared with the clauses it kept (a real sentence of a seed speech).
CLAUSED = "要正确运用“四种形态”，加大纪律审查力度，严肃查处损害群众利益的不正之风和腐败问题。"


def test_dropping_a_clause_with_a_negation_is_not_a_flip():
    assert changes("要正确运用“四种形态”，加大纪律审查力度。", [CLAUSED]) == []


def test_a_flip_inside_a_kept_clause_is_still_named():
    assert "negation_flip" in changes("不要正确运用“四种形态”，加大纪律审查力度。", [CLAUSED])


def test_a_models_list_number_and_bold_are_not_claims():
    c = check_sentence("1. **压实责任**：区委组织部要尽快研究制定具体意见[1]。", {1: SRC}, detect_changes=True)
    assert c.supported and not any(f.startswith("number_") for f in c.flags), c


def test_a_decimal_at_the_start_is_a_number_not_a_list_number():
    src = "全年地区生产总值增长10.5%。"
    c = check_sentence("10.5%是全年地区生产总值的增长[1]。", {1: src})
    assert not any(f.startswith("number_") for f in c.flags), c
    assert "number_not_in_source:9.5%" in check_sentence("9.5%是全年地区生产总值的增长[1]。", {1: src}).flags
