"""The HTTP API under /api: each route is a few lines calling the one ``Jianghua`` object."""
from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path as PathParam, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from jianghua import __version__
from jianghua.app import Jianghua
from jianghua.ui import models as m
from jianghua.ui.documents import document_view, public_sources, source_label, with_file_offsets
from jianghua.ui.security import WRITE, require_read, require_write
from jianghua.ui.sse import frame, started, stream
from jianghua.ui.uploads import ingest_uploads, receive_files, upload_dir

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

router = APIRouter(prefix="/api", dependencies=[Depends(require_read)], responses=m.ERRORS)
health = APIRouter()


def get_app(request: Request) -> Jianghua:
    return request.app.state.jianghua


@health.get("/healthz", tags=["运维"])
def healthz(request: Request) -> dict:
    return {"status": "ok", "jianghua": __version__, "ready": getattr(request.app.state, "jianghua", None) is not None}


@router.post("/search", response_model=m.SearchResponse, tags=["检索"])
def search(body: m.SearchRequest, app: Jianghua = Depends(get_app)):
    return public_sources(app.search(body.query, body.k, doc_id=body.doc_id, year=body.year, type=body.type,
                                     speaker=body.speaker))


@router.post("/ask", response_model=m.AskResponse, tags=["问答"],
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "the answer; with stream=true: events delta…, result, done"}})
def ask(body: m.AskRequest, app: Jianghua = Depends(get_app)):
    history = [t.model_dump() for t in body.history]
    if not body.stream:
        return with_file_offsets(app, app.ask(body.question, history))
    events = started(app.ask_stream(body.question, history))

    def render(ev: dict):
        if ev.get("type") == "delta":
            yield frame({"text": ev.get("text", "")}, "delta")
        elif ev.get("type") == "result":
            yield frame(with_file_offsets(app, {k: v for k, v in ev.items() if k != "type"}), "result")

    return stream(events, render, [frame({}, "done")], lambda status, err: frame({**err, "status": status}, "error"))


@router.post("/draft", response_model=m.DraftResponse, tags=["起草"])
def draft(body: m.DraftRequest, app: Jianghua = Depends(get_app)):
    return with_file_offsets(app, app.draft(body.topic, body.occasion, body.length))


@router.post("/draft.docx", response_class=Response, tags=["起草"],
             responses={200: {"content": {DOCX: {}}, "description": "the draft as a Word file"}})
def draft_docx(body: m.DraftRequest, app: Jianghua = Depends(get_app)):
    data = app.draft_docx(body.topic, body.occasion, body.length)
    return Response(data, media_type=DOCX, headers={"Content-Disposition": content_disposition(body.topic)})


def content_disposition(topic: str, suffix: str = ".docx") -> str:
    """An ASCII fallback name for old clients and the topic itself as RFC 5987 ``filename*``."""
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "", topic).strip()[:80] or "draft"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "draft"
    return f"attachment; filename=\"jianghua-{ascii_name}{suffix}\"; filename*=UTF-8''{quote(name + suffix)}"


@router.get("/documents", response_model=m.DocumentList, tags=["知识库"])
def documents(app: Jianghua = Depends(get_app)):
    return {"documents": [{**d, "source": source_label(d.get("source"))} for d in app.documents()]}


@router.get("/documents/{doc_id}", response_model=m.DocumentText, tags=["知识库"])
def document(doc_id: str = PathParam(pattern=r"^[0-9A-Za-z_-]{1,64}$"), app: Jianghua = Depends(get_app)):
    """The document's whole text and metadata. A citation's ``start``/``end`` index this ``text``; for a .txt/.md
    document its ``file_start``/``file_end`` index the decoded file itself (``offsets`` maps one to the other)."""
    return document_view(app, doc_id)


@router.post("/documents", response_model=m.UploadResponse, tags=["知识库"], dependencies=[Depends(require_write)],
             openapi_extra={**WRITE, "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {"files": {"type": "array", "items": {
                     "type": "string", "format": "binary"}}}}}}}})
async def upload(request: Request, app: Jianghua = Depends(get_app)):
    """One or more files (txt, md, docx, pdf, html) as multipart/form-data; a new knowledge-base version."""
    limit = request.app.state.settings.max_upload_mb * 1024 * 1024
    with upload_dir() as tmp:             # the page takes the same path: ui/uploads.py
        received = await receive_files(request, tmp, limit)
        return await run_in_threadpool(ingest_uploads, app, received)


@router.delete("/documents/{doc_id}", response_model=m.RemoveResponse, tags=["知识库"],
               dependencies=[Depends(require_write)], openapi_extra=WRITE)
def remove(doc_id: str = PathParam(pattern=r"^[0-9A-Za-z_-]{1,64}$"), app: Jianghua = Depends(get_app)):
    return app.remove(doc_id)


@router.get("/index", response_model=m.IndexInfo, tags=["知识库"])
def index_info(app: Jianghua = Depends(get_app)):
    info = app.index_info()
    head, serving = info.get("head"), info.get("serving")
    info["candidate"] = head if head is not None and head != serving else None
    info["versions"] = app.versions() if serving is not None else []
    return info
