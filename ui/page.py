"""The Gradio page: 问答, 起草, 知识库, 评测. Each handler calls one ``Jianghua`` method; the HTML
comes from ``ui.render``. ``get_app`` returns the application object the server built in its lifespan.

Uploads take the API's path (``ui.uploads``: the same limits, messages and source names; nothing left on disk);
a draft's Word file is offered from ``ui.downloads`` (one file a session, removed after)."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable

import gradio as gr

from jianghua.app import SUPPORTED_SUFFIXES
from jianghua.app import Jianghua
from jianghua.errors import BusyError, JianghuaError
from jianghua.settings import Settings
from jianghua.ui import render
from jianghua.ui.downloads import Downloads
from jianghua.ui.errors import ApiError
from jianghua.ui.page_eval import build_eval_tab
from jianghua.ui.messages import zh_error
from jianghua.ui.security import key_matches
from jianghua.ui.uploads import discard_stored, ingest_uploads, stage_files, upload_dir

EXAMPLE = "各级党组织书记在主体责任中要做到什么？"
KEEP_TURNS = 20
PRIVATE = "private"      # page events are not an API: /api and /v1 are (documented at /docs)

GetApp = Callable[[], Jianghua]


def build_page(get_app: GetApp, settings: Settings, downloads: Downloads) -> gr.Blocks:
    """``downloads``: where the draft tab's Word files go (inside Gradio's cache; the server closes it at shutdown).
    Gradio's own cache files (an upload chosen but never imported) go after a day, and all at shutdown."""
    with gr.Blocks(title="讲话助手", analytics_enabled=False, delete_cache=(3600, 86400)) as page:
        gr.Markdown("## 讲话助手 · 讲话稿检索、问答与起草\n回答和讲话稿的每句话都标注出处 [n]，下方“引用来源”列出对应原文，可逐条核对。"
                    "（[HTTP API 文档](/docs)）")
        with gr.Tabs():
            with gr.Tab("问答", id="ask"):
                ask_tab(get_app, settings)
            with gr.Tab("起草", id="draft"):
                draft_tab(get_app, downloads)
            with gr.Tab("知识库", id="kb"):
                fill, outputs = kb_tab(get_app, settings, page.upload_file_set)
            build_eval_tab(get_app, settings, _error)
        page.load(fill, None, outputs, api_visibility=PRIVATE)

        def session_ended(request: gr.Request):
            downloads.forget(request.session_hash)
        page.unload(session_ended)
    page.queue(default_concurrency_limit=4)
    return page


def theme() -> gr.themes.Base:
    """System fonts only: the page must not fetch web fonts (offices are often offline)."""
    return gr.themes.Default(font=["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"],
                             font_mono=["Consolas", "Noto Sans Mono CJK SC", "monospace"])


def _error(e: JianghuaError) -> str:
    if isinstance(e, BusyError):
        return "⚠ 已有评测在运行，请等它结束后再试。"
    return f"⚠ {html.escape(zh_error(e))}"


# -- 问答 -----------------------------------------------------------------------------------------------------------
def ask_tab(get_app: GetApp, settings: Settings) -> None:
    chat = gr.Chatbot(label="对话", show_label=False, height=480, elem_id="jh-chat", buttons=["copy"], feedback_options=None,
                      placeholder="在下方输入问题。回答只依据知识库中的讲话稿，每句话后标注出处。")
    with gr.Row():
        box = gr.Textbox(label="问题", show_label=False, placeholder=f"输入问题，例如：{EXAMPLE}", scale=8, elem_id="jh-question",
                         max_length=settings.max_question_chars, lines=1)
        send = gr.Button("提问", variant="primary", scale=1, elem_id="jh-send")
    with gr.Row():
        gr.Examples([[EXAMPLE], ["如何加强基层党组织建设？"]], inputs=[box], label="示例问题")
        new = gr.Button("新对话", scale=0)
    sources = gr.HTML(label="引用来源", elem_id="jh-sources")       # the latest answer's; each answer keeps its own
    history = gr.State([])

    def respond(question: str, messages: list, hist: list):
        question = (question or "").strip()
        if not question:
            yield "", messages, hist, gr.skip()
            return
        messages = list(messages or []) + [{"role": "user", "content": question},
                                           {"role": "assistant", "content": "……"}]
        yield "", messages, hist, gr.skip()
        text = ""
        try:
            for ev in get_app().ask_stream(question, hist):
                if ev.get("type") == "delta":
                    text += ev.get("text", "")
                    messages[-1] = {"role": "assistant", "content": render.live_html(text)}
                    yield gr.skip(), messages, hist, gr.skip()
                elif ev.get("type") == "result":
                    messages[-1] = {"role": "assistant", "content": render.answer_html(ev, sources=True)}
                    hist = (hist + [{"role": "user", "content": question},
                                    {"role": "assistant", "content": ev.get("answer", "")}])[-2 * KEEP_TURNS:]
                    yield gr.skip(), messages, hist, render.sources_html(ev)
        except JianghuaError as e:
            messages[-1] = {"role": "assistant", "content": _error(e)}
            yield gr.skip(), messages, hist, gr.skip()

    outputs = [box, chat, history, sources]
    box.submit(respond, [box, chat, history], outputs, api_visibility=PRIVATE)
    send.click(respond, [box, chat, history], outputs, api_visibility=PRIVATE)
    new.click(lambda: ("", [], [], ""), None, outputs, api_visibility=PRIVATE)


