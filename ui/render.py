"""HTML for the page: answers with their markers and unsupported sentences marked, the sources panel, the
knowledge-base status. Every piece of document or user text passes through ``html.escape``."""
from __future__ import annotations

import html
import re

MARKER = re.compile(r"\[(\d{1,3})\]")
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
"""


def _plain(text: str) -> str:
    """Escaped text, markers styled, line breaks kept."""
    out = html.escape(text)
    out = MARKER.sub(r'<span class="jh-cite">[\1]</span>', out)
    return out.replace("\n", "<br>")


def annotate(text: str, sentences: list[dict]) -> str:
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
        out.append(_plain(text[pos:i]))
        out.append(f'<span class="jh-unsupported" title="未经资料证实（{html.escape(flags)}）">⚠ '
                   f"{_plain(text[i:j])}</span>")
        pos = j
    out.append(_plain(text[pos:]))
    return "".join(out)


def answer_html(result: dict, key: str = "answer") -> str:
    """The verified answer (or draft) as one HTML block (no blank lines: Markdown leaves it alone)."""
    sentences = result.get("sentences", [])
    bad = [s for s in sentences if not s.get("supported", True) and "template" not in s.get("flags", [])]
    if not result.get("citations"):
        badge = '<span class="jh-badge warn">未引用资料</span>'
    elif bad:
        badge = f'<span class="jh-badge warn">⚠ {len(bad)} 句未经资料证实，请核对</span>'
    elif result.get("grounded"):
        badge = '<span class="jh-badge ok">✓ 每句均有资料出处</span>'
    else:
        badge = '<span class="jh-badge warn">⚠ 部分引用需核对</span>'
    body = annotate(result.get(key, ""), sentences)
    return f'<div class="jh-answer">{badge}<div>{body}</div></div>'


def live_html(text: str) -> str:
    """Text still streaming in."""
    return f'<div class="jh-answer">{_plain(text)}</div>'


def sources_html(result: dict) -> str:
    """The sources panel: each cited passage with title, section path, offsets and the quote marked."""
    cites = result.get("citations", [])
    parts = ['<div class="jh-sources">', f"<h4>引用来源（{len(cites)}）</h4>" if cites else ""]
    if not cites:
        parts.append("<p>本次回答没有引用资料。</p>")
        closest = result.get("closest") or []
        if closest:
            parts.append("<p>最接近的段落：</p>")
            for h in closest[:3]:
                parts.append(f'<div class="jh-source"><b>《{html.escape(h.get("title", ""))}》</b>'
                             f'<blockquote>{html.escape(h.get("text", "")[:200])}</blockquote></div>')
    for c in cites:
        section = " › ".join(c.get("section") or []) or "（无标题层级）"
        parts.append(
            f'<div class="jh-source" id="jh-source-{int(c.get("n", 0))}">'
            f'<div><span class="jh-cite">[{int(c.get("n", 0))}]</span> <b>《{html.escape(c.get("title", ""))}》</b></div>'
            f'<div class="jh-meta">章节：{html.escape(section)} ｜ 位置：第 {int(c.get("start", 0))}–'
            f'{int(c.get("end", 0))} 字 ｜ 文档 {html.escape(c.get("doc_id", ""))}</div>'
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
        text += f"\n\n向量化出错：{html.escape(str(emb['error']))}"
    return text


DOC_HEADERS = ["文档 ID", "标题", "日期", "讲话人", "段落数", "导入时间"]


def document_rows(docs: list[dict]) -> list[list]:
    return [[d.get("doc_id"), d.get("title"), d.get("date") or "", d.get("speaker") or "", d.get("chunks", 0),
             (d.get("added") or "")[:19].replace("T", " ")] for d in docs]


STATUS_ZH = {"added": "已新增", "unchanged": "未变化（已存在）", "replaced": "已替换旧版本", "failed": "失败"}


def ingest_summary(report: dict, names: dict[str, str]) -> str:
    """Markdown for an ingest report; ``names`` maps a stored path to the name the user knows."""
    def name(source: str) -> str:
        return html.escape(names.get(source, source))

    lines = []
    for key in ("added", "replaced", "unchanged"):
        lines += [f"- {name(s)}：{STATUS_ZH[key]}" for s in report.get(key, [])]
    lines += [f"- {name(f['source'])}：失败（{html.escape(f['error'])}）" for f in report.get("failed", [])]
    v, serving = report.get("version"), report.get("serving")
    if v is None:
        lines.append("\n没有变化，未生成新版本。")
    elif v == serving:
        lines.append(f"\n已生成版本 v{v}，并已投入使用。")
    else:
        lines.append(f"\n已生成候选版本 v{v}（当前服务版本 v{serving}），需评测晋升后生效。")
    return "\n".join(lines)
