"""Receive a multipart upload straight to disk, enforcing the limits while the bytes arrive.

Each file is written under a fresh directory with a generated name: a sequence number, the original stem reduced
to letters, digits, CJK, ``-`` and ``_`` (so the title read from a file name still makes sense), and the
original suffix only if it is on the whitelist. The name the client sent is reported back, never used as a path.
A file over the size limit stops the upload at once (413); a type not on the whitelist is refused before its
bytes are read (415).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from jianghua.ingest.loaders import SUPPORTED_SUFFIXES
from jianghua.ui.errors import ApiError

TMP_PREFIX = "jianghua-upload-"
MAX_FILES = 50
MAX_FIELD_BYTES = 64 * 1024
_UNSAFE = re.compile(r"[^\w\-\u4e00-\u9fff]+")


@dataclass
class Received:
    filename: str       # as sent by the client: for messages only
    path: Path          # generated, inside the upload directory
    size: int = 0


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
        if len(files) >= MAX_FILES:
            raise ApiError(413, "payload_too_large", f"一次最多上传 {MAX_FILES} 个文件：请分批上传")
        if not name.strip():
            raise ApiError(400, "bad_request", "有一个文件没有文件名：请给每个文件一个名字后重试")
        rec = Received(name, dest / safe_name(len(files) + 1, name))
        if rec.path.parent != dest:                  # cannot happen with safe_name; checked all the same
            raise ApiError(400, "bad_request", f"{upload_label(name)}：文件名无法使用，请改名后重试")
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
            raise ApiError(413, "payload_too_large", f"{upload_label(rec.filename)} 超过单个文件 "
                           f"{max_bytes / 2**20:g} MB 的上传上限：请拆分后再上传")
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


def upload_dir() -> Path:
    """A fresh temporary directory for one upload, named for this process (so a later start can tell it is stale)."""
    return Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-"))


def remove_stale_upload_dirs(root: Path | None = None, older_than_s: float = 3600.0) -> list[Path]:
    """Remove upload directories a killed server left behind: those of processes no longer running (and unnamed
    ones older than ``older_than_s``). Returns what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for d in root.glob(TMP_PREFIX + "*"):
        if not d.is_dir() or d.is_symlink():
            continue
        pid = d.name[len(TMP_PREFIX):].split("-", 1)[0]
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
