"""HTML for the page: answers with their markers and unsupported sentences marked, the sources panel, the
knowledge-base status. Every piece of document or user text passes through ``html.escape``."""
from __future__ import annotations

import html
import re

from jianghua.errors import DocumentLoadError
from ui.messages import zh

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
a.jh-cite { text-decoration: none; cursor: pointer; }
a.jh-cite:hover { text-decoration: underline; }
.jh-msg-sources { margin-top: 8px; font-size: 0.92em; }
.jh-msg-sources summary { cursor: pointer; color: #555; }
#jh-chat .label-wrap, #jh-chat > label { display: none; }
#jh-docview { display: none; position: fixed; inset: 0; background: rgba(0, 0, 0, 0.45); z-index: 10000; }
#jh-docview.open { display: flex; align-items: center; justify-content: center; }
#jh-docview .jh-dv-box { background: #fff; color: #1f1f1f; width: min(920px, 94vw); height: 86vh; display: flex;
  flex-direction: column; border-radius: 8px; padding: 14px 20px; box-shadow: 0 8px 30px rgba(0, 0, 0, 0.3); }
#jh-docview .jh-dv-head { display: flex; align-items: flex-start; gap: 12px; }
#jh-docview .jh-dv-title { flex: 1; font-size: 1.15em; font-weight: 700; }
#jh-docview .jh-dv-close { border: 1px solid #ccc; border-radius: 6px; padding: 2px 10px; background: #f6f6f6;
  cursor: pointer; }
#jh-docview .jh-dv-meta, #jh-docview .jh-dv-section { color: #555; font-size: 0.9em; margin-top: 4px; }
#jh-docview .jh-dv-section { color: #8a1c14; }
#jh-docview .jh-dv-text { flex: 1; overflow-y: auto; white-space: pre-wrap; line-height: 1.9; margin-top: 8px;
  border-top: 1px solid #e3e3e3; padding-top: 8px; font-size: 1.02em; }
#jh-docview .jh-dv-text mark { background: #ffe066; outline: 2px solid #e0a800; border-radius: 2px; }
"""


def page_head() -> str:
    """The page's own script (the document view), inlined into the page's head."""
    from pathlib import Path
    return "<script>" + (Path(__file__).with_name("docview.js")).read_text(encoding="utf-8") + "</script>"


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


def ingest_summary(report: dict, names: dict[str, str]) -> str:
    """Markdown for an ingest report; ``names`` maps a stored path to the name the user knows."""
    def name(source: str) -> str:
        return html.escape(names.get(source, source))

    lines = []
    for key in ("added", "replaced", "unchanged"):
        lines += [f"- {name(s)}：{STATUS_ZH[key]}" for s in report.get(key, [])]
    lines += [f"- {name(f['source'])}：失败（{html.escape(zh(f['error'], DocumentLoadError))}）"
              for f in report.get("failed", [])]
    v, serving = report.get("version"), report.get("serving")
    if v is None:
        lines.append("\n没有变化，未生成新版本。")
    elif v == serving:
        lines.append(f"\n已生成版本 v{v}，并已投入使用。")
    else:
        lines.append(f"\n已生成候选版本 v{v}（当前服务版本 v{serving}），需评测晋升后生效。")
    return "\n".join(lines)


# -- 评测 -----------------------------------------------------------------------------------------------------------
METRIC_ZH = {"recall@1": "首条命中率", "recall@5": "前5条召回率", "recall@10": "前10条召回率", "mrr@10": "平均倒数排名",
             "ndcg@10": "NDCG@10", "gold_fact": "答对要点率", "answer_recall": "答案覆盖率",
             "context_recall": "依据召回率", "citation_precision": "引用准确率", "faithfulness": "句句有据率",
             "abstention_accuracy": "正确拒答率", "false_abstention": "误拒答率（越低越好）",
             "draft_structure": "起草结构完整率", "draft_measures_cited": "举措有出处率", "draft_terms": "术语使用率",
             "draft_numbers_grounded": "数字有据率", "draft_length_error": "字数偏差（越低越好）"}


def metric_name(key: str) -> str:
    return f"{METRIC_ZH[key]}（{key}）" if key in METRIC_ZH else key


def _num(v: float | None, signed: bool = False) -> str:
    return "—" if v is None else (f"{v:+.3f}" if signed else f"{v:.3f}")


def version_choices(versions: list[dict]) -> list[tuple[str, str]]:
    """Dropdown choices, newest first: (label, version number as text)."""
    head = max((v["version"] for v in versions), default=None)
    out = []
    for v in reversed(versions):
        tag = "（服务中）" if v["serving"] else ("（最新候选）" if v["version"] == head else "")
        out.append((f"v{v['version']}{tag} · {v['documents']} 篇 · {(v.get('created') or '')[:16].replace('T', ' ')}",
                    str(v["version"])))
    return out


def versions_status(versions: list[dict]) -> str:
    serving = next((v["version"] for v in versions if v["serving"]), None)
    if serving is None:
        return "**知识库为空**：请先在「知识库」页上传讲话稿。"
    head = versions[-1]["version"]
    text = f"**当前服务版本：v{serving}** ｜ 共 {len(versions)} 个版本"
    if head != serving:
        text += f" ｜ 最新版本 v{head} 尚未启用：先运行评测，再「通过评测后启用」。"
    return text


def eval_summary(out: dict) -> str:
    """Markdown above the table: the set, its size, what the columns mean, the runner's notes."""
    res, cmp = out["result"], out.get("comparison")
    c = res["counts"]
    text = (f"**评测集 {html.escape(res['set_name'])}**：{c['queries']} 个问题（其中 {c['unanswerable']} 个应拒答），"
            f"{c['drafts']} 篇起草 ｜ 检索方式 {html.escape(res['mode'])}")
    if cmp:
        text += (f" ｜ 用时 {cmp['a']['elapsed_s'] + cmp['b']['elapsed_s']:.1f} 秒\n\n候选版本 v{cmp['b']['version']} 对比"
                 f"基线版本 v{cmp['a']['version']}：“变化”为候选减基线，▼ 表示变差。")
        notes = list(dict.fromkeys(cmp["a"]["notes"] + cmp["b"]["notes"]))
    else:
        text += f" ｜ 用时 {res['elapsed_s']:.1f} 秒\n\n版本 v{res['version']} 的评测结果（未选择对比版本）。"
        notes = res["notes"]
    return text + "".join(f"\n\n注：{html.escape(n)}" for n in notes)


