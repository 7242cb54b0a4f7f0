"""Request and response bodies of the HTTP API. Requests forbid unknown keys; responses allow extra keys so that
the assistant can add fields without breaking the API (the models document the shape in /docs)."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

MAX_HISTORY = 50
MAX_TURN_CHARS = 20000
MAX_VERSION = 2**31 - 1

# lone surrogates (cannot be encoded), C0 controls but tab and line breaks, DEL, and noncharacters: no text has them
# and Word files cannot hold them
_BAD_CHARS = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff]")


def _clean(value: str) -> str:
    m = _BAD_CHARS.search(value)
    if m:
        raise ValueError(f"含有不能处理的字符 U+{ord(m.group()):04X}（位置 {m.start()}）：请删除控制字符或损坏的字符后重试")
    return value


Text = Annotated[StrictStr, AfterValidator(_clean)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class Message(_Request):
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=MAX_TURN_CHARS)


class SearchRequest(_Request):
    query: Text = Field(description="问题或关键词", examples=["各级党组织书记在主体责任中要做到什么？"])
    k: StrictInt = Field(5, ge=1, le=100, description="返回的段落数")
    doc_id: str | None = Field(None, max_length=64, description="只检索这一文件")
    year: StrictInt | None = Field(None, ge=1000, le=9999, description="只检索这一年的文件")
    type: str | None = Field(None, max_length=40, description="只检索这一类文件（政府工作报告、党代会报告、讲话、通报、表态发言…）")
    speaker: str | None = Field(None, max_length=40, description="只检索这位讲话人的文件")


class AskRequest(_Request):
    question: Text = Field(examples=["各级党组织书记在主体责任中要做到什么？"])
    history: list[Message] = Field(default_factory=list, max_length=MAX_HISTORY,
                                   description="earlier turns, oldest first")
    stream: StrictBool = Field(False, description="true: server-sent events (delta … result, done)")


class DraftRequest(_Request):
    topic: Text = Field(examples=["落实全面从严治党主体责任"])
    occasion: Text | None = Field(None, max_length=200, examples=["机关党建工作推进会"])
    length: StrictInt = Field(600, description="target length in characters (100–5000)")


class Hit(_Response):
    chunk_id: str
    doc_id: str
    title: str
    source: str
    section: list[str]
    start: int
    end: int
    text: str
    score: float
    keyword_rank: int | None = None
    dense_rank: int | None = None
    matched: list[str] = []


class SearchResponse(_Response):
    hits: list[Hit]
    trace: dict = {}


class Citation(_Response):
    n: int
    chunk_id: str
    doc_id: str
    title: str
    section: list[str] = []
    start: int
    end: int
    quote: str
    file_start: int | None = Field(None, description="for a .txt/.md document: where the quote starts in the decoded "
                                                     "file (start/end index the document text of "
                                                     "GET /api/documents/{doc_id}); null for other formats")
    file_end: int | None = Field(None, description="for a .txt/.md document: where the quote ends in the decoded file")
    origin: str = Field("model", description="model: the generator wrote this marker; attributed: added after the "
                                              "fact to a sentence without one, for the passage that supports it best")


class Sentence(_Response):
    text: str
    citations: list[int] = []
    support: float = 0.0
    supported: bool = True
    relevant: bool = Field(True, description="the sentence with its cited passages holds enough of the question")
    flags: list[str] = []


class AskResponse(_Response):
    answer: str
    citations: list[Citation] = []
    grounded: bool
    sentences: list[Sentence] = []
    trace: dict = {}


class DraftResponse(_Response):
    draft: str
    citations: list[Citation] = []
    grounded: bool
    sentences: list[Sentence] = []
    trace: dict = {}


class DocumentInfo(_Response):
    doc_id: str
    title: str
    source: str
    date: str | None = None
    speaker: str | None = None
    occasion: str | None = None
    added: str | None = None
    chars: int | None = None
    chunks: int


class Passage(_Response):
    start: int
    end: int
    section: list[str] = []


class DocumentText(_Response):
    doc_id: str
    title: str
    source: str = Field(description="the upload's file name or the file's base name (never a server path)")
    date: str | None = None
    speaker: str | None = None
    occasion: str | None = None
    type: str | None = None
    format: str | None = Field(None, description="the file's suffix: txt, md, docx, pdf, html")
    chars: int
    text: str = Field(description="the cleaned document text: citations' and passages' start/end index it")
    passages: list[Passage] = Field([], description="the document's passages with their section paths")
    versions: list[int] = Field([], description="the knowledge-base versions that hold the document")
    serving: bool = Field(description="the serving version holds the document")
    offsets: list[list[int]] | None = Field(None, description="for .txt/.md: sorted [text_pos, file_pos] "
                                                                 "breakpoints, linear in between; null otherwise")


class DocumentList(_Response):
    documents: list[DocumentInfo]


class FileResult(_Response):
    filename: str = Field(description="the name the client sent (never used as a path)")
    status: Literal["added", "unchanged", "replaced", "failed"]
    error: str | None = None


class UploadResponse(_Response):
    files: list[FileResult]
    version: int | None = Field(None, description="the version written (None: nothing changed)")
    serving: int | None = None
    candidate: bool = Field(False, description="the new version waits for promotion")
    embedded: int = 0


class RemoveResponse(_Response):
    removed: str
    version: int
    serving: int | None = None


class IndexInfo(_Response):
    serving: int | None = None
    head: int | None = None
    documents: int = 0
    chunks: int = 0
    embedder: str | None = None
    candidate: int | None = Field(None, description="a newer version waiting for promotion, if any")
    versions: list[dict] = []


VersionRef = Annotated[StrictInt, Field(ge=1, le=MAX_VERSION)] | Literal["head", "serving"]


class EvalRequest(_Request):
    version: VersionRef | None = Field(None, description="version to evaluate (default: the serving one)")
    against: VersionRef | None = Field(None, description="also evaluate this version and compare (deltas: "
                                                         "version − against)")
    set: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["seed"],
                            description="an evaluation set under evals/sets/ (default: the configured set)")


class EvalResponse(_Response):
    result: dict = Field(description="the evaluated version's metrics, per-query rows and latency")
    comparison: dict | None = Field(None, description="with against: both results (without rows) and deltas")
    markdown: str = Field(description="the result, or the comparison, as a Markdown table")


class ReviewRequest(_Request):
    version: VersionRef | None = Field(None, description="the candidate (default: the newest version)")
    against: VersionRef | None = Field(None, description="the baseline (default: the serving version)")


class AcceptRequest(ReviewRequest):
    query_ids: list[Annotated[str, Field(pattern=r"^[0-9A-Za-z_.:-]{1,64}$")]] = Field(
        min_length=1, max_length=100, description="the changed questions whose new answer becomes their gold")
    reviewer: Text = Field(min_length=1, max_length=100, description="who accepts (recorded with the time)")


class ReviewResponse(_Response):
    documents: dict = Field(description="the candidate's documents against the baseline: added, replaced, removed")
    questions: list[dict] = Field(description="per question answered differently: outcome before/after, both "
                                              "answers and citations, the added documents the new answer cites")
    comparison: dict = Field(description="both results (without rows) and the metric deltas")
    candidate: int
    serving: int
    set: str


class AcceptResponse(_Response):
    accepted: list[dict] = Field(description="the records written: who, when, the gold before and after")
    review: ReviewResponse = Field(description="the evaluation run again with the accepted golds")


class PromoteRequest(_Request):
    version: VersionRef | None = Field(None, description="version to serve (default: the newest)")
    force: StrictBool = Field(False, description="promote even if the gate finds a headline metric dropped")


class PromoteResponse(_Response):
    candidate: int
    serving_before: int | None = None
    serving: int
    forced: bool = Field(description="true: the gate refused and force overrode it")
    gate: dict | None = Field(None, description="the gate's report (none when nothing was serving)")


class RollbackResponse(_Response):
    serving: int
    serving_before: int | None = None


class VersionInfo(_Response):
    version: int
    parent: int | None = None
    created: str
    note: str | None = None
    documents: int
    chunks: int
    serving: bool
    eval: dict | None = Field(None, description="the promotion record: time, forced, gate report")


class VersionList(_Response):
    versions: list[VersionInfo]


class ErrorDetail(BaseModel):
    type: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 404, 405, 409, 413, 415, 422, 500, 502, 503)}
