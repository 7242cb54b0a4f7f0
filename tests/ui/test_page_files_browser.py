"""In Chromium against a real ``jianghua serve`` whose temp root (Python's and Gradio's) is private: a seed speech
uploaded through the page leaves no copy behind; a draft's Word file downloads, one file a session however many
drafts; closing the tab removes the session's file and stopping the server removes the rest. A file the page's
file box refuses itself (too large, a type not on the list) shows the API's message for that file."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from jianghua.samples import SEEDS
from tests.ui.browser import english_on_page, open_page, require_browser
from tests.ui.conftest import serving
from tests.ui.gradio_queue import entries

pytestmark = pytest.mark.slow

SEED = SEEDS / "全面从严治党表态发言.txt"


def downloads(root: Path) -> list[Path]:
    return sorted(p for p in (root / "gradio").glob("jianghua-download-*/*/*/*") if p.is_file())


def wait_until(check, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def test_page_uploads_and_drafts_leave_no_files(seed_kb_dir, tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    kb, root = tmp_path / "kb", tmp_path / "tmp"
    shutil.copytree(seed_kb_dir, kb)
    (root / "gradio").mkdir(parents=True)
    with serving(kb, TMPDIR=str(root), GRADIO_TEMP_DIR=str(root / "gradio")) as base, sync_playwright() as p, \
            open_page(p, base, accept_downloads=True) as (page, _):
        before = entries(root)

        page.get_by_role("tab", name="知识库").click()
        page.locator("#jh-kb-status").get_by_text("当前服务版本：v1").wait_for()
        page.locator("#jh-kb-files input[type=file]").set_input_files(str(SEED))
        page.locator("#jh-kb-files").get_by_text(SEED.name).first.wait_for()
        assert wait_until(lambda: any(p.name == SEED.name for p in root.rglob("*")))   # stored by the upload route
        page.get_by_role("button", name="导入知识库").click()
        page.get_by_text(f"{SEED.name}：未变化").wait_for()            # the seed knowledge base holds it already
        assert not any(p.name == SEED.name for p in root.rglob("*"))
        assert entries(root) == before

        page.get_by_role("tab", name="起草").click()
        for topic in ("全面从严治党", "基层党组织建设"):
            page.get_by_label("主题").fill(topic)
            page.evaluate("document.querySelectorAll('#jh-draft .jh-badge').forEach(e => e.dataset.old = '1')")
            page.get_by_role("button", name="起草", exact=True).click()
            page.locator("#jh-draft .jh-badge:not([data-old])").wait_for()       # this draft's, not the last one
            button = page.get_by_text("下载 Word 文件")
            button.wait_for()
            with page.expect_download() as got:
                button.click()
            assert Path(got.value.path()).read_bytes()[:2] == b"PK"
            assert got.value.suggested_filename == f"讲话稿-{topic}.docx"
            assert len(downloads(root)) == 1, downloads(root)         # the session's latest only
        page.close()                                                  # the tab closes: its session's file goes
        assert wait_until(lambda: not downloads(root)), downloads(root)
    assert not list((root / "gradio").glob("jianghua-download-*"))    # the server stopped: its directory went


def test_files_the_browser_refuses_get_the_apis_messages(seed_kb_dir, tmp_path):
    # the page's file box refuses these itself, before sending them (Gradio's own check, in English): the page
    # shows instead what the API says for the same file
    require_browser()
    import httpx
    from playwright.sync_api import sync_playwright

    kb = tmp_path / "kb"
    shutil.copytree(seed_kb_dir, kb)
    big = tmp_path / "big" / SEED.name
    big.parent.mkdir()
    big.write_bytes(SEED.read_bytes() * (2**20 // SEED.stat().st_size + 1))
    other = tmp_path / (SEED.stem + ".zip")
    other.write_bytes(SEED.read_bytes())
    with serving(kb, JIANGHUA_MAX_UPLOAD_MB="1") as base, sync_playwright() as p:
        with httpx.Client(trust_env=False, timeout=60) as h:
            said = {f: h.post(base + "/api/documents", files=[("files", (f.name, f.read_bytes()))]).json()
                    ["error"]["message"] for f in (big, other)}
        with open_page(p, base) as (page, blocked):
            page.get_by_role("tab", name="知识库").click()
            page.locator("#jh-kb-status").get_by_text("当前服务版本：v1").wait_for()
            for f in (big, other):
                page.locator("#jh-kb-files input[type=file]").set_input_files(str(f))
                toast = page.locator("[data-testid=toast-body]").filter(has_text=f.name)
                toast.wait_for()
                assert toast.locator("[data-testid=toast-text]").inner_text().strip() == said[f]
                assert english_on_page(page) == []
                toast.locator("[data-testid=toast-close]").click()
            assert blocked == []
