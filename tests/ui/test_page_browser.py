"""End to end in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against a real
``jianghua serve``: ask, see the streamed answer with its markers and sources, ask a follow-up, look at the
knowledge base, draft. Screenshots go to tests/artifacts/ (git-ignored)."""
from __future__ import annotations

import re

import pytest

from tests.ui.browser import ARGS, ARTIFACTS, CHROMIUM, WAIT_MS, ask, require_browser
from tests.ui.conftest import QUESTION

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(served):
    require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        pg = browser.new_page(viewport={"width": 1280, "height": 1300}, locale="zh-CN")
        pg.set_default_timeout(WAIT_MS)
        pg.goto(served + "/", wait_until="load")
        yield pg
        browser.close()


def test_chat_answer_with_sources(page):
    ask(page, QUESTION, 1)
    answer = page.locator("#jh-chat .jh-answer").last
    assert "[1]" in answer.inner_text()
    first = page.locator("#jh-chat .jh-msg-sources .jh-source").first
    first.wait_for(state="attached")
    assert first.locator("mark").text_content().strip()                 # the quote, highlighted (folded)
    assert "《" in first.text_content() and "位置：" in first.text_content()
    assert page.locator("#jh-chat").get_by_text(QUESTION).count() >= 1
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    ask(page, "那考核方面呢？", 2)                                        # a follow-up uses the history
    assert "[1]" in page.locator("#jh-chat .jh-answer").last.inner_text()
    # the chat has no floating label to overlap its first line when it scrolls
    assert page.locator("#jh-chat [data-testid=block-label], #jh-chat label").filter(has_text="对话").count() == 0
    page.screenshot(path=str(ARTIFACTS / "chat-followup.png"), full_page=True)


def test_knowledge_base_tab(page):
    page.get_by_role("tab", name="知识库").click()
    page.locator("#jh-kb-status").get_by_text("当前服务版本：v1").wait_for()
    assert "文档 5 篇" in page.locator("#jh-kb-status").inner_text()
    page.get_by_text("全面从严治党表态发言").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "kb.png"), full_page=True)


def test_draft_tab(page):
    page.get_by_role("tab", name="起草").click()
    page.get_by_label("主题").fill("落实全面从严治党主体责任")
    page.get_by_role("button", name="起草", exact=True).click()
    page.locator("#jh-draft .jh-badge").wait_for()
    assert "[1]" in page.locator("#jh-draft").inner_text()
    page.get_by_text("下载 Word 文件").wait_for()
    page.screenshot(path=str(ARTIFACTS / "draft.png"), full_page=True)


def test_eval_tab(page):
    page.get_by_role("tab", name="评测").click()
    page.locator("#jh-eval-status").get_by_text("当前服务版本：v1").wait_for()
    page.locator("#jh-eval-baseline input").click()                   # only v1 exists: compare it with itself
    page.get_by_role("option", name=re.compile(r"^v1")).click()
    page.get_by_role("button", name="运行评测").click()
    table = page.locator("#jh-eval-table")
    table.get_by_text("前5条召回率（recall@5）").wait_for()
    assert "基线 v1" in table.inner_text() and "变化" in table.inner_text() and "+0.000" in table.inner_text()
    assert "评测集 seed" in page.locator("#jh-eval-summary").inner_text()
    page.locator("#jh-eval-chart canvas, #jh-eval-chart svg").first.wait_for()
    page.wait_for_timeout(500)                                          # let the chart finish drawing
    page.screenshot(path=str(ARTIFACTS / "eval.png"), full_page=True)
