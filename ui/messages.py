"""The core's error messages in Chinese, for the page and the API's ``message``. The core words its errors for the
command line (English, with paths and options); here each known message becomes a Chinese one that names the
problem and what to do, an unknown one the Chinese message of its class. No server path, exception text or stack
trace passes through."""
from __future__ import annotations

import re

from jianghua.app import SUPPORTED_SUFFIXES
from jianghua import errors as E

WHAT = {"question": "问题", "query": "检索词", "topic": "主题", "text": "文本"}
SUPPORTED = "、".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
AGAIN = "请另存为 UTF-8 编码的文本文件（或 Word 文件）后重新上传"

# (regex on the core's message, Chinese template); {name} is the file a "NAME: …" message starts with
KNOWN: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), t) for p, t in (
    (r"the (question|query|topic|text) is empty", "{what}为空：请输入内容后重试。"),
    (r"the (question|query|topic) has (\d+) characters; the limit is (\d+)",
     "{what}有 {2} 字，超过上限 {3} 字：请缩短后重试。"),
    (r"length must be between (\d+) and (\d+) characters, got (.+)", "目标字数应在 {1} 到 {2} 字之间：请调整后重试。"),
    (r"no document '(.*?)' in the latest version", "最新版本中没有文档 ID “{1}”：请从「知识库」的文档列表中复制文档 ID 后重试。"),
    (r"no document '(.*?)' in", "知识库中没有文档 “{1}”：它可能已被清理，请重新提问或检索后再打开。"),
    (r"nothing to roll back to", "没有可回滚的版本：此前没有别的版本提供过服务。"),
    (r"version (\d+) is already serving", "版本 v{1} 已在提供服务，无需再启用。"),
    (r"no version (\S+?)[:\s]", "没有版本 {1}：请从版本列表中选择一个已有的版本。"),
    (r"is empty: ingest documents first", "知识库为空：请先在「知识库」页上传讲话稿。"),
    (r"an evaluation is already running", "已有评测在运行：请等它结束后再试。"),
    (r"no knowledge base at", "知识库不存在：请先导入讲话稿（jianghua ingest）。"),
    (r"JIANGHUA_BACKEND=milvus needs pymilvus", "检索后端设为 Milvus，但未安装 pymilvus 与 milvus-lite：请管理员运行 "
                                                "pip install 'jianghua[milvus]'。"),
    (r"Milvus Lite serves one process at a time", "Milvus Lite 数据库正被另一个进程使用（它一次只服务一个进程）："
                                                  "请先停止另一个进程，或改用 Milvus 服务器（JIANGHUA_MILVUS_URI=http://主机:19530）。"),
    (r"cannot open Milvus at", "无法连接 Milvus：请管理员检查 JIANGHUA_MILVUS_URI 的设置与 Milvus 服务是否在运行。"),
    (r"has no BM25 \(Milvus < 2\.5\)", "这台 Milvus 服务器不支持 BM25 全文检索（低于 2.5 版）：关键词检索改用本地索引。"),
    (r"k must be between 1 and 100", "返回段落数 k 应在 1 到 100 之间。"),
    (r"mode must be hybrid, keyword or dense", "检索方式只能是 hybrid、keyword 或 dense。"),
    (r"year must be a number", "年份应为四位数字。"),
    (r"(.+?): files of type '(.*?)' are not supported", "{name}：不支持这种文件类型（{2}）：支持的类型为 " + SUPPORTED + "。"),
    (r"(.+?): the Word file is damaged or incomplete",
     "{name}：Word 文件已损坏或不完整，无法打开：请在 Word 中打开并另存为 .docx 后重新上传。"),
    (r"(.+?): the PDF is password-protected", "{name}：PDF 设有密码：请去掉密码后重新上传。"),
    (r"(.+?): the PDF is damaged", "{name}：PDF 已损坏或不完整，无法读取：请重新导出 PDF，或上传原始 Word / 文本文件。"),
    (r"(.+?): the PDF has no text layer", "{name}：PDF 中没有文字（可能是扫描图片）：请先做文字识别（OCR），或上传原始 Word / 文本文件。"),
    (r"(.+?): the file is empty", "{name}：文件是空的：请检查后重新上传。"),
    (r"(.+?): the file is too large \(([\d.]+) MB; the limit is ([\d.]+) MB\)",
     "{name}：文件过大（{2} MB，上限 {3} MB）：请拆分后再上传。"),
    (r"(.+?): (this looks like a binary file|the content does not look like text|cannot be read as text)",
     "{name}：无法作为文本读取（可能是二进制文件，或编码无法识别）：" + AGAIN + "。"),
    (r"(.+?): the file starts with a \S+ byte-order mark", "{name}：文件开头的编码标记与内容不符，无法读取：" + AGAIN + "。"),
    (r"(.+?): no text found in the file", "{name}：文件中没有文字：请检查后重新上传。"),
    (r"(.+?): nothing is left after removing", "{name}：去掉空行和版权声明等套话后没有正文：请检查文件内容。"),
    (r"(.+?): not a regular file", "{name}：不是普通文件，无法导入。"),
    (r"(.+?): the file cannot be read", "{name}：文件无法读取：请检查后重新上传。"),
    (r"language model at .* failed", "语言模型服务调用失败：请确认模型服务正在运行（JIANGHUA_OPENAI_BASE_URL），或稍后重试。"),
    (r"embedding server at .* failed", "向量模型服务调用失败：请确认向量服务正在运行（JIANGHUA_EMBED_BASE_URL），或稍后重试。"),
    (r"no changed question (.+?) between v(\d+) and v(\d+)", "v{2} 与 v{3} 之间没有结果变化的问题 {1}：请先运行评测，从逐题对比中选择。"),
    (r"the reviewer's name is empty", "请填写审核人：接受的变化会记录审核人和时间。"),
    (r"question (\S+): the new answer holds no passage text", "问题 {1} 的新回答中没有可作为标准答案的原文：无法接受。"),
    (r"evaluation set not found|no queries\.jsonl|no qrels\.jsonl|not valid JSON",
     "评测集不存在或格式有误：请检查评测集目录（evals/sets/）。"),
)]

