"""The 评测 tab: evaluate a candidate version against the serving one question by question, accept a changed
question's new answer as its gold (recorded with who and when), block or promote the update, roll back. Each write
needs the key as in the 知识库 tab. While an evaluation runs, every button of the tab is disabled."""
from __future__ import annotations

from typing import Callable

import gradio as gr

from jianghua.app import Jianghua
from jianghua.errors import GateError, JianghuaError
from jianghua.settings import Settings
from jianghua.ui import render_eval as R
from jianghua.ui.security import key_matches

NO_BASELINE = "none"
PRIVATE = "private"
GetApp = Callable[[], Jianghua]


def build_eval_tab(get_app: GetApp, settings: Settings, error: Callable[[JianghuaError], str]) -> None:
    with gr.Tab("评测", id="eval") as tab:
        status = gr.Markdown(elem_id="jh-eval-status")
        with gr.Row():
            candidate = gr.Dropdown(label="候选版本", choices=[], scale=3, elem_id="jh-eval-candidate")
            baseline = gr.Dropdown(label="对比基线", choices=[], scale=3, elem_id="jh-eval-baseline")
            key = gr.Textbox(label="管理密钥", type="password", visible=bool(settings.api_key), scale=2)
        with gr.Row():
            run = gr.Button("运行评测", variant="primary", elem_id="jh-eval-run")
            promote = gr.Button("评测并发布", elem_id="jh-eval-promote")
            back = gr.Button("回滚", variant="stop", elem_id="jh-eval-rollback")
        verdict = gr.Markdown(elem_id="jh-eval-verdict")
        summary = gr.Markdown(R.EMPTY, elem_id="jh-eval-summary")
        with gr.Group(visible=False, elem_id="jh-eval-review") as review_box:
            questions = gr.HTML(elem_id="jh-eval-questions")
            with gr.Row():
                picks = gr.CheckboxGroup(label="接受为新的标准答案（候选版本的回答）", choices=[], scale=3,
                                         elem_id="jh-eval-picks")
                reviewer = gr.Textbox(label="审核人（接受变化时必填）", scale=1, elem_id="jh-eval-reviewer")
            with gr.Row():
                accept_btn = gr.Button("接受所选变化并重新评测", elem_id="jh-eval-accept")
                block = gr.Button("不接受，阻止发布", variant="stop", elem_id="jh-eval-block")
        table = gr.Dataframe(interactive=False, wrap=True, label="指标对比", elem_id="jh-eval-table", visible=False)
        chart = gr.BarPlot(x="指标", y="得分", color="版本", y_lim=[0, 1], x_label_angle=-30, label="核心指标",
                           elem_id="jh-eval-chart", visible=False)
    last = gr.State(None)          # the last review: what 接受 records against
    blocked = gr.State(None)       # the candidate version the reviewer blocked
    buttons = [run, promote, back, accept_btn, block]

    def allowed(given: str) -> bool:
        return not settings.api_key or key_matches(given, settings.api_key)

    def fill(cand: str | None = None, base: str | None = None):
        versions = get_app().versions()
        choices = R.version_choices(versions)
        values = [c[1] for c in choices]
        serving = next((str(v["version"]) for v in versions if v["serving"]), None)
        cand = cand if cand in values else (values[0] if values else None)
        base = base if base in values + [NO_BASELINE] else (serving if serving != cand else NO_BASELINE)
        return (gr.Dropdown(choices=choices, value=cand),
                gr.Dropdown(choices=choices + [("不对比", NO_BASELINE)], value=base), R.versions_status(versions))

    def shown(out: dict, note: str = ""):
        frame = R.eval_chart(out)
        has = bool(out.get("questions") is not None and out.get("comparison"))
        return (note, R.eval_summary(out), gr.Group(visible=has), R.questions_html(out) if has else "",
                gr.CheckboxGroup(choices=R.question_choices(out), value=[]),
                gr.Dataframe(R.eval_table(out), visible=True),
                gr.BarPlot(frame, sort=list(frame["指标"]), visible=True), out if has else None)

    def evaluate(cand: str | None, base: str | None, given: str, progress=gr.Progress()):
        if not allowed(given):
            return ("⚠ 管理密钥不正确。", *[gr.skip()] * 7)
        progress((0, None), desc="正在评测")
        cb = lambda done, total: progress((done, total), desc="正在评测", unit="题")  # noqa: E731
        try:
            if base in (None, NO_BASELINE):
                out = get_app().evaluate(cand or None, None, progress_cb=cb)
            else:
                out = get_app().review(cand or "head", base, progress_cb=cb)
        except JianghuaError as e:
            return (error(e), *[gr.skip()] * 7)
        return shown(out)

    def accept(chosen: list[str], who: str, given: str, review: dict | None, progress=gr.Progress()):
        def refused(text: str):        # nothing changes; the chart hidden meanwhile shows again
            return (text, *[gr.skip()] * 5, gr.BarPlot(visible=review is not None), gr.skip())
        if not allowed(given):
            return refused("⚠ 管理密钥不正确。")
        if not review or not chosen:
            return refused("请先在“逐题对比”中勾选要接受的问题。")
        if not (who or "").strip():
            return refused("请填写审核人：接受的变化会记录审核人和时间。")
        try:
            progress((0, None), desc="正在重新评测")
            res = get_app().accept(review, list(chosen), who,
                                   progress_cb=lambda d, t: progress((d, t), desc="正在重新评测", unit="题"))
            done, out = res["accepted"], res["review"]
        except JianghuaError as e:
            return refused(error(e))
        return shown(out, R.accepted_md(done))

    def promote_(cand: str | None, base: str | None, given: str, stop: int | None):
        if not allowed(given):
            return ("⚠ 管理密钥不正确。", *fill(cand, base))
        if stop is not None and str(stop) == str(cand or ""):
            return (f"### 已阻止发布\n\n审核人不接受 v{stop} 的变化：它保持为候选版本，未启用。重新运行评测后可再决定。",
                    *fill(cand, base))
        try:
            text = R.promotion_done(get_app().promote(cand or None))
        except GateError as e:
            text = R.gate_refusal(str(e), e.report)
        except JianghuaError as e:
            text = error(e)
        return (text, *fill(cand, base))

    def block_(review: dict | None):
        if not review:
            return "请先运行评测。", None
        return (f"### 已阻止发布\n\n候选版本 v{review['candidate']} 的变化未被接受，它不会被启用；当前仍由 "
                f"v{review['serving']} 提供服务。", review["candidate"])

    def rollback(cand: str | None, base: str | None, given: str):
        if not allowed(given):
            return ("⚠ 管理密钥不正确。", *fill(cand, base))
        try:
            r = get_app().rollback()
        except JianghuaError as e:
            return (error(e), *fill(cand, base))
        return (f"### 已回滚\n\n现由 v{r['serving']} 提供服务（原服务版本 v{r['serving_before']}）。", *fill(cand, base))

    def lock():
        return [gr.Button(interactive=False) for _ in buttons]

    def unlock():
        return [gr.Button(interactive=True) for _ in buttons]

    ins = [candidate, baseline, key]
    outs = [verdict, summary, review_box, questions, picks, table, chart, last]
    one = dict(api_visibility=PRIVATE, show_progress_on=[verdict])
    tab.select(fill, None, [candidate, baseline, status], api_visibility=PRIVATE)    # newest vs serving
    # the chart is hidden while evaluating: shown again it draws the new figures (an update of the same labels
    # with new values alone is not redrawn)
    hide = dict(fn=lambda: (gr.BarPlot(visible=False), None), inputs=None, outputs=[chart, blocked],
                api_visibility=PRIVATE)
    run.click(lock, None, buttons, queue=False, api_visibility=PRIVATE).then(**hide) \
        .then(evaluate, ins, outs, **one).then(unlock, None, buttons, api_visibility=PRIVATE)
    accept_btn.click(lock, None, buttons, queue=False, api_visibility=PRIVATE).then(**hide) \
        .then(accept, [picks, reviewer, key, last], outs, **one).then(unlock, None, buttons, api_visibility=PRIVATE)
    promote.click(lock, None, buttons, queue=False, api_visibility=PRIVATE) \
        .then(promote_, ins + [blocked], [verdict, candidate, baseline, status], **one) \
        .then(unlock, None, buttons, api_visibility=PRIVATE)
    block.click(block_, [last], [verdict, blocked], api_visibility=PRIVATE)
    back.click(rollback, ins, [verdict, candidate, baseline, status], api_visibility=PRIVATE)
