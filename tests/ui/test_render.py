"""The page's HTML: markers, unsupported sentences, sources, escaping."""
from __future__ import annotations

from jianghua.ui import render

RESULT = {
    "answer": "要压实主体责任[1]。书记要当好第一责任人[2]〔未经资料证实〕。",
    "grounded": False,
    "citations": [
        {"n": 1, "chunk_id": "c1", "doc_id": "d1", "title": "关于<落实>主体责任的通报", "section": ["一、总体情况", "（一）"],
         "start": 10, "end": 20, "quote": "压实<script>alert(1)</script>主体责任"},
        {"n": 2, "chunk_id": "c2", "doc_id": "d1", "title": "通报", "section": [], "start": 30, "end": 40,
         "quote": "第一责任人"},
    ],
    "sentences": [
        {"text": "要压实主体责任。", "citations": [1], "support": 1.0, "supported": True, "flags": []},
        {"text": "书记要当好第一责任人。", "citations": [2], "support": 0.3, "supported": False,
         "flags": ["low_support"]},
    ],
}


def test_answer_marks_unsupported_sentences():
    out = render.answer_html(RESULT)
    assert out.count('class="jh-unsupported"') == 1
    unsupported = out.split('class="jh-unsupported"')[1]
    assert unsupported.index("⚠") < unsupported.index("书记要当好第一责任人") < unsupported.index("</span>")
    assert '<a class="jh-cite" href="#jh-doc=d1:10:20:1"' in out and "1 句未经资料证实" in out
    assert "\n\n" not in out                                    # one HTML block for Markdown


def test_grounded_answer_badge():
    ok = {**RESULT, "grounded": True, "sentences": [dict(s, supported=True) for s in RESULT["sentences"]]}
    out = render.answer_html(ok)
    assert "jh-unsupported" not in out and "每句均有资料出处" in out


def test_template_sentences_are_not_flagged():
    res = {"draft": "同志们：\n要压实主体责任[1]。", "grounded": True, "citations": RESULT["citations"][:1],
           "sentences": [{"text": "同志们：", "citations": [], "supported": True, "flags": ["template"]},
                         {"text": "要压实主体责任。", "citations": [1], "supported": True, "flags": []}]}
    out = render.answer_html(res, "draft")
    assert "jh-unsupported" not in out and "同志们：<br>要压实" in out


def test_sources_are_escaped_and_marked():
    out = render.sources_html(RESULT)
    assert "<script>" not in out and "&lt;script&gt;" in out and "关于&lt;落实&gt;主体责任的通报" in out
    assert "<mark>压实&lt;script&gt;" in out and "一、总体情况 › （一）" in out and "第 10–20 字" in out
    assert out.count('class="jh-source jh-n-') == 2 and 'class="jh-source jh-n-2"' in out


def test_answer_text_is_escaped():
    out = render.answer_html({"answer": "<img src=x onerror=alert(1)>[1]", "grounded": True, "sentences": []})
    assert "<img" not in out and "&lt;img" in out


def test_no_citations_shows_closest():
    out = render.sources_html({"citations": [], "closest": [{"title": "通报", "text": "最接近<b>的</b>段落"}]})
    assert "没有引用资料" in out and "最接近&lt;b&gt;" in out


def test_index_status():
    assert "知识库为空" in render.index_status({"serving": None})
    text = render.index_status({"serving": 1, "head": 2, "documents": 5, "chunks": 111, "embedded": 0,
                                "embedder": "multilingual-e5-small"})
    assert "当前服务版本：v1" in text and "候选版本 v2" in text


def test_upload_summary_escapes_names():
    text = render.upload_summary({"files": [{"filename": "<a>.txt", "status": "added", "error": None},
                                            {"filename": "../b.txt", "status": "failed", "error": "<bad>中文说明"}],
                                  "version": 2, "serving": 1})
    assert "&lt;a&gt;.txt：已新增" in text and "b.txt：失败（&lt;bad&gt;中文说明）" in text and "候选版本 v2" in text
    assert "../" not in text


def test_each_marker_links_to_its_own_passage_and_unknown_markers_stay_text():
    res = {**RESULT, "answer": "甲[1]。乙[2]。丙[7]。"}
    out = render.answer_html(res, sources=True)
    for c in RESULT["citations"]:
        assert f'href="#jh-doc={c["doc_id"]}:{c["start"]}:{c["end"]}:{c["n"]}"' in out
    assert '<span class="jh-cite">[7]</span>' in out                # no citation 7: not a link
    sources = out.split('<details class="jh-msg-sources">')[1]     # the answer carries its own sources
    assert "引用来源（2）" in sources and "&lt;script&gt;" in sources and "<script>" not in out


def test_source_label_never_shows_a_path():
    from jianghua.ui.documents import source_label
    assert source_label("upload:讲话稿.docx") == "讲话稿.docx"
    assert source_label("/tmp/gradio/3f2a/讲话稿.docx") == "讲话稿.docx"
    assert source_label("C:\\Users\\x\\通报.pdf") == "通报.pdf"
