"""Visible text of an HTML page in one linear pass (the standard library's streaming HTMLParser, no tree).

One block element a line (a line break before and after it), ``<br>`` a line break, runs of ASCII whitespace one
space outside ``<pre>``, comments and the content of script/style/nav/header/footer/noscript/template/head
dropped, and the ``<title>`` returned on its own. Unclosed ``<p>``/``<li>``/``<td>``… close at their next sibling;
an end tag closes the nearest open element of its name among the innermost ``_LOOKBACK``. Elements nested deeper
than ``MAX_DEPTH`` are read as if flat: depth costs nothing, so 100,000 nested ``<div>`` take linear time.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_DEPTH = 512
_LOOKBACK = 64
DROP = frozenset(("script", "style", "nav", "header", "footer", "noscript", "template", "head", "title"))
BLOCKS = frozenset(("p", "div", "section", "article", "main", "aside", "blockquote", "pre", "li", "ul", "ol", "dl",
                    "dt", "dd", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure",
                    "figcaption", "address", "center"))
VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                  "track", "wbr"))
# an open element of the key's kind closes when one of these starts (the HTML "implied end tag" rules, simplified)
_CLOSED_BY = {"p": BLOCKS - {"p"} | {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "td": {"td", "th", "tr"},
              "th": {"td", "th", "tr"}, "tr": {"tr"}, "option": {"option"}}
_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML collapses ASCII whitespace only; U+3000 indents stay


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title: list[str] = []
        self.stack: list[str] = []
        self.flat = 0               # start tags past MAX_DEPTH, not on the stack
        self.drop = 0               # open dropped elements on the stack
        self.pre = 0
        self.in_title = 0

    def _push(self, tag: str) -> None:
        self.stack.append(tag)
        self.drop += tag in DROP
        self.pre += tag == "pre"
        self.in_title += tag == "title"

    def _pop(self) -> None:
        tag = self.stack.pop()
        self.drop -= tag in DROP
        self.pre -= tag == "pre"
        self.in_title -= tag == "title"
        if tag in BLOCKS and not self.drop:
            self.out.append("\n")

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            if not self.drop:
                self.out.append("\n")
            return
        while self.stack and tag in _CLOSED_BY.get(self.stack[-1], ()):
            self._pop()
        if tag in BLOCKS and not self.drop:
            self.out.append("\n")
        if tag in VOID:
            if tag == "hr" and not self.drop:
                self.out.append("\n")
            return
        if len(self.stack) >= MAX_DEPTH:
            self.flat += 1
            return
        self._push(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self._pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - _LOOKBACK), -1):
            if self.stack[i] == tag:
                while len(self.stack) > i:
                    self._pop()
                return
        if self.flat:
            self.flat -= 1

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif not self.drop:
            self.out.append(data if self.pre else _SPACE.sub(" ", data))

    def close(self):
        super().close()
        while self.stack:
            self._pop()


def html_text(markup: str) -> tuple[str, str | None]:
    """(visible text, title or None) of a page."""
    p = _Text()
    p.feed(markup)
    p.close()
    title = " ".join("".join(p.title).split())
    return "".join(p.out), title or None
