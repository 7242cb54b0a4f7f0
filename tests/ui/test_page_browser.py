"""End to end in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against a real
``jianghua serve``: ask, see the streamed answer with its markers and sources, ask a follow-up, look at the
knowledge base, draft. Screenshots go to tests/artifacts/ (git-ignored)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.ui.conftest import QUESTION, ROOT

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--no-proxy-server"]
ARTIFACTS = ROOT / "tests" / "artifacts"
WAIT_MS = 120_000


def _require_browser() -> None:
    problems = []
    if not Path(CHROMIUM).exists():
        problems.append(f"{CHROMIUM} is missing")
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if "Noto Sans CJK" not in fonts:
        problems.append("fonts-noto-cjk is missing (Chinese would render as boxes)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing")
    if problems:
        msg = "; ".join(problems) + ": run `bash .ci/install-browser.sh`"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def page(served):
    _require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        pg = browser.new_page(viewport={"width": 1280, "height": 1300}, locale="zh-CN")
        pg.set_default_timeout(WAIT_MS)
        pg.goto(served + "/", wait_until="load")
        yield pg
        browser.close()


def ask(pg, question: str, n: int) -> None:
    """Type a question, submit it, wait for the n-th finished answer (its badge appears with the result)."""
    box = pg.locator("#jh-question textarea")
    box.fill(question)
    box.press("Enter")
    pg.locator("#jh-chat .jh-answer .jh-badge").nth(n - 1).wait_for()


def test_chat_answer_with_sources(page):
    ask(page, QUESTION, 1)
    answer = page.locator("#jh-chat .jh-answer").last
    assert "[1]" in answer.inner_text()
    first = page.locator("#jh-sources .jh-source").first
    first.wait_for()
    assert first.locator("mark").inner_text().strip()                   # the quote, highlighted
    assert "《" in first.inner_text() and "位置：" in first.inner_text()
    assert page.locator("#jh-chat").get_by_text(QUESTION).count() >= 1
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    ask(page, "具体有哪些要求？", 2)                                      # a follow-up uses the history
    assert "[1]" in page.locator("#jh-chat .jh-answer").last.inner_text()
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