# -- 起草 -----------------------------------------------------------------------------------------------------------
def draft_tab(get_app: GetApp, downloads: Downloads) -> None:
    with gr.Row():
        topic = gr.Textbox(label="主题", placeholder="例如：落实全面从严治党主体责任", scale=3)
        occasion = gr.Textbox(label="场合（可选）", placeholder="例如：机关党建工作推进会", scale=2)
        length = gr.Slider(100, 5000, value=600, step=100, label="目标字数", scale=2)
    go = gr.Button("起草", variant="primary")
    note = gr.Markdown()
    out = gr.HTML(label="讲话稿", elem_id="jh-draft")
    download = gr.DownloadButton("下载 Word 文件", visible=False, elem_id="jh-download")
    sources = gr.HTML(label="引用来源")

    def write(topic_: str, occasion_: str, length_: float, request: gr.Request):
        try:
            app = get_app()
            result = app.draft(topic_, occasion_ or None, int(length_))
            data = app.export_draft(result, topic_, "docx")
        except JianghuaError as e:
            return _error(e), "", gr.DownloadButton(visible=False), ""
        name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|\s]+", "", topic_)[:40] or "讲话稿"
        path = downloads.put(request.session_hash, f"讲话稿-{name}.docx", data)     # the session's previous one goes
        info = render.draft_note(result)
        return (info, render.answer_html(result, "draft"), gr.DownloadButton(value=str(path), visible=True),
                render.sources_html(result))

    go.click(write, [topic, occasion, length], [note, out, download, sources], api_visibility=PRIVATE)


# -- 知识库 ---------------------------------------------------------------------------------------------------------
KEY_COOKIE_JS = ("(k) => { document.cookie = 'jianghua_key=' + encodeURIComponent(k || '') + "
                 "'; path=/; SameSite=Strict'; return []; }")


def kb_tab(get_app: GetApp, settings: Settings, stored_by_route: set[str]):
    """The tab; returns (function, outputs) that fill the table and the status, for the page's load event.
    ``stored_by_route``: the files Gradio's upload route stored (its record), removed once an upload is done."""
    status = gr.Markdown(elem_id="jh-kb-status")
    with gr.Row():
        files = gr.File(label="上传讲话稿（" + " / ".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES) + "）",
                        file_count="multiple", file_types=list(SUPPORTED_SUFFIXES), scale=3, elem_id="jh-kb-files")
        with gr.Column(scale=1):
            key = gr.Textbox(label="管理密钥（先输入，再选择文件）", type="password", visible=bool(settings.api_key))
            upload = gr.Button("导入知识库", variant="primary")
    # the browser's file upload goes to Gradio's own route before any handler runs: it carries the key as a cookie
    key.change(None, key, None, js=KEY_COOKIE_JS)
    result = gr.Markdown()
    table = gr.Dataframe(headers=render.DOC_HEADERS, interactive=False, wrap=True, label="服务版本的文档")
    changes = gr.Markdown(elem_id="jh-kb-candidate")
    with gr.Row():
        doc_id = gr.Textbox(label="要删除的文档 ID", scale=3)
        remove = gr.Button("删除文档", variant="stop", scale=1)
        refresh = gr.Button("刷新", scale=1)

    def allowed(given: str) -> bool:
        return not settings.api_key or key_matches(given, settings.api_key)

    def current():
        from jianghua.ui.render_eval import document_changes_md
        app = get_app()
        info = app.index_info()
        head, serving = info.get("head"), info.get("serving")
        diff = app.pending_changes()
        return (render.document_rows(app.documents()), render.index_status(info),
                document_changes_md(diff, head, serving))

    def ingest(chosen: list[dict] | None, given: str, progress=gr.Progress(track_tqdm=True)):
        # unprocessed (preprocess=False): each file as the browser names it, {"path", "orig_name", …}; Gradio has
        # checked that every path is one its upload route stored
        stored = [(f.get("orig_name") or Path(f["path"]).name, Path(f["path"])) for f in chosen or []]
        try:
            if not allowed(given):
                return ("⚠ 管理密钥不正确。", None, *current())
            if not stored:
                return ("请先选择要上传的文件。", None, *current())
            with upload_dir() as tmp:          # the API's path: same names, limits and messages
                result = ingest_uploads(get_app(), stage_files(stored, tmp, settings.max_upload_mb * 2**20),
                                        progress=True)
        except ApiError as e:
            return (f"⚠ {html.escape(e.message)}", None, *current())
        except JianghuaError as e:
            return (_error(e), None, *current())
        finally:                               # imported or refused, Gradio's stored copies go (and the box clears)
            discard_stored([p for _, p in stored], stored_by_route, Path(files.GRADIO_CACHE))
        return (render.upload_summary(result), None, *current())

    def drop(doc: str, given: str):
        if not allowed(given):
            return ("⚠ 管理密钥不正确。", *current())
        if not (doc or "").strip():
            return ("请先在“要删除的文档 ID”框中填写文档 ID（见下方文档列表第一列）。", *current())
        try:
            r = get_app().remove((doc or "").strip())
        except JianghuaError as e:
            return (_error(e), *current())
        state = "已投入使用" if r["version"] == r["serving"] else "为候选版本，需评测晋升后生效"
        return (f"已删除文档 {r['removed']}：新版本 v{r['version']} {state}。", *current())

    outs = [result, table, status, changes]
    upload.click(ingest, [files, key], [result, files, table, status, changes], api_visibility=PRIVATE,
                 show_progress_on=[result], preprocess=False)   # one progress bar; the files' own names
    remove.click(drop, [doc_id, key], outs, api_visibility=PRIVATE)
    refresh.click(current, None, [table, status, changes], api_visibility=PRIVATE)
    return current, [table, status, changes]
