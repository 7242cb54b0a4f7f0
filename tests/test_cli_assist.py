"""`jianghua ask` and `jianghua draft` on a copy of the seed knowledge base: the JSON contract and the .docx file."""
from __future__ import annotations

import json
import os
import re
import zipfile

import pytest

from jianghua.cli import main
from jianghua.samples import SEEDS

QUESTION = "各级党组织书记在主体责任中要做到什么？"
TOPIC = "落实全面从严治党主体责任"
ASK_KEYS = {"answer", "citations", "grounded", "sentences", "trace"}
DRAFT_KEYS = {"draft", "citations", "grounded", "sentences"}
GOLD_DOC = "在全区基层党建工作会暨乡镇党委书记述职评议大会上的讲话.txt"     # where QUESTION is answered


@pytest.fixture
def kb_dir(seed_kb_copy, monkeypatch):
    """The copy's directory, with no JIANGHUA_* setting of the environment leaking into the command."""
    for k in list(os.environ):
        if k.startswith("JIANGHUA_") and not k.startswith(("JIANGHUA_TEST_", "JIANGHUA_LLM_")):
            monkeypatch.delenv(k)
    return seed_kb_copy.dir


def _plain(text: str) -> str:
    return "".join(re.sub(r"\[\d+\]", "", text).split())


def _run(argv, capsys) -> dict:
    assert main(argv) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_cli_assist_ask_json(kb_dir, capsys):
    r = _run(["ask", QUESTION, "--kb", str(kb_dir), "--json"], capsys)
    assert ASK_KEYS <= set(r)
    assert isinstance(r["answer"], str) and r["answer"].strip()
    assert isinstance(r["grounded"], bool)
    assert r["citations"] and all({"n", "chunk_id", "doc_id", "quote", "start", "end"} <= set(c) for c in r["citations"])
    assert [c["n"] for c in r["citations"]] == list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", r["answer"])))
    assert all({"text", "citations", "supported", "flags"} <= set(s) for s in r["sentences"])
    assert r["trace"]["question"] == QUESTION and r["trace"]["generator"] == "extractive"
    # each quote as a seed file words it (read from samples/seeds), and the speech that answers the question (the
    # gold document of seed query q001) among the cited ones
    files = {p.name: _plain(p.read_text("utf-8")) for p in SEEDS.glob("*.txt")}
    for c in r["citations"]:
        assert _plain(c["quote"]) in files[os.path.basename(c["source"])], c
    assert GOLD_DOC in {os.path.basename(c["source"]) for c in r["citations"]}, r["citations"]


def test_cli_assist_ask_with_history(kb_dir, tmp_path, capsys):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "表态发言里作风方面检视了哪几个问题？"},
                                   {"role": "assistant", "content": "一是重显绩轻实效。二是重部署轻落实。"}],
                                  ensure_ascii=False), encoding="utf-8")
    r = _run(["ask", "那第二条具体怎么做？", "--kb", str(kb_dir), "--history", str(history), "--json"], capsys)
    assert "重部署轻落实" in r["trace"]["standalone"]


def test_cli_assist_draft_json_and_docx(kb_dir, tmp_path, capsys):
    from docx import Document
    path = tmp_path / "draft.docx"
    r = _run(["draft", TOPIC, "--kb", str(kb_dir), "--json", "--docx", str(path), "--length", "600"], capsys)
    assert DRAFT_KEYS <= set(r)
    assert re.search(r"^一是", r["draft"], re.M) and r["citations"]
    assert isinstance(r["grounded"], bool)
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert TOPIC in texts[0]
    paras = [re.sub(r"\[\d+\]", "", p) for p in r["draft"].split("\n") if p.strip()]
    assert all(p in texts for p in paras)                      # markers became footnotes (tests/assistant/test_export.py)
    assert b"footnoteReference" in zipfile.ZipFile(path).read("word/document.xml")


def test_cli_assist_missing_kb_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("JIANGHUA_KB", raising=False)
    assert main(["ask", QUESTION, "--kb", str(tmp_path / "nothing"), "--json"]) == 2
    assert "error" in capsys.readouterr().err
