// The page's file box refuses a file over the upload limit, or of a type not on the list, in the browser before
// sending it, with Gradio's own English toasts ("File(s) exceed the maximum allowed size of 50.0 Mb: …",
// "Invalid file type: … Only .txt, … allowed."). This rewrites them into the messages POST /api/documents and the
// page's import give for the same file (ui/uploads.py: one path, one message).
(() => {
  const SIZE = /File\(s\) exceed the maximum allowed size of ([\d.]+)\s*Mb:?\s*([\s\S]*)/i;
  const TYPE = /Invalid file type:?\s*([\s\S]*?)\.\s*Only ([\s\S]*?) allowed/i;
  const base = n => n.trim().replace(/^"|"$/g, "").split(/[\\/]/).pop();
  function chinese(text) {
    let m = SIZE.exec(text);
    if (m) {
      const names = m[2].split(",").map(base).filter(Boolean).join("、") || "文件";
      return `${names} 超过单个文件 ${parseFloat(m[1])} MB 的上传上限：请拆分后再上传`;
    }
    m = TYPE.exec(text);
    if (m) {
      const name = base(m[1].split(", ")[0]) || "upload";
      const dot = name.lastIndexOf(".");
      const suffix = dot > 0 ? name.slice(dot).toLowerCase() : "无扩展名";
      const allowed = m[2].split(",").map(s => s.trim().replace(/^\./, "")).filter(Boolean).join("、");
      return `${name}：不支持这种文件类型（${suffix}）：支持的类型为 ${allowed}`;
    }
    return null;
  }
  function rewrite(root) {
    const found = root.matches && root.matches('[data-testid="toast-text"]') ? [root] : [];
    if (root.querySelectorAll) found.push(...root.querySelectorAll('[data-testid="toast-text"]'));
    for (const el of found) {
      const zh = chinese(el.textContent || "");
      if (zh === null) continue;
      el.textContent = zh;
      const title = el.closest('[data-testid="toast-body"]')?.querySelector(".toast-title");
      if (title && title.firstChild) title.firstChild.textContent = "上传失败 ";
    }
  }
  new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) rewrite(n);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