def eval_table(out: dict):
    """A DataFrame: one column per version and, with a comparison, 变化 (▼ where the candidate is worse)."""
    import pandas as pd
    from evals.runner import LOWER_IS_BETTER
    res, cmp = out["result"], out.get("comparison")
    if cmp is None:
        rows = [[metric_name(k), _num(v)] for k, v in res["metrics"].items() if v is not None]
        return pd.DataFrame(rows, columns=["指标", f"v{res['version']}"])
    a, b = cmp["a"], cmp["b"]
    rows = []
    for k, d in cmp["deltas"].items():
        va, vb = a["metrics"].get(k), b["metrics"].get(k)
        if va is None and vb is None:
            continue
        worse = d is not None and abs(d) > 1e-9 and (d > 0 if k in LOWER_IS_BETTER else d < 0)
        rows.append([metric_name(k), _num(va), _num(vb), _num(d, True) + (" ▼" if worse else "")])
    return pd.DataFrame(rows, columns=["指标", f"基线 v{a['version']}", f"候选 v{b['version']}", "变化"])


def eval_chart(out: dict):
    """A DataFrame for the bar chart of the gate's headline metrics, the versions side by side."""
    import pandas as pd
    from evals.gate import HEADLINE
    cmp = out.get("comparison")
    runs = [(f"基线 v{cmp['a']['version']}", cmp["a"]), (f"候选 v{cmp['b']['version']}", cmp["b"])] if cmp \
        else [(f"v{out['result']['version']}", out["result"])]
    rows = [{"指标": f"{METRIC_ZH.get(m, m)} · {label}", "版本": label, "得分": r["metrics"][m]}
            for m in HEADLINE for label, r in runs if r["metrics"].get(m) is not None]
    return pd.DataFrame(rows, columns=["指标", "版本", "得分"])


def gate_refusal(message: str, report: dict | None) -> str:
    """Markdown: the gate refused; which headline metrics dropped, by how much."""
    if not report:
        return f"### ✗ 未通过评测，未启用\n\n{html.escape(zh(message))}"
    c, s = report["candidate"]["version"], report["serving"]["version"]
    lines = [f"### ✗ 未通过评测，v{c} 未启用", "",
             f"候选版本 v{c} 与服务版本 v{s} 相比（评测集 {html.escape(report['set'])}），以下核心指标下降超过容差 "
             f"{report['tolerance']:g}：", "", f"| 指标 | 服务版本 v{s} | 候选版本 v{c} | 变化 |", "|---|---:|---:|---:|"]
    lines += [f"| {metric_name(d['metric'])} | {_num(d['serving'])} | {_num(d['candidate'])} | "
              f"{_num(d['delta'], True)} |" for d in report["drops"]]
    lines += ["", f"当前仍由 v{s} 提供服务。请修正候选版本的文档后重新评测；确需启用时，可用命令行 "
                  f"`jianghua index promote {c} --force` 或 API 的 `force` 参数。"]
    return "\n".join(lines)


def promotion_done(result: dict) -> str:
    gate = result.get("gate")
    text = f"### ✓ 已启用 v{result['serving']}\n\n"
    if not gate:
        return text + "此前没有服务版本，无需评测。"
    how = "已强制启用（评测未通过）" if result.get("forced") else "评测通过：核心指标均未下降超过容差"
    text += f"{how} {gate['tolerance']:g}（评测集 {html.escape(gate['set'])}）。原服务版本 v{result['serving_before']}，可用「回滚」恢复。"
    if gate.get("skipped"):
        text += "\n\n未比较的指标（无法评测）：" + "、".join(metric_name(m) for m in gate["skipped"])
    return text
