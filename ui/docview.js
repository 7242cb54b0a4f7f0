// The document view: a click on a citation link (#jh-doc=DOC:START:END:N) opens the whole document in the page,
// the cited passage highlighted and scrolled into view. Text is set with textContent only (never as HTML).
(() => {
  if (window.jhDocView) return;
  const PREFIX = "#jh-doc=";
  const KEY = "jianghua_key";

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

  // With JIANGHUA_API_KEY_ALL every API read needs the key: asked for once, kept for this browser tab only.
  function askKey(el, doc, start, end, n, wrong) {
    el.querySelector(".jh-dv-title").textContent = "打开原文需要访问密钥";
    el.querySelector(".jh-dv-meta").textContent = wrong ? "密钥不正确，请重新输入。" : "请输入登录时使用的访问密钥。";
    const text = el.querySelector(".jh-dv-text");
    text.textContent = "";
    const input = document.createElement("input");
    input.type = "password";
    input.className = "jh-dv-key";
    input.setAttribute("aria-label", "访问密钥");
    const go = document.createElement("button");
    go.type = "button";
    go.className = "jh-dv-go";
    go.textContent = "打开原文";
    const submit = () => { sessionStorage.setItem(KEY, input.value); open(doc, start, end, n); };
    go.addEventListener("click", submit);
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") submit(); });
    text.append(input, " ", go);
    input.focus();
  }

  async function open(doc, start, end, n) {
    const el = box();
    const q = (s) => el.querySelector(s);
    q(".jh-dv-title").textContent = "正在打开原文……";
    for (const s of [".jh-dv-meta", ".jh-dv-section", ".jh-dv-text"]) q(s).textContent = "";
    el.classList.add("open");
    let d;
    try {
      const key = sessionStorage.getItem(KEY);
      const headers = key ? { Authorization: "Bearer " + key } : {};
      const r = await fetch("/api/documents/" + encodeURIComponent(doc), { credentials: "same-origin", headers });
      d = await r.json();
      if (r.status === 401) return askKey(el, doc, start, end, n, !!key);
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
