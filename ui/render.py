"""HTML for the page: answers with their markers and unsupported sentences marked, the sources panel, the
knowledge-base status. Every piece of document or user text passes through ``html.escape``."""
from __future__ import annotations

import html
import re

from jianghua.app import MARKER


_TAIL = re.compile(r"(?:\s*\[\d{1,3}\]|〔[^〕]{0,20}〕)*[。！？；!?;…]*")
_STOPS = "。！？；!?;…"

CSS = """
.jh-answer { line-height: 1.8; }
.jh-cite { color: #b3261e; font-weight: 600; margin: 0 1px; }
.jh-unsupported { background: #fff4e5; border-bottom: 2px dotted #d97706; }
.jh-badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 0.85em; margin-bottom: 6px; }
.jh-badge.ok { background: #e7f6ec; color: #17603a; }
.jh-badge.warn { background: #fff4e5; color: #8a4b00; }
.jh-source { border-left: 3px solid #b3261e; padding: 4px 10px; margin: 8px 0; }
.jh-source .jh-meta { color: #666; font-size: 0.85em; }
.jh-source blockquote { margin: 4px 0; }
.jh-source mark { background: #fff3a3; }
a.jh-cite { text-decoration: none; cursor: pointer; }
a.jh-cite:hover { text-decoration: underline; }
.jh-msg-sources { margin-top: 8px; font-size: 0.92em; }
.jh-msg-sources summary { cursor: pointer; color: #555; }
#jh-chat .label-wrap, #jh-chat > label { display: none; }
.jh-qdiff { border-left: 3px solid #d97706; padding: 6px 10px; margin: 10px 0; }
.jh-qdiff table { width: 100%; border-collapse: collapse; margin-top: 4px; }
.jh-qdiff td, .jh-qdiff th { border: 1px solid #e3e3e3; padding: 4px 8px; vertical-align: top; width: 50%;
  text-align: left; }
#jh-docview { display: none; position: fixed; inset: 0; background: rgba(0, 0, 0, 0.45); z-index: 10000; }
#jh-docview.open { display: flex; align-items: center; justify-content: center; }
#jh-docview .jh-dv-box { background: #fff; color: #1f1f1f; width: min(920px, 94vw); height: 86vh; display: flex;
  flex-direction: column; border-radius: 8px; padding: 14px 20px; box-shadow: 0 8px 30px rgba(0, 0, 0, 0.3); }
#jh-docview .jh-dv-head { display: flex; align-items: flex-start; gap: 12px; }
#jh-docview .jh-dv-title { flex: 1; font-size: 1.15em; font-weight: 700; }
#jh-docview .jh-dv-close { border: 1px solid #ccc; border-radius: 6px; padding: 2px 10px; background: #f6f6f6;
  cursor: pointer; }
#jh-docview .jh-dv-go { border: 1px solid #b3261e; border-radius: 6px; padding: 2px 12px; background: #fff;
  color: #b3261e; cursor: pointer; }
#jh-docview .jh-dv-key { border: 1px solid #ccc; border-radius: 6px; padding: 4px 8px; width: 18em; }
#jh-docview .jh-dv-meta, #jh-docview .jh-dv-section { color: #555; font-size: 0.9em; margin-top: 4px; }
#jh-docview .jh-dv-section { color: #8a1c14; }
#jh-docview .jh-dv-text { flex: 1; overflow-y: auto; white-space: pre-wrap; line-height: 1.9; margin-top: 8px;
  border-top: 1px solid #e3e3e3; padding-top: 8px; font-size: 1.02em; }
#jh-docview .jh-dv-text mark { background: #ffe066; outline: 2px solid #e0a800; border-radius: 2px; }
"""


def page_head() -> str:
    """The page's own scripts (the document view; the upload limit's message in Chinese), inlined into its head."""
    from pathlib import Path
    return "".join("<script>" + Path(__file__).with_name(name).read_text(encoding="utf-8") + "</script>"
                   for name in ("docview.js", "upload_limit.js"))


