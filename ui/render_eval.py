"""HTML and tables for the 评测 tab: metrics side by side, the gate's verdict, the documents an update changes and the
questions it answers differently. Every piece of document or user text passes through ``html.escape``."""
from __future__ import annotations

import html
import re

from jianghua.ui.messages import zh

METRIC_ZH = {"recall@1": "首条命中率", "recall@5": "前5条召回率", "recall@10": "前10条召回率", "mrr@10": "平均倒数排名",
             "ndcg@10": "NDCG@10", "gold_fact": "答对要点率", "answer_recall": "答案覆盖率",
             "context_recall": "依据召回率", "citation_precision": "引用准确率", "faithfulness": "句句有据率",
             "abstention_accuracy": "正确拒答率", "false_abstention": "误拒答率（越低越好）",
             "draft_structure": "起草结构完整率", "draft_measures_cited": "举措有出处率", "draft_terms": "术语使用率",
             "draft_numbers_grounded": "数字有据率", "draft_length_error": "字数偏差（越低越好）"}


def metric_name(key: str) -> str:
    return f"{METRIC_ZH[key]}（{key}）" if key in METRIC_ZH else key


def fmt_num(v: float | None, signed: bool = False) -> str:
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
        text += f" ｜ 最新版本 v{head} 尚未启用：先运行评测，再「评测并发布」。"
    return text


def eval_summary(out: dict) -> str:
    """Markdown above the table: the set, its size, what the columns mean, the runner's notes."""
    res, cmp = out["result"], out.get("comparison")
    c = res["counts"]
    text = (f"**评测集 {html.escape(res['set_name'])}**：{c['queries']} 个问题（其中 {c['unanswerable']} 个应拒答），"
            f"{c['drafts']} 篇起草 ｜ 检索方式 {MODE_ZH.get(res['mode'], html.escape(res['mode']))}")
    if cmp:
        text += (f" ｜ 用时 {cmp['a']['elapsed_s'] + cmp['b']['elapsed_s']:.1f} 秒\n\n候选版本 v{cmp['b']['version']} 对比"
                 f"基线版本 v{cmp['a']['version']}：“变化”为候选减基线，▼ 表示变差。")
        notes = list(dict.fromkeys(cmp["a"]["notes"] + cmp["b"]["notes"]))
    else:
        text += f" ｜ 用时 {res['elapsed_s']:.1f} 秒\n\n版本 v{res['version']} 的评测结果（未选择对比版本）。"
        notes = res["notes"]
    return text + "".join(f"\n\n注：{html.escape(note_zh(n))}" for n in notes)


def eval_table(out: dict):
    """A DataFrame: one column per version and, with a comparison, 变化 (▼ where the candidate is worse)."""
    import pandas as pd
    from jianghua.app import LOWER_IS_BETTER
    res, cmp = out["result"], out.get("comparison")
    if cmp is None:
        rows = [[metric_name(k), fmt_num(v)] for k, v in res["metrics"].items() if v is not None]
        return pd.DataFrame(rows, columns=["指标", f"v{res['version']}"])
    a, b = cmp["a"], cmp["b"]
    rows = []
    for k, d in cmp["deltas"].items():
        va, vb = a["metrics"].get(k), b["metrics"].get(k)
        if va is None and vb is None:
            continue
        worse = d is not None and abs(d) > 1e-9 and (d > 0 if k in LOWER_IS_BETTER else d < 0)
        rows.append([metric_name(k), fmt_num(va), fmt_num(vb), fmt_num(d, True) + (" ▼" if worse else "")])
    return pd.DataFrame(rows, columns=["指标", f"基线 v{a['version']}", f"候选 v{b['version']}", "变化"])


