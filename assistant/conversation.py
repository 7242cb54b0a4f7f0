"""Where a follow-up points in the conversation: the passages the previous answer quoted, the documents its question
retrieved, the item an ordinal named, and what comes next after the sentence that answered (接下来那段讲的是什么？).
Read by ``chain`` when it retrieves and weighs a follow-up."""
from __future__ import annotations

import re

from jianghua.assistant.condense import CONTINUES, answer_sentences, listed_items, ordinal, own_words
from jianghua.assistant.question import normalise
from jianghua.records import Hit


# the words of a request that asks only for the place ("下一段讲的是什么？", "报告接着又说了啥？")
_NAVIGATION_WORDS = re.compile(r"下面|后面|往下|内容|什么|哪些|部分|报告|通报|讲话|文件|文章|发言|材料|[讲说谈提写了的是啥呢又还那这该份篇他她里一段句条项点个]")


# "讲完作风，接下来…": the part already read, named only to say where to go on from
_DONE_WITH = re.compile(r"^(?:那|那么)?(?:讲|说|谈|提)完(?:了)?[^，,。？?]{0,12}[，,]")


def only_navigation(question: str) -> bool:
    """The question asks what comes next and nothing else: no word of its own besides the place it points to."""
    rest = _NAVIGATION_WORDS.sub("", CONTINUES.sub("", _DONE_WITH.sub("", question)))
    return bool(CONTINUES.search(question)) and not re.sub(r"[^\u4e00-\u9fff]", "", rest)


def item_asked_about(turn) -> str | None:
    """The item of the previous answer a follow-up named by its ordinal, which its standalone question opens with
    ("第二个打算靠什么来建？" → "冰雪运动名城，打算靠什么来建？"), or None."""
    if ordinal(turn.normalised) is None or "，" not in turn.standalone:
        return None
    item, rest = turn.standalone.split("，", 1)
    return item if own_words(turn.normalised).rstrip("？?") in rest else None


def answered_from(quoted: list[Hit], history: list[dict]) -> tuple[Hit, list[str]]:
    """The passage the previous answer answered from, and its sentences there to go on after: for a list, the
    latest passage it quoted of the first one's document (a list runs on); else that of its first sentence, which
    answered — not its supporting sentences from elsewhere in the document."""
    answers = [str(t.get("content", "")) for t in history if t.get("role") == "assistant"]
    said = answer_sentences(answers[-1]) if answers else []
    if (answers and listed_items(answers[-1]) is not None) or not said:
        return max(quoted, key=lambda h: (h.chunk.doc_id == quoted[0].chunk.doc_id, h.chunk.start)), said
    first = next((h for h in quoted if said[0].rstrip("。") in h.chunk.text), quoted[0])
    return first, said[:1]


# a follow-up asking for the next paragraph (下一段, 接下来那段), not the next sentence
PARAGRAPH = re.compile(r"[那这下后]一?段")


def rest_of(hit: Hit, said: list[str], paragraph: bool = False) -> int | None:
    """Where ``hit``'s passage goes on after the last of the sentences ``said`` it holds (a document offset; with
    ``paragraph``, where its next paragraph starts), or None when nothing of it follows."""
    text, end = hit.chunk.text, -1
    for sent in said:
        i = text.find(sent.rstrip("。"))
        if i >= 0 and len(sent) >= 8:
            end = max(end, i + len(sent.rstrip("。")))
    if end < 0:
        return None
    if paragraph:
        nl = text.find("\n", end)
        end = nl if nl >= 0 else len(text)
    rest = text[end:].lstrip("。！？；!?; \n")
    return hit.chunk.start + len(text) - len(rest) if rest.strip() else None


def quoted_passages(searcher, history: list[dict], version) -> list[Hit]:
    """The passages the last assistant turn quoted, found by its first sentences (verbatim source text)."""
    answers = [str(t.get("content", "")) for t in history if t.get("role") == "assistant"]
    out: list[Hit] = []
    for sent in (answer_sentences(answers[-1]) if answers else [])[:3]:
        if len(sent) < 8 or "资料中未找到" in sent:
            continue
        for h in searcher.search(sent[:120], 3, version=version, mode="keyword").hits:
            if sent.rstrip("。") in h.chunk.text:
                if all(h.chunk.id != o.chunk.id for o in out):
                    out.append(h)
                break
    return out


def asked_documents(searcher, history: list[dict], version) -> list[str]:
    """The two documents the last user question retrieves first (when the previous answer quoted none)."""
    last = last_user(history)
    docs: list[str] = []
    if not last:
        return docs
    for h in searcher.search(last, 6, version=version).hits:
        if h.chunk.doc_id not in docs:
            docs.append(h.chunk.doc_id)
    return docs[:2]


def last_user(history: list[dict]) -> str:
    users = [str(t.get("content", "")) for t in history if t.get("role") == "user"]
    return normalise(users[-1]) if users else ""


def previous_sentences(history: list[dict]) -> list[str]:
    """The sentences of the last assistant turn, markers and flags removed."""
    answers = [str(t.get("content", "")) for t in history if t.get("role") == "assistant"]
    return answer_sentences(answers[-1]) if answers else []
