"""One document as the API and the page's document view show it, and the offsets of a citation in the user's file.

Offsets: a citation's ``start``/``end`` index the document's ``text`` as ``GET /api/documents/{doc_id}`` returns it
(the cleaned text every chunk refers to: blank lines, boilerplate lines and extra whitespace removed). For a
``.txt``/``.md`` document, ``file_start``/``file_end`` index the decoded file itself (its characters after decoding,
BOM excluded), mapped through the cleaning's offset map; for other formats they are ``null`` (the text was extracted
from Word, PDF or HTML markup and has no character offsets in the file)."""
from __future__ import annotations

import json
from bisect import bisect_right
from pathlib import PurePosixPath, PureWindowsPath

from jianghua.errors import DocumentNotFoundError

TEXT_SUFFIXES = (".txt", ".md", ".markdown")


def source_label(source: str | None) -> str:
    """What the user may see of a document's source: an upload's own file name, or a file's base name — never a
    server or temporary path."""
    s = (source or "").strip()
    if s.startswith("upload:"):
        s = s[len("upload:"):]
    return PureWindowsPath(PurePosixPath(s).name).name or "（未知来源）"


def _to_original(offsets: list, pos: int) -> int:
    if not offsets:
        return pos
    c, o = offsets[bisect_right([a for a, _ in offsets], pos) - 1]
    return o + pos - c


def file_span(meta: dict, start: int, end: int) -> tuple[int, int] | tuple[None, None]:
    """(file_start, file_end) of the cleaned span ``start:end`` in the decoded file, for text files; else Nones."""
    if (meta.get("suffix") or "") not in TEXT_SUFFIXES or end <= start:
        return None, None
    offsets = [tuple(p) for p in meta.get("offsets") or []]
    return _to_original(offsets, start), _to_original(offsets, end - 1) + 1


def document_view(app, doc_id: str) -> dict:
    """The document's text and metadata, its passages' section paths and the versions that hold it.
    ``DocumentNotFoundError`` if the knowledge base never held it."""
    doc = app.document(doc_id)
    where = app.document_passages(doc_id)
    rows, versions, serving = where["spans"], where["versions"], where["serving"]
    meta = doc.meta or {}
    text_file = (meta.get("suffix") or "") in TEXT_SUFFIXES
    return {"doc_id": doc.id, "title": doc.title, "source": source_label(doc.source), "date": doc.date,
            "speaker": doc.speaker, "occasion": doc.occasion, "type": meta.get("type"), "chars": len(doc.text),
            "text": doc.text, "format": (meta.get("suffix") or "").lstrip(".") or None,
            "passages": [{"start": s, "end": e, "section": json.loads(sec)} for s, e, sec in rows],
            "versions": versions, "serving": serving in versions,
            "offsets": [list(p) for p in meta.get("offsets") or []] if text_file else None}


def with_file_offsets(app, result: dict) -> dict:
    """``result`` (an answer or a draft) with each citation's ``source`` a label and ``file_start``/``file_end``
    added (see the module docstring)."""
    metas: dict[str, dict] = {}
    for cit in result.get("citations") or []:
        doc = cit.get("doc_id")
        if doc not in metas:
            try:
                metas[doc] = app.document(doc).meta or {}
            except DocumentNotFoundError:      # pruned meanwhile: no file offsets, the answer stands
                metas[doc] = {}
        cit["file_start"], cit["file_end"] = file_span(metas[doc], int(cit.get("start", 0)), int(cit.get("end", 0)))
    return public_sources(result)


def public_sources(obj):
    """``obj`` with every ``source`` value (in citations, hits, the trace …) replaced by its label, in place."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "source" and isinstance(v, str):
                obj[k] = source_label(v)
            else:
                public_sources(v)
    elif isinstance(obj, list):
        for v in obj:
            public_sources(v)
    return obj