def eval_chart(out: dict):
    """A DataFrame for the bar chart of the gate's headline metrics, the versions side by side."""
    import pandas as pd
    from jianghua.app import HEADLINE
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
    lines += [f"| {metric_name(d['metric'])} | {fmt_num(d['serving'])} | {fmt_num(d['candidate'])} | "
              f"{fmt_num(d['delta'], True)} |" for d in report["drops"]]
    lines += ["", f"当前仍由 v{s} 提供服务。若下降来自新文档带来的合理变化（例如原本应拒答的问题现在有了出处），"
                  "请先「运行评测」，在「逐题对比」中勾选并接受这些变化，再「评测并发布」。", "",
              f"否则请修正候选版本的文档后重新评测；确需启用时，可用命令行 "
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


MODE_ZH = {"hybrid": "混合检索", "keyword": "关键词检索", "dense": "向量检索"}
EMPTY = "尚未运行评测：选择候选版本和对比基线，点击「运行评测」，这里会列出各项指标和回答有变化的问题。"
_NOTES = [(re.compile(r"gold documents not in version (\d+): (.+)"), "版本 v{0} 中没有这些标准答案所在的文档：{1}"),
          (re.compile(r"dense search covered only (\d+)% of version (\d+)"), "向量检索只覆盖了版本 v{1} 的 {0}% 段落（尚未全部向量化）"),
          (re.compile(r"the assistant is not installed"), "未安装问答模块：未评测回答和起草指标")]


def note_zh(note: str) -> str:
    for rx, t in _NOTES:
        m = rx.search(note)
        if m:
            return t.format(*m.groups()).replace("upload:", "")
    return zh(note)


CHANGE_ZH = {"added": "新增", "replaced": "替换", "removed": "删除"}


def document_changes_md(changes: dict | None, candidate: int | None, serving: int | None) -> str:
    """Markdown: the candidate version's documents added, replaced and removed against the serving version."""
    if not changes or candidate is None or candidate == serving:
        return "当前没有候选版本：上传或删除文档后，这里会列出候选版本相对服务版本的变化。"
    rows = [(CHANGE_ZH[k], d) for k in ("added", "replaced", "removed") for d in changes.get(k, [])]
    head = f"**候选版本 v{candidate}** 相对服务版本 v{serving}："
    if not rows:
        return head + "文档没有变化。"
    lines = [head + "、".join(f"{CHANGE_ZH[k]} {len(changes[k])} 篇" for k in CHANGE_ZH if changes.get(k)), "",
             "| 变化 | 标题 | 来源文件 | 文档 ID |", "|---|---|---|---|"]
    from jianghua.ui.documents import source_label
    lines += [f"| {k} | {html.escape(d.get('title') or '')} | {html.escape(source_label(d.get('source')))} | "
              f"`{html.escape(d['doc_id'])}` |" for k, d in rows]
    return "\n".join(lines)


OUTCOME_ZH = {"correct": "答对", "wrong": "未答对", "declined": "拒答（资料中未找到）", "answered": "作答（标准为应拒答）"}


def _cites(cites: list[dict]) -> str:
    if not cites:
        return "（无引用）"
    return "；".join(f"[{int(c.get('n') or 0)}]《{html.escape(c.get('title') or '')}》" for c in cites)


def question_choices(review: dict | None) -> list[tuple[str, str]]:
    """(label, question id) of the changed questions whose change can be accepted as the new gold."""
    return [(f"{q['id']} {q['text'][:30]}", q["id"]) for q in (review or {}).get("questions", [])
            if q["outcome_changed"]]


def questions_html(review: dict | None) -> str:
    """Each question the candidate answers differently: outcomes, both answers and their citations, and whether a
    newly added document caused it."""
    if not review:
        return ""
    qs = review.get("questions", [])
    c, s = review["candidate"], review["serving"]
    if not qs:
        return f'<div class="jh-review"><h4>逐题对比</h4><p>候选版本 v{c} 与 v{s} 对评测集每个问题的回答都相同。</p></div>'
    parts = [f'<div class="jh-review"><h4>逐题对比：{len(qs)} 个问题的回答有变化'
             f'（其中 {sum(q["outcome_changed"] for q in qs)} 个结果变化）</h4>']
    for q in sorted(qs, key=lambda q: not q["outcome_changed"]):
        cause = (f'<span class="jh-badge warn">因新增文档《{"》《".join(html.escape(t) for t in q["added_documents"])}》'
                 f'而变化</span>') if q["added_documents"] else ""
        result = (f'{OUTCOME_ZH[q["before"]]} → {OUTCOME_ZH[q["after"]]}' if q["outcome_changed"]
                  else f'结果不变（{OUTCOME_ZH[q["after"]]}），回答文字不同')
        parts.append(
            f'<div class="jh-qdiff" id="jh-q-{html.escape(q["id"])}"><div><b>{html.escape(q["id"])}</b> '
            f'{html.escape(q["text"])} {cause}</div><div class="jh-meta">{result}</div>'
            f'<table><tr><th>服务版本 v{s}</th><th>候选版本 v{c}</th></tr>'
            f'<tr><td>{html.escape(q["answer_before"] or "（空）")}</td><td>{html.escape(q["answer_after"] or "（空）")}</td></tr>'
            f'<tr><td class="jh-meta">{_cites(q["citations_before"])}</td>'
            f'<td class="jh-meta">{_cites(q["citations_after"])}</td></tr></table></div>')
    parts.append("</div>")
    return "".join(parts)


def accepted_md(records: list[dict]) -> str:
    """Markdown: what was just accepted, by whom and when."""
    lines = [f"- {html.escape(r['query_id'])}「{html.escape(r['text'])}」：由 {html.escape(r['accepted_by'])} 于 "
             f"{r['accepted_at'].replace('T', ' ')[:19]}（UTC）接受为新的标准答案"
             f"（{'应拒答' if r['after']['type'] == 'unanswerable' else '出处《' + html.escape(r['after']['qrels'][0]['doc'].removeprefix('upload:')) + '》'}）"
             for r in records]
    return "### ✓ 已接受变化\n\n" + "\n".join(lines) + "\n\n已按新的标准答案重新评测，见下方结果。"
