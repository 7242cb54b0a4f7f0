"""The one path from an upload to the knowledge base, for the API and the page alike.

``receive_files`` takes a multipart request (POST /api/documents) straight to disk, enforcing the limits while the
bytes arrive; ``stage_files`` takes files the page's upload route has already stored (Gradio's cache) by the same
rules. Either way each file lands in a fresh directory (``upload_dir``, removed when done) under a generated name: a
sequence number, the original stem reduced to letters, digits, CJK, ``-`` and ``_`` (so the title read from a file
name still makes sense), and the original suffix only if it is on the whitelist. The name the user gave is reported
back and recorded as the document's source (``upload:<name>``, so the same file uploaded again either way is
unchanged, or replaced when its content changed), never used as a path. A file over the size limit is refused
(413), a type not on the whitelist before its bytes are read (415), both with the same Chinese message either way.
``ingest_uploads`` ingests them and words the per-file result.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from typing import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from jianghua.app import SUPPORTED_SUFFIXES
from jianghua.ui.errors import ApiError

TMP_PREFIX = "jianghua-upload-"
MAX_FILES = 50
MAX_FIELD_BYTES = 64 * 1024
_UNSAFE = re.compile(r"[^\w\-\u4e00-\u9fff]+")


@dataclass
class Received:
    filename: str       # as the user named it: for messages and the source label, never a path
    path: Path          # generated, inside the upload directory
    size: int = 0

    @property
    def source(self) -> str:
        """The source recorded for the document: ``upload:<the user's file name>``."""
        return "upload:" + upload_label(self.filename)


def safe_name(index: int, filename: str) -> str:
    """``03-讲话稿.docx`` from ``../../讲话稿.docx``: no separators, no dots but the whitelisted suffix."""
    base = PureWindowsPath(PurePosixPath(filename).name).name      # drop any directory part, / or \
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(415, "unsupported_media_type",
                       f"{upload_label(filename)}：不支持这种文件类型（{suffix or '无扩展名'}）：支持的类型为 "
                       f"{'、'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}")
    stem = _UNSAFE.sub("_", unicodedata.normalize("NFKC", base[: len(base) - len(suffix)])).strip("_")[:60]
    return f"{index:02d}-{stem or 'upload'}{suffix}"


def upload_label(filename: str) -> str:
    """The client's file name without any directory part (for display and as the document's source label)."""
    return PureWindowsPath(PurePosixPath(filename).name).name.strip() or "upload"


def _filename(options: dict, raw: bytes) -> str | None:
    """The file name of a part: RFC 5987 ``filename*`` wins over ``filename``."""
    m = re.search(rb"filename\*\s*=\s*([\w-]+)'[^']*'([^;\s]+)", raw or b"", re.I)
    if m:
        try:
            return unquote(m.group(2).decode("ascii"), encoding=m.group(1).decode("ascii"), errors="replace")
        except (LookupError, UnicodeDecodeError):
            pass
    name = options.get(b"filename")
    return None if name is None else name.decode("utf-8", errors="replace")


