"""Follow-up questions → standalone questions.

Without a language model: a question that leans on the conversation (short, or with 这/那/其/上述/具体/第二条 …)
gets the previous question's topic terms, and an ordinal (第二条, 第2点) pulls in that item of the previous answer.
With one: the condense prompt in prompts/condense.txt.
"""
from __future__ import annotations

import re
from typing import Callable

from assistant.citations import strip_markers
from ingest.sentences import split_sentences

DEICTIC = re.compile(r"这|那|其|该|上述|前面|刚才|它|他们|这些|那些|具体|怎么做|为什么|还有|此外|另外|第[一二三四五六七八九十\d]+")
ORDINAL = re.compile(r"第([一二三四五六七八九十\d]+)(?:条|点|个|项|方面|是)|(头|首|最后|末)那?一?(?:条|点|个|项)")
QUESTION_WORDS = {"哪几", "几个", "哪些", "什么", "哪个", "多少", "怎么", "如何", "里说", "提到", "说的", "讲了", "主要"}
CN_NUM = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}


def needs_history(question: str) -> bool:
    return len(question) <= 12 or bool(DEICTIC.search(question))


def ordinal(question: str) -> int | None:
    """1-based item number the question points at; -1 for the last one."""
    m = ORDINAL.search(question)
    if not m:
        return None
    if m.group(2):
        return -1 if m.group(2) in ("最后", "末") else 1
    g = m.group(1)
    return int(g) if g.isdigit() else CN_NUM.get(g)


def _items(answer: str) -> list[str]:
    """The enumerated items of an answer: 一是/二是 … parts if present, else its sentences."""
    text = strip_markers(answer)
    parts = re.split(r"[一二三四五六七八九十]+(?:是|要)", text)
    if len(parts) > 2:
        return [p.strip("，。；： \n") for p in parts[1:] if p.strip()]
    m = re.search(r"：|，?(?:包括|即)", text)
    head, colon, rest = (text[:m.start()], m.group(), text[m.end():]) if m else (text, "", "")
    if colon:                                   # "一共四个：甲、乙、丙" / "共九个方面，包括甲、乙" → 甲, 乙, 丙
        rest = re.sub(r"^(?:包括|有|即)", "", rest.strip())
        items = [x.strip("，。；、 \n") for x in re.split(r"[、；;]", rest)]
        items = [re.sub(r"^(?:和|及|以及)", "", x) for x in items if x]
        if items and re.search(r".{2,}(?:和|及|以及).{2,}", items[-1]):     # "…、作风建设和报告工作制度"
            *first, last = re.split(r"和|以及|及", items[-1])
            items = items[:-1] + [x for x in first + [last] if x]
        if len(items) > 1:
            return items
    return [text[s.start:s.end] for s in split_sentences(text)]


def condense_without_llm(question: str, history: list[dict], key_terms: Callable[[str], list[str]]) -> str:
    if not history or not needs_history(question):
        return question
    users = [t["content"] for t in history if t.get("role") == "user" and t.get("content")]
    answers = [t["content"] for t in history if t.get("role") == "assistant" and t.get("content")]
    extra: list[str] = []
    n = ordinal(question)
    if n and answers:
        items = _items(answers[-1])
        if n == -1 and items:
            extra.append(items[-1][:80])
        elif 1 <= n <= len(items):
            extra.append(items[n - 1][:80])
    if users:
        extra += [t for t in key_terms(users[-1])
                  if t not in question and len(t) >= 2 and t not in QUESTION_WORDS][:6]
    return (question + " " + " ".join(extra)).strip() if extra else question


def condense_with_llm(question: str, history: list[dict], generator) -> str:
    if not history:
        return question
    from prompts import load
    lines = [f"{'用户' if t.get('role') == 'user' else '助手'}：{strip_markers(str(t.get('content', '')))[:300]}"
             for t in history[-6:]]
    prompt = load("condense.txt").replace("{history}", "\n".join(lines)).replace("{question}", question)
    from langchain_core.messages import HumanMessage
    text = "".join(generator.stream_text([HumanMessage(prompt)])).strip()
    text = text.splitlines()[0].strip() if text else ""
    return text if 2 <= len(text) <= 300 else question
