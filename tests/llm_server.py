"""A real OpenAI-compatible chat server for tests: llama-cpp-python's server
running Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF assembled from PyPI wheels
by ``.ci/llm.sh``), on a free loopback port.

Use the session-scoped ``llm_server`` fixture (re-exported by tests/conftest.py):

    def test_x(llm_server):
        ChatOpenAI(base_url=llm_server.base_url, model=llm_server.model,
                   api_key=llm_server.api_key)

Environment:
  JIANGHUA_TEST_LLM_MODEL        path to a GGUF (default: the one .ci/llm.sh builds)
  JIANGHUA_LLM_DIR               directory .ci/llm.sh assembles into
  JIANGHUA_TEST_LLM_THREADS      llama.cpp threads (default 2)
  JIANGHUA_TEST_LLM_CHAT_FORMAT  llama-cpp-python chat format (default chatml,
                                 which is Qwen2.5's <|im_start|>/<|im_end|> format)
  JIANGHUA_TEST_LLM_KEEP_LOG     keep the server log (deleted at teardown otherwise;
                                 kept, and its tail shown, when the server fails to start)
  CI                             when set, a missing model/llama_cpp fails instead of skipping
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.needs import missing

MODEL_FILENAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_ALIAS = "qwen2.5-coder-0.5b-instruct"
START_TIMEOUT_S = 120.0
SETUP_HINT = (
    "run `bash .ci/llm.sh` (installs llama-cpp-python[server]==0.3.36 and assembles "
    f"{MODEL_FILENAME}), or point JIANGHUA_TEST_LLM_MODEL at a GGUF chat model"
)

# Loopback only: never route through a proxy configured in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class LLMServer:
    base_url: str  # "http://127.0.0.1:PORT/v1"
    model: str
    model_path: str
    log_path: str
    pid: int
    startup_s: float
    api_key: str = "not-needed"


def default_model_path() -> Path:
    base = os.environ.get("JIANGHUA_LLM_DIR") or str(Path.home() / ".cache" / "jianghua" / "llm")
    return Path(base) / MODEL_FILENAME


def find_model() -> Path | None:
    """The GGUF to serve, or None when it is not there (or not a GGUF)."""
    path = Path(os.environ.get("JIANGHUA_TEST_LLM_MODEL") or default_model_path())
    try:
        with path.open("rb") as f:
            return path if f.read(4) == b"GGUF" else None
    except OSError:
        return None


def llama_server_available() -> bool:
    """llama_cpp.server is installed (checked without importing llama_cpp, which
    would load the native library into the test process)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return False
    pkg = Path(next(iter(spec.submodule_search_locations)))
    return (pkg / "server" / "__main__.py").is_file() and importlib.util.find_spec("uvicorn") is not None


def _unavailable(reason: str) -> None:
    missing(f"real LLM server unavailable: {reason}; {SETUP_HINT}")     # fails in CI, skips elsewhere


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: str, n: int = 40) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-n:])


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)  # the server runs in its own session/group
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def start_server(
    model_path: Path | str,
    *,
    timeout: float = START_TIMEOUT_S,
    n_ctx: int = 4096,
) -> tuple[subprocess.Popen, LLMServer]:
    """Start ``python -m llama_cpp.server`` and wait until GET /v1/models answers.

    Raises RuntimeError (with the server log's tail) if it does not come up.
    """
    threads = os.environ.get("JIANGHUA_TEST_LLM_THREADS", "2")
    chat_format = os.environ.get("JIANGHUA_TEST_LLM_CHAT_FORMAT", "chatml")
    last_err = "not started"
    for _attempt in range(3):  # a free port can be taken between probe and bind
        port = _free_port()
        fd, log_path = tempfile.mkstemp(prefix="jianghua-llm-server-", suffix=".log")
        cmd = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model_path),
            "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_ctx", str(n_ctx),
            "--chat_format", chat_format,
            "--n_threads", threads,
            "--n_threads_batch", threads,
        ]
        # llama-cpp-python's wheel is built with OpenMP; its default busy-wait
        # makes decoding ~10x slower whenever the 2 cores are shared with
        # anything else (0.65 vs 6 tokens/s measured), so wait passively.
        env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "passive")}
        t0 = time.monotonic()
        with os.fdopen(fd, "wb") as log:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, env=env,
            )
        base_url = f"http://127.0.0.1:{port}/v1"
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                last_err = f"server exited with code {proc.returncode}"
                break
            try:
                with _OPENER.open(f"{base_url}/models", timeout=2) as r:
                    models = [m["id"] for m in json.load(r).get("data", [])]
                return proc, LLMServer(
                    base_url=base_url,
                    model=models[0] if models else MODEL_ALIAS,
                    model_path=str(model_path),
                    log_path=log_path,
                    pid=proc.pid,
                    startup_s=time.monotonic() - t0,
                )
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.25)
        else:
            last_err = f"GET {base_url}/models did not answer within {timeout:.0f} s"
        _stop(proc)
        if "address already in use" not in _tail(log_path).lower():
            break
    raise RuntimeError(f"{last_err}\n$ {' '.join(cmd)}\n--- tail of {log_path} ---\n{_tail(log_path)}")


@pytest.fixture(scope="session")
def llm_server():
    """A running llama-cpp-python OpenAI-compatible server (session-wide)."""
    if not llama_server_available():
        _unavailable("llama_cpp.server is not importable")
    model = find_model()
    if model is None:
        where = os.environ.get("JIANGHUA_TEST_LLM_MODEL") or default_model_path()
        _unavailable(f"no GGUF model at {where}")
    try:
        proc, server = start_server(model)
    except RuntimeError as e:
        pytest.fail(f"llama_cpp.server did not come up: {e}", pytrace=False)
    try:
        yield server
    finally:
        _stop(proc)
        if not os.environ.get("JIANGHUA_TEST_LLM_KEEP_LOG"):
            Path(server.log_path).unlink(missing_ok=True)