async def receive_files(request: Request, dest: Path, max_bytes: int) -> list[Received]:
    """Parse the request body into files under ``dest``; every limit breach is an ``ApiError``."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise ApiError(415, "unsupported_media_type",
                       "请以 multipart/form-data 格式上传文件（每个文件一个部分，例如字段名 files）")
    files: list[Received] = []
    state = {"headers": {}, "name": b"", "value": b"", "file": None, "current": None, "field": 0}

    def on_part_begin():
        state.update(headers={}, file=None, current=None, field=0)

    def on_header_field(data, start, end):
        state["name"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"][state["name"].lower()] = state["value"]
        state["name"], state["value"] = b"", b""

    def on_headers_finished():
        raw = state["headers"].get(b"content-disposition", b"")
        _, options = parse_options_header(raw)
        name = _filename(options, raw)
        if name is None:
            return                                   # an ordinary form field: read and ignored
        rec = _place(len(files), name, dest)
        state["current"], state["file"] = rec, open(rec.path, "xb")
        files.append(rec)

    def on_part_data(data, start, end):
        rec, f = state["current"], state["file"]
        n = end - start
        if f is None:
            state["field"] += n
            if state["field"] > MAX_FIELD_BYTES:
                raise ApiError(413, "payload_too_large", "表单字段过长")
            return
        rec.size += n
        if rec.size > max_bytes:
            raise _too_large(rec.filename, max_bytes)
        f.write(data[start:end])

    def on_part_end():
        if state["file"] is not None:
            state["file"].close()
            state["file"] = None

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end})
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError as e:
        raise ApiError(400, "bad_request", "上传的请求体格式不对（multipart 无法解析）：请重新上传") from e
    finally:
        if state["file"] is not None:
            state["file"].close()
    if not files:
        raise ApiError(400, "bad_request", "请求中没有文件：请选择一个或多个文件后上传")
    return files


def _place(count: int, name: str, dest: Path) -> Received:
    """The next file of an upload (``count`` came before it): the limits on count, name and type checked."""
    if count >= MAX_FILES:
        raise ApiError(413, "payload_too_large", f"一次最多上传 {MAX_FILES} 个文件：请分批上传")
    if not name.strip():
        raise ApiError(400, "bad_request", "有一个文件没有文件名：请给每个文件一个名字后重试")
    rec = Received(name, dest / safe_name(count + 1, name))
    if rec.path.parent != dest:                  # cannot happen with safe_name; checked all the same
        raise ApiError(400, "bad_request", f"{upload_label(name)}：文件名无法使用，请改名后重试")
    return rec


def _too_large(filename: str, max_bytes: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"{upload_label(filename)} 超过单个文件 "
                    f"{max_bytes / 2**20:g} MB 的上传上限：请拆分后再上传")


def stage_files(stored: list[tuple[str, Path]], dest: Path, max_bytes: int) -> list[Received]:
    """Files already on this server — ``(the user's file name, where it is)``, as the page's upload route stored
    them — moved under ``dest`` by the rules ``receive_files`` applies: the same limits, names and messages. Every
    file is checked before any is moved, so a refused upload moves none."""
    if not stored:
        raise ApiError(400, "bad_request", "请求中没有文件：请选择一个或多个文件后上传")
    staged = []
    for name, src in stored:
        rec = _place(len(staged), name, dest)
        try:
            rec.size = Path(src).stat().st_size
        except OSError as e:
            raise ApiError(400, "bad_request",
                           f"{upload_label(name)}：上传的文件已不在服务器上：请重新选择文件后上传") from e
        if rec.size > max_bytes:
            raise _too_large(name, max_bytes)
        staged.append((rec, src))
    for rec, src in staged:
        shutil.move(src, rec.path)
    return [rec for rec, _ in staged]


def ingest_uploads(app, received: list[Received], progress: bool = False) -> dict:
    """Ingest received files as one new version; per file the user's name, its status (added, unchanged,
    replaced, failed) and why it failed, in Chinese — the body POST /api/documents returns, and what the page
    shows."""
    from jianghua.errors import DocumentLoadError
    from jianghua.ui.messages import zh

    sources = {str(r.path): r.source for r in received}
    report = app.ingest_paths([r.path for r in received], progress, sources)
    status = {s: k for k in ("added", "unchanged", "replaced") for s in report.get(k, [])}
    errors = {f["source"]: f["error"] for f in report.get("failed", [])}
    files = []
    for r in received:
        err = errors.get(r.source)
        if err:   # the core names the generated file; show the user's name instead, in Chinese
            label = upload_label(r.filename)
            err = zh(err.replace(str(r.path), label).replace(r.path.name, label), DocumentLoadError)
        state = "failed" if r.source in errors else status.get(r.source, "unchanged")
        files.append({"filename": r.filename, "status": state, "error": err})
    version, serving = report.get("version"), report.get("serving")
    return {"files": files, "version": version, "serving": serving,
            "candidate": version is not None and version != serving, "embedded": report.get("embedded", 0)}


@contextlib.contextmanager
def upload_dir() -> Iterator[Path]:
    """A fresh temporary directory for one upload, named for this process (so a later start can tell it is stale
    if this one is killed), removed with everything in it when the block ends."""
    d = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def discard_stored(paths: list[Path], stored_by_route: set[str], root: Path) -> None:
    """Remove what the page's upload route stored for an upload that is done (ingested or refused): each file it
    stored (only those: ``stored_by_route`` is Gradio's record of them, and is updated) and its directory once
    empty, never anything outside ``root`` (Gradio's cache)."""
    root = Path(root).resolve()
    for p in paths:
        p = Path(os.path.abspath(p))
        if str(p) not in stored_by_route or not p.resolve().is_relative_to(root):
            continue
        stored_by_route.discard(str(p))
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
        with contextlib.suppress(OSError):        # not empty: another upload's file of the same content
            if p.parent.resolve() != root:
                p.parent.rmdir()


def remove_stale_upload_dirs(root: Path | None = None, older_than_s: float = 3600.0,
                             prefix: str = TMP_PREFIX) -> list[Path]:
    """Remove directories named ``<prefix><pid>-…`` that a killed server left behind: those of processes no longer
    running (and unnamed ones older than ``older_than_s``). Returns what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for d in root.glob(prefix + "*"):
        if not d.is_dir() or d.is_symlink():
            continue
        pid = d.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit():
            stale = int(pid) != os.getpid() and not _alive(int(pid))
        else:
            try:
                stale = time.time() - d.stat().st_mtime > older_than_s
            except OSError:
                continue
        if stale:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # someone else's process: running
        return True
    return True
