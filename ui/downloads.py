"""Files the page offers for download (a draft as Word), kept where Gradio serves them from, for as long as needed.

A ``gr.DownloadButton``'s file must still exist when the user clicks it, so it cannot go when the handler returns;
and Gradio copies a returned file into its cache unless it already lies there (the copy is never removed). So each
file is written inside Gradio's cache, under ``jianghua-download-<pid>/<session>/<n>/``, and each session keeps only
its latest one: a session's next export replaces it, a closed tab's directory goes (the page's unload event), the
whole directory when the server stops, and one a killed server left behind on the next start
(``uploads.remove_stale_upload_dirs`` with ``DOWNLOAD_PREFIX``)."""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

DOWNLOAD_PREFIX = "jianghua-download-"


class Downloads:
    def __init__(self, cache_dir: str | os.PathLike):
        self.cache_dir = Path(cache_dir)
        self.root = self.cache_dir / f"{DOWNLOAD_PREFIX}{os.getpid()}"

    def _session_dir(self, session: str | None) -> Path:
        # the session id comes from the browser: hashed, never used as a name
        return self.root / hashlib.sha256((session or "").encode("utf-8")).hexdigest()[:32]

    def put(self, session: str | None, name: str, data: bytes) -> Path:
        """Write ``data`` as ``name`` for ``session``, removing the session's previous file; its path."""
        home = self._session_dir(session)
        home.mkdir(parents=True, exist_ok=True)
        here = Path(tempfile.mkdtemp(dir=home))
        path = here / name
        path.write_bytes(data)
        for old in home.iterdir():            # after the new file is written: the session always has one
            if old != here:
                shutil.rmtree(old, ignore_errors=True)
        return path

    def forget(self, session: str | None) -> None:
        """The session ended: its file goes."""
        shutil.rmtree(self._session_dir(session), ignore_errors=True)

    def close(self) -> None:
        """The server stops: every session's file goes."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.root)
