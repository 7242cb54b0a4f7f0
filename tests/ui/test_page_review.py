"""In Chromium against a real ``jianghua serve`` over a private knowledge base: upload a speech, see the candidate's
documents, evaluate question by question (one progress bar, every button disabled meanwhile), see the gate refuse,
accept the changed question, promote. No English on the page along the way."""
from __future__ import annotations

import pytest

from tests.ui.browser import ARTIFACTS, english_on_page, open_page, require_browser
from tests.ui.test_review import SPEECH

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(served_private):
    require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p, open_page(p, served_private) as (pg, blocked):
        yield pg
        assert blocked == []


def test_empty_state_before_any_evaluation(page):
    page.get_by_role("tab", name="评测").click()
    page.locator("#jh-eval-status").get_by_text("当前服务版本：v1").wait_for()
    assert "尚未运行评测" in page.locator("#jh-eval-summary").inner_text()
    assert page.locator("#jh-eval-table").count() == 0 and page.locator("#jh-eval-chart").count() == 0
    assert english_on_page(page) == []


def test_upload_review_accept_promote(page):
    page.get_by_role("tab", name="知识库").click()
    page.locator("#jh-kb-status").get_by_text("当前服务版本：v1").wait_for()
    page.locator("#jh-kb-files input[type=file]").set_input_files(str(SPEECH))
    page.locator("#jh-kb-files").get_by_text(SPEECH.name).first.wait_for()
    page.get_by_role("button", name="导入知识库").click()
    page.get_by_text("已生成候选版本 v2").wait_for()
    changes = page.locator("#jh-kb-candidate")
    changes.get_by_text("候选版本 v2").wait_for()
    assert "新增 1 篇" in changes.inner_text() and SPEECH.stem in changes.inner_text()
    assert english_on_page(page) == []
    page.screenshot(path=str(ARTIFACTS / "kb-candidate.png"), full_page=True)

    page.get_by_role("tab", name="评测").click()
    page.locator("#jh-eval-status").get_by_text("最新版本 v2").wait_for()
    page.get_by_role("button", name="运行评测").click()
    page.locator("#jh-eval-verdict .progress-text, #jh-eval-verdict .eta-bar").first.wait_for()
    for name in ("运行评测", "评测并发布", "回滚"):                         # nothing can be clicked meanwhile
        assert page.get_by_role("button", name=name).is_disabled(), name
    assert page.locator(".progress-text").count() <= 1                  # one progress bar, on the verdict
    page.locator("#jh-eval-verdict").get_by_text("正在评测").first.wait_for()
    assert english_on_page(page) == []                  # the bar counts in Chinese (gradio's default unit: "steps")
    questions = page.locator("#jh-eval-questions")
    questions.locator(".jh-qdiff").first.wait_for()
    page.locator("#jh-eval-promote:not([disabled])").wait_for()             # enabled again when it ends
    caused = questions.locator(".jh-qdiff", has_text=f"因新增文档《{SPEECH.stem}》而变化").first
    qid = caused.locator("b").first.inner_text()
    assert "拒答（资料中未找到） → 作答" in caused.inner_text()
    assert english_on_page(page) == []
    page.screenshot(path=str(ARTIFACTS / "eval-review.png"), full_page=True)

    page.get_by_role("button", name="评测并发布").click()
    verdict = page.locator("#jh-eval-verdict")
    verdict.get_by_text("未通过评测").wait_for()
    assert "正确拒答率" in verdict.inner_text() and "逐题对比" in verdict.inner_text()

    page.get_by_role("button", name="不接受，阻止发布").click()               # the reviewer blocks it …
    verdict.get_by_text("已阻止发布").wait_for()
    page.get_by_role("button", name="评测并发布").click()
    verdict.get_by_text("审核人不接受 v2 的变化").wait_for()
    assert "当前服务版本：v1" in page.locator("#jh-eval-status").inner_text()
    page.get_by_role("button", name="运行评测").click()                      # … and decides anew after a rerun
    page.locator("#jh-eval-run[disabled]").wait_for()
    page.locator("#jh-eval-run:not([disabled])").wait_for()

    page.locator("#jh-eval-picks").get_by_text(qid).click()
    page.locator("#jh-eval-reviewer textarea, #jh-eval-reviewer input").first.fill("张三")
    page.get_by_role("button", name="接受所选变化并重新评测").click()
    verdict.get_by_text("已接受变化").wait_for()
    assert f"{qid}「" in verdict.inner_text() and "由 张三 于" in verdict.inner_text()
    page.locator("#jh-eval-run:not([disabled])").wait_for()
    page.screenshot(path=str(ARTIFACTS / "eval-accepted.png"), full_page=True)

    page.get_by_role("button", name="评测并发布").click()
    verdict.get_by_text("已启用 v2").wait_for()
    page.locator("#jh-eval-status").get_by_text("当前服务版本：v2").wait_for()
    assert english_on_page(page) == []
    page.screenshot(path=str(ARTIFACTS / "eval-promoted.png"), full_page=True)


def test_rollback_and_nothing_to_roll_back_are_chinese(page):
    page.get_by_role("button", name="回滚").click()
    page.locator("#jh-eval-verdict").get_by_text("已回滚").wait_for()
    page.get_by_role("button", name="回滚").click()
    page.locator("#jh-eval-verdict").get_by_text("没有可回滚的版本").wait_for()
    assert english_on_page(page) == []