def cite_link(c: dict) -> str:
    """``[n]`` as a link the page's script opens in the document view: ``#jh-doc=DOC:START:END:N``."""
    n = int(c.get("n", 0))
    return (f'<a class="jh-cite" href="#jh-doc={html.escape(str(c.get("doc_id", "")))}:{int(c.get("start", 0))}:'
            f'{int(c.get("end", 0))}:{n}" title="打开原文《{html.escape(c.get("title", ""))}》">[{n}]</a>')


def _plain(text: str, cites: dict[int, dict] | None = None) -> str:
    """Escaped text, markers styled (a link to the source when ``cites`` has the marker's citation), line breaks
    kept."""
    cites = cites or {}

    def marker(m: re.Match) -> str:
        c = cites.get(int(m.group(1)))
        return cite_link(c) if c else f'<span class="jh-cite">[{m.group(1)}]</span>'
    return MARKER.sub(marker, html.escape(text)).replace("\n", "<br>")


def annotate(text: str, sentences: list[dict], cites: dict[int, dict] | None = None) -> str:
    """``text`` as HTML with each unsupported sentence (not a template one) wrapped and marked ⚠."""
    out, pos = [], 0
    for s in sentences or []:
        if s.get("supported", True) or "template" in s.get("flags", []):
            continue
        core = MARKER.sub("", s.get("text", "")).strip().rstrip(_STOPS)
        i = text.find(core, pos) if core else -1
        if i < 0:
            continue
        j = i + len(core)
        j += _TAIL.match(text, j).end() - j
        flags = "、".join(s.get("flags", [])) or "low_support"
        out.append(_plain(text[pos:i], cites))
        out.append(f'<span class="jh-unsupported" title="未经资料证实（{html.escape(flags)}）">⚠ '
                   f"{_plain(text[i:j], cites)}</span>")
        pos = j
    out.append(_plain(text[pos:], cites))
    return "".join(out)


def answer_html(result: dict, key: str = "answer", sources: bool = False) -> str:
    """The verified answer (or draft) as one HTML block (no blank lines: Markdown leaves it alone); each [n] links
    to its passage; with ``sources``, the answer's own sources follow it (folded)."""
    sentences = result.get("sentences", [])
    bad = [s for s in sentences if not s.get("supported", True) and "template" not in s.get("flags", [])]
    declined = bool((result.get("trace") or {}).get("declined"))
    not_relevant = [s for s in sentences if s.get("relevant") is False]
    if declined:
        badge = '<span class="jh-badge warn">资料中未找到</span>'
    elif not result.get("citations"):
        badge = '<span class="jh-badge warn">未引用资料</span>'
    elif not_relevant:
        badge = f'<span class="jh-badge warn">⚠ {len(not_relevant)} 句与问题关联不足，请核对</span>'
    elif bad:
        badge = f'<span class="jh-badge warn">⚠ {len(bad)} 句未经资料证实，请核对</span>'
    elif result.get("grounded"):
        badge = '<span class="jh-badge ok">✓ 每句均有资料出处</span>'
    else:
        badge = '<span class="jh-badge warn">⚠ 部分引用需核对</span>'
    cites = {int(c.get("n", 0)): c for c in result.get("citations") or []}
    body = annotate(result.get(key, ""), sentences, cites)
    tail = ""
    if sources and (cites or result.get("closest")):
        tail = (f'<details class="jh-msg-sources"><summary>引用来源（{len(cites)}）</summary>'
                f'{sources_html(result)}</details>')
    return f'<div class="jh-answer">{badge}<div>{body}</div>{tail}</div>'


def live_html(text: str) -> str:
    """Text still streaming in."""
    return f'<div class="jh-answer">{_plain(text)}</div>'


COVERAGE_LABELS = {"sufficient": "资料充分", "thin": "资料不足（文中【待补】处请补充）",
                   "none": "资料中未找到相关举措，未生成讲话稿（下列为最接近的资料）"}


def draft_note(result: dict) -> str:
    """The line above a draft: how well the corpus covers the topic, the length and the sources."""
    cov = result.get("coverage")
    head = f"**资料覆盖：{COVERAGE_LABELS.get(cov, cov or '—')}**"
    if cov == "none":
        return head
    return (f"{head} ｜ 约 {int(result.get('length', 0))} 字（目标 {int(result.get('target_length', 0))} 字），"
            f"引用 {len(result.get('citations', []))} 处资料。")