BY_CLASS: list[tuple[type, str]] = [
    (E.InputError, "请求有误：请检查输入后重试。"),
    (E.UnsupportedFileError, "不支持这种文件类型：支持的类型为 " + SUPPORTED + "。"),
    (E.DocumentLoadError, "文件无法读取（可能已损坏，或不是所标明的格式）：请检查后重新上传。"),
    (E.DocumentNotFoundError, "没有这个文档：请刷新文档列表后重试。"),
    (E.IndexNotFoundError, "知识库不存在：请先导入讲话稿。"),
    (E.IndexCorruptError, "知识库无法打开：请管理员查看服务器日志。"),
    (E.EmbedderMismatchError, "知识库的向量模型与当前配置不一致：请管理员检查 JIANGHUA_EMBEDDER 的设置。"),
    (E.EmbedderUnavailableError, "向量模型不可用：请管理员查看服务器日志。"),
    (E.VersionError, "版本操作无法完成：请刷新版本列表后重试。"),
    (E.GateError, "候选版本未通过评测，未启用：请查看评测结果。"),
    (E.BusyError, "已有任务在运行：请等它结束后再试。"),
    (E.GeneratorError, "语言模型服务出错：请稍后重试；若一再出现，请管理员查看服务器日志。"),
    (E.BackendError, "检索后端（Milvus）不可用：请管理员检查 JIANGHUA_BACKEND 与 JIANGHUA_MILVUS_URI 的设置，并查看服务器日志。"),
]
GENERIC = "操作未能完成：请稍后重试；若一再出现，请管理员查看服务器日志。"

_PATH = re.compile(r"(?:[A-Za-z]:\\|~?/)(?:[^\s/\\:：，。；、“”'\"）)]+[/\\])+[^\s:：，。；、“”'\"）)]*")
_LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){2,}")       # three English words in a row


def without_paths(text: str) -> str:
    """``text`` with absolute or home-relative paths cut out (a file's base name stays)."""
    return re.sub(r"[ \t]{2,}", " ", _PATH.sub(lambda m: re.split(r"[/\\]", m.group())[-1], text)).strip()


def zh(message: str, kind: type = E.JianghuaError) -> str:
    """The Chinese message for a core error of class ``kind`` whose text is ``message``."""
    message = (message or "").strip()
    for rx, template in KNOWN:
        m = rx.search(message)
        if m:
            groups = [without_paths(g or "") for g in m.groups()]
            name = groups[0] if "{name}" in template else ""
            what = WHAT.get(groups[0], "") if groups else ""
            return template.format("", *groups, name=name, what=what)
    if re.search(r"[\u4e00-\u9fff]", message) and not _LATIN_WORDS.search(message):
        return without_paths(message)                  # the core already speaks Chinese here
    fallback = next((t for cls, t in BY_CLASS if issubclass(kind, cls)), GENERIC)
    head = re.match(r"([^\s:/\\]{1,80}\.(?:txt|md|markdown|docx|pdf|html?|zip|png|jpe?g|exe|bin)):", message, re.I)
    return f"{head.group(1)}：{fallback}" if head else fallback


def zh_error(exc: Exception) -> str:
    """The Chinese message of a core exception; a gate refusal names each headline metric that dropped."""
    if isinstance(exc, E.GateError) and exc.report and exc.report.get("drops"):
        r = exc.report
        named = "；".join(f"{d['metric']} {d['serving']:.3f} → {d['candidate']:.3f}" for d in r["drops"])
        return (f"候选版本 v{r['candidate']['version']} 与服务版本 v{r['serving']['version']} 相比（评测集 {r['set']}），"
                f"核心指标下降超过容差 {r['tolerance']:g}：{named}。请修正候选版本的文档后重新评测，或确认后强制启用（force）。")
    if isinstance(exc, E.JianghuaError):
        return zh(str(exc), type(exc))
    return GENERIC
