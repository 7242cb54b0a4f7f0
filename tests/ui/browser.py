"""Shared by the browser tests: Debian's Chromium driven by Playwright, the page's question box, a network that
reaches only the server under test, and the check for English words in what the user reads."""
from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path


from tests.ui.conftest import ROOT
from tests.needs import missing
from tests.ui.latin import english_words

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--no-proxy-server"]
ARTIFACTS = ROOT / "tests" / "artifacts"
WAIT_MS = 120_000


def require_browser() -> None:
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
        missing("; ".join(problems) + ": run `bash .ci/install-browser.sh`")     # fails in CI, skips elsewhere


def offline(context, base: str) -> list[str]:
    """Abort every request that does not go to ``base``; returns the list the aborted URLs are appended to."""
    blocked: list[str] = []

    def handle(route):
        url = route.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:")):
            return route.continue_()
        blocked.append(url)
        return route.abort("internetdisconnected")
    context.route("**/*", handle)
    return blocked


@contextlib.contextmanager
def open_page(playwright, base: str, **context_options):
    """Chromium at ``base`` (1280×1300, zh-CN, every other host refused by ``offline``) as ``(page, blocked)``, the
    list ``blocked`` collecting what was refused; the browser closes on exit."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 1300}, locale="zh-CN", **context_options)
        ctx.set_default_timeout(WAIT_MS)
        blocked = offline(ctx, base)
        page = ctx.new_page()
        page.goto(base + "/", wait_until="load")
        yield page, blocked
    finally:
        browser.close()


def ask(pg, question: str, n: int) -> None:
    """Type a question, submit it, wait for the n-th finished answer (its badge appears with the result)."""
    box = pg.locator("#jh-question textarea")
    box.fill(question)
    box.press("Enter")
    pg.locator("#jh-chat .jh-answer .jh-badge").nth(n - 1).wait_for()


# what the user reads but is not prose: the question box's example, code spans, the upload widget's own labels
_SKIP_JS = """() => {
  const skip = el => el.closest('code, pre, textarea, input, script, style, .jh-dv-text');
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, el = n.parentElement;
    if (!el || skip(el)) continue;
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden') continue;
    if (n.textContent.trim()) out.push(n.textContent.trim());
  }
  return out;
}"""


def english_on_page(pg) -> list[str]:
    """English words in the page's visible text (outside code, inputs and document text)."""
    return [w for t in pg.evaluate(_SKIP_JS) for w in english_words(t)]