def sources_html(result: dict) -> str:
    """The sources panel: each cited passage with title, section path, offsets and the quote marked."""
    cites = result.get("citations", [])
    parts = ['<div class="jh-sources">', f"<h4>引用来源（{len(cites)}）</h4>" if cites else ""]
    if not cites:
        parts.append("<p>本次回答没有引用资料。</p>")
        closest = result.get("closest") or []
        if closest:
            parts.append("<p>可能相关（资料中未找到答案，以下段落仅供参考，不是回答）：</p>")
            for h in closest[:3]:
                parts.append(f'<div class="jh-source"><b>《{html.escape(h.get("title", ""))}》</b>'
                             f'<blockquote>{html.escape(h.get("text", "")[:200])}</blockquote></div>')
    for c in cites:
        section = " › ".join(c.get("section") or []) or "（无标题层级）"
        parts.append(
            f'<div class="jh-source jh-n-{int(c.get("n", 0))}">'
            f'<div>{cite_link(c)} <b>《{html.escape(c.get("title", ""))}》</b></div>'
            f'<div class="jh-meta">章节：{html.escape(section)} ｜ 位置：第 {int(c.get("start", 0))}–'
            f'{int(c.get("end", 0))} 字</div>'
            f'<blockquote><mark>{html.escape(c.get("quote", ""))}</mark></blockquote></div>')
    parts.append("</div>")
    return "".join(parts)


def index_status(info: dict) -> str:
    """Markdown: the serving version and whether a candidate waits."""
    serving, head = info.get("serving"), info.get("head")
    if serving is None:
        return "**知识库为空**：请在下方上传讲话稿。"
    text = (f"**当前服务版本：v{serving}** ｜ 文档 {info.get('documents', 0)} 篇 ｜ 段落 {info.get('chunks', 0)} 个"
            f" ｜ 已向量化 {info.get('embedded', 0)} 个 ｜ 向量模型 {html.escape(str(info.get('embedder') or '—'))}")
    if head is not None and head != serving:
        text += f"\n\n**有新的候选版本 v{head}**：经评测晋升后才会用于检索和问答。"
    emb = info.get("embedding") or {}
    if emb.get("running"):
        text += f"\n\n正在后台向量化：{emb.get('done', 0)}/{emb.get('total', 0)}"
    if emb.get("error"):
        text += "\n\n后台向量化出错：关键词检索照常可用；请管理员查看服务器日志。"
    return text


DOC_HEADERS = ["文档 ID", "标题", "日期", "讲话人", "段落数", "导入时间"]


def document_rows(docs: list[dict]) -> list[list]:
    return [[d.get("doc_id"), d.get("title"), d.get("date") or "", d.get("speaker") or "", d.get("chunks", 0),
             (d.get("added") or "")[:19].replace("T", " ")] for d in docs]


STATUS_ZH = {"added": "已新增", "unchanged": "未变化（已存在）", "replaced": "已替换旧版本", "failed": "失败"}


def upload_summary(result: dict) -> str:
    """Markdown for an upload's result (``ui.uploads.ingest_uploads``: what POST /api/documents returns), one line a
    file under the name the user gave it."""
    from jianghua.ui.uploads import upload_label

    lines = []
    for f in result.get("files", []):
        name = html.escape(upload_label(f["filename"]))
        if f["status"] == "failed":
            lines.append(f"- {name}：失败（{html.escape(f.get('error') or '')}）")
        else:
            lines.append(f"- {name}：{STATUS_ZH[f['status']]}")
    v, serving = result.get("version"), result.get("serving")
    if v is None:
        lines.append("\n没有变化，未生成新版本。")
    elif v == serving:
        lines.append(f"\n已生成版本 v{v}，并已投入使用。")
    else:
        lines.append(f"\n已生成候选版本 v{v}（当前服务版本 v{serving}），需评测晋升后生效。")
    return "\n".join(lines)


from jianghua.ui.render_eval import (METRIC_ZH, fmt_num, eval_chart, eval_summary, eval_table, gate_refusal,  # noqa: E402,F401
                            metric_name, promotion_done, version_choices, versions_status)
