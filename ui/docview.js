// The document view: a click on a citation link (#jh-doc=DOC:START:END:N) opens the whole document in the page,
// the cited passage highlighted and scrolled into view. Text is set with textContent only (never as HTML).
(() => {
  if (window.jhDocView) return;
  const PREFIX = "#jh-doc=";

  function box() {
    let el = document.getElementById("jh-docview");
    if (el) return el;
    el = document.createElement("div");
    el.id = "jh-docview";
    el.setAttribute("role", "dialog");
    el.setAttribute("aria-modal", "true");
    el.innerHTML = '<div class="jh-dv-box"><div class="jh-dv-head"><div class="jh-dv-title"></div>' +
      '<button type="button" class="jh-dv-close">关闭</button></div><div class="jh-dv-meta"></div>' +
      '<div class="jh-dv-section"></div><div class="jh-dv-text" tabindex="0"></div></div>';
    el.addEventListener("click", (e) => {
      if (e.target === el || e.target.closest(".jh-dv-close")) close();
    });
    document.body.appendChild(el);
    return el;
  }

  function close() {
    const el = document.getElementById("jh-docview");
    if (el) el.classList.remove("open");
  }

  function sectionAt(passages, start) {
    const p = (passages || []).find((q) => q.start <= start && start < q.end);
    return p && p.section && p.section.length ? p.section.join(" › ") : "";
  }

  async function open(doc, start, end, n) {
    const el = box();
    const q = (s) => el.querySelector(s);
    q(".jh-dv-title").textContent = "正在打开原文……";
    for (const s of [".jh-dv-meta", ".jh-dv-section", ".jh-dv-text"]) q(s).textContent = "";
    el.classList.add("open");
    let d;
    try {
      const r = await fetch("/api/documents/" + encodeURIComponent(doc), { credentials: "same-origin" });
      d = await r.json();
      if (!r.ok) throw new Error((d && d.error && d.error.message) || "服务器未能返回原文");
    } catch (err) {
      q(".jh-dv-title").textContent = "无法打开原文";
      q(".jh-dv-meta").textContent = (err && /[\u4e00-\u9fff]/.test(err.message)) ? err.message :
        "网络或服务器出错：请稍后重试。";
      return;
    }
    q(".jh-dv-title").textContent = "《" + d.title + "》";
    const meta = ["来源文件：" + d.source];
    if (d.date) meta.push("日期：" + d.date);
    if (d.speaker) meta.push("讲话人：" + d.speaker);
    meta.push("引用 [" + n + "] 位于第 " + start + "–" + end + " 字（全文 " + d.chars + " 字）");
    if (!d.serving) meta.push("此文档已不在当前服务版本中");
    q(".jh-dv-meta").textContent = meta.join(" ｜ ");
    const sec = sectionAt(d.passages, start);
    q(".jh-dv-section").textContent = "章节：" + (sec || "（无标题层级）");
    const text = q(".jh-dv-text");
    const mark = document.createElement("mark");
    mark.id = "jh-dv-mark";
    mark.dataset.n = n;
    mark.textContent = d.text.slice(start, end);
    text.append(document.createTextNode(d.text.slice(0, start)), mark, document.createTextNode(d.text.slice(end)));
    mark.scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest('a[href^="' + PREFIX + '"]');
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    const [doc, start, end, n] = a.getAttribute("href").slice(PREFIX.length).split(":");
    open(doc, Number(start), Number(end), n);
  }, true);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
  window.jhDocView = { open, close };
})();
