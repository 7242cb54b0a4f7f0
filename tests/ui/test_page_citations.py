"""In Chromium against a real ``jianghua serve``: every [n] of five answers opens its passage in the document view,
highlighted and scrolled into view; earlier answers keep their own sources; a draft's markers open too; /docs and
/redoc render with the network blocked; the page shows no English words."""
from __future__ import annotations

import pytest

from tests.ui.browser import (ARGS, ARTIFACTS, CHROMIUM, WAIT_MS, ask, english_on_page, offline,
                              require_browser)
from tests.ui.test_document_route import QUESTIONS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser, served):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="zh-CN")
    ctx.set_default_timeout(WAIT_MS)
    blocked = offline(ctx, served)
    yield ctx, blocked
    ctx.close()


def open_and_check(pg, link, message) -> None:
    """Click ``link`` (a [n] of ``message``) and check the document view shows its passage highlighted, in view."""
    href = link.get_attribute("href")
    doc, start, end, n = href.removeprefix("#jh-doc=").split(":")
    quote = message.locator(f'.jh-msg-sources .jh-source.jh-n-{n} blockquote mark').text_content()
    link.click()
    view = pg.locator("#jh-docview.open")
    mark = view.locator("#jh-dv-mark")
    mark.wait_for()
    assert mark.text_content() == quote and mark.get_attribute("data-n") == n
    assert view.locator(".jh-dv-title").inner_text().startswith("《")
    assert view.locator(".jh-dv-section").inner_text().startswith("章节：")
    assert f"引用 [{n}] 位于第 {start}–{end} 字" in view.locator(".jh-dv-meta").inner_text()
    text = view.locator(".jh-dv-text").text_content()
    assert text.index(quote) <= int(start) and len(text) > len(quote)          # the whole document, not the quote
    box, pane = mark.bounding_box(), view.locator(".jh-dv-text").bounding_box()
    assert pane["y"] <= box["y"] and box["y"] + min(box["height"], 40) <= pane["y"] + pane["height"]   # in view


def test_every_marker_of_five_answers_opens_its_passage(context, served):
    ctx, blocked = context
    pg = ctx.new_page()
    pg.goto(served + "/", wait_until="load")
    for i, q in enumerate(QUESTIONS, 1):
        ask(pg, q, i)
    messages = pg.locator("#jh-chat .jh-answer:has(.jh-badge)")
    assert messages.count() == len(QUESTIONS)
    opened = 0
    for i in range(messages.count()):                       # the first answer's links still work after four more
        msg = messages.nth(i)
        links = msg.locator(":scope > div:not(.jh-msg-sources) a.jh-cite")
        assert links.count() >= 1, msg.inner_text()
        assert msg.locator(".jh-msg-sources .jh-source").count() == len(
            {a.get_attribute("href").split(":")[-1] for a in links.all()})     # its own sources, one per marker
        for j in range(links.count()):
            open_and_check(pg, links.nth(j), msg)
            if opened == 0:
                pg.wait_for_timeout(200)
                pg.screenshot(path=str(ARTIFACTS / "citation.png"))
            opened += 1
            pg.keyboard.press("Escape")
            pg.locator("#jh-docview.open").wait_for(state="detached")
    assert opened >= 10
    msg = messages.nth(0)                                    # a source in an earlier answer's own list opens too
    msg.locator(".jh-msg-sources summary").click()
    open_and_check(pg, msg.locator(".jh-msg-sources a.jh-cite").first, msg)
    pg.locator("#jh-docview .jh-dv-close").click()
    assert english_on_page(pg) == []
    assert blocked == []                                     # the page fetched nothing from outside


def test_draft_markers_open_their_passages(context, served):
    ctx, _ = context
    pg = ctx.new_page()
    pg.goto(served + "/", wait_until="load")
    pg.get_by_role("tab", name="起草").click()
    pg.get_by_label("主题").fill("落实全面从严治党主体责任")
    pg.get_by_role("button", name="起草", exact=True).click()
    links = pg.locator("#jh-draft a.jh-cite")
    links.first.wait_for()
    for j in range(min(links.count(), 6)):
        href = links.nth(j).get_attribute("href")
        links.nth(j).click()
        mark = pg.locator("#jh-docview.open #jh-dv-mark")
        mark.wait_for()
        doc, start, end, n = href.removeprefix("#jh-doc=").split(":")
        assert mark.get_attribute("data-n") == n and len(mark.text_content()) == int(end) - int(start)
        pg.keyboard.press("Escape")
    assert english_on_page(pg) == []


@pytest.mark.parametrize("path, ready", [("/docs", ".swagger-ui .opblock"), ("/redoc", "[data-section-id]")])
def test_api_docs_render_with_the_network_blocked(context, served, path, ready):
    ctx, blocked = context
    pg = ctx.new_page()
    pg.goto(served + path, wait_until="load")
    pg.locator(ready).first.wait_for()
    body = pg.locator("body").inner_text()
    assert "/api/documents/{doc_id}" in body and "/api/ask" in body
    # the only request that left: ReDoc's "API docs by Redocly" badge image, which it hard-codes (not an asset)
    assert [u for u in blocked if not u.startswith("https://cdn.redoc.ly/redoc/logo")] == []
    pg.screenshot(path=str(ARTIFACTS / f"{path.strip('/')}-offline.png"))


def test_document_view_asks_for_the_key_when_every_read_needs_it(browser, seed_kb_dir, tmp_path):
    import shutil

    from tests.ui.conftest import QUESTION, serving
    key = "page-key-" + "7" * 12
    kb = tmp_path / "kb"
    shutil.copytree(seed_kb_dir, kb)
    with serving(kb, JIANGHUA_API_KEY=key, JIANGHUA_API_KEY_ALL="1") as base:
        ctx = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="zh-CN")
        ctx.set_default_timeout(WAIT_MS)
        pg = ctx.new_page()
        pg.goto(base + "/", wait_until="load")
        pg.locator("input[type=text]").first.fill("审核员")                  # the page's own login
        pg.locator("input[type=password]").first.fill(key)
        pg.locator("input[type=password]").first.press("Enter")
        ask(pg, QUESTION, 1)
        msg = pg.locator("#jh-chat .jh-answer:has(.jh-badge)").first
        links = msg.locator(":scope > div:not(.jh-msg-sources) a.jh-cite")
        links.first.click()
        view = pg.locator("#jh-docview.open")
        view.locator(".jh-dv-key").fill("wrong-key-000000000")
        view.locator(".jh-dv-go").click()
        view.get_by_text("密钥不正确").wait_for()
        view.locator(".jh-dv-key").fill(key)
        view.locator(".jh-dv-go").click()
        view.locator("#jh-dv-mark").wait_for()
        pg.keyboard.press("Escape")
        open_and_check(pg, links.nth(links.count() - 1), msg)             # the key is kept for this tab
        assert english_on_page(pg) == []
        ctx.close()
