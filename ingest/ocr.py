"""Text of page images by OCR on the CPU: RapidOCR's PP-OCRv4 models (detection, direction, recognition), which ship
inside the ``rapidocr-onnxruntime`` wheel and run on onnxruntime. Nothing is downloaded, ever: that package has no
download code, and the engine is built from the model files inside it (checked before it is built).

The engine is imported and built on the first page that needs it (a few hundred ms), never at import time, and
kept for the process. Lines come back as boxes; ``page_lines`` undoes the page's skew (the median angle of the
boxes), puts boxes of one visual line together, and rebuilds paragraphs the way a reader does: a line that starts
indented, or follows a line that stopped short of the right margin, or follows a wider gap, starts a paragraph;
any other line continues the one before (公文 text wraps mid-sentence) — unless the page's lines are all shorter than
``MIN_MEASURE`` characters (a list, a narrow column): those stay one a line. Lines split into cells by wide gaps,
two or more in a row with as many cells, are a table: each row becomes a line naming its header's cells
(``ingest.tables.row_lines``). Each paragraph keeps the lowest recognition
score of its lines, so text the engine was unsure of can be flagged (see ``LOW_CONFIDENCE``).
"""
from __future__ import annotations

import functools
import math
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from jianghua.errors import DocumentLoadError

LOW_CONFIDENCE = 0.90      # a line recognised below this is marked "OCR识别，请核对原件" in citations
MAX_SIDE = 1600            # the detector sees the page scaled to at most this many pixels a side (at 1280 it
                           # missed a whole line of a rendered scan; 2000 reads the same as 1600, detection ~1.6× slower)
MIN_MEASURE = 16           # lines narrower than this many characters are never joined into paragraphs
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_HALF_PUNCT = re.compile(r"(?<=[\u3400-\u9fff\u201d\uff09])([,:;!?])|([,:;!?])(?=[\u3400-\u9fff\u201c\uff08])")
_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}


@dataclass(frozen=True)
class OcrParagraph:
    text: str
    score: float            # the lowest recognition score of its lines (0–1)


@dataclass(frozen=True)
class OcrPage:
    paragraphs: tuple[OcrParagraph, ...]
    opens_indented: bool = True     # the first line is indented: the page does not continue a paragraph
    ends_full: bool = False         # the last line reaches the right margin: its paragraph may go on overleaf
    source: str = ""                # every character of the boxes, whitespace aside (what the layout was made of)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def confidence(self) -> float:
        """Mean recognition score, weighted by characters (1.0 for a page with no text)."""
        n = sum(len(p.text) for p in self.paragraphs)
        return sum(p.score * len(p.text) for p in self.paragraphs) / n if n else 1.0


_lock = threading.Lock()


def _package_models() -> dict[str, Path]:
    import rapidocr_onnxruntime

    root = Path(rapidocr_onnxruntime.__file__).resolve().parent / "models"
    models = {"det": root / "ch_PP-OCRv4_det_infer.onnx", "rec": root / "ch_PP-OCRv4_rec_infer.onnx",
              "cls": root / "ch_ppocr_mobile_v2.0_cls_infer.onnx"}
    missing = [str(p) for p in models.values() if not p.is_file()]
    if missing:
        raise DocumentLoadError(f"OCR 模型文件缺失：{', '.join(missing)}；请重新安装 rapidocr-onnxruntime")
    return models


@functools.lru_cache(maxsize=1)
def engine():
    """The OCR engine, built once from the models inside the installed package."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise DocumentLoadError("识别扫描件和图片需要 OCR 组件：请运行 pip install rapidocr-onnxruntime 后重试"
                                f"（{e}）") from e
    m = _package_models()
    eng = RapidOCR(det_model_path=str(m["det"]), rec_model_path=str(m["rec"]), cls_model_path=str(m["cls"]),
                   max_side_len=MAX_SIDE, print_verbose=False)
    _tune(eng, m)
    return eng


def _tune(eng, models: dict[str, Path]) -> None:
    """Sessions with onnxruntime's memory arena on and no spin-waiting: on two cores shared with other work,
    spinning threads burn the time the other thread needs (measured in benchmarks/ocr.py)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 4
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    for part, key in ((eng.text_det, "det"), (eng.text_cls, "cls"), (eng.text_rec, "rec")):
        holder = getattr(part, "session", None)
        if holder is not None and hasattr(holder, "session"):
            holder.session = ort.InferenceSession(str(models[key]), sess_options=opts,
                                                  providers=["CPUExecutionProvider"])


def ocr_image(image) -> OcrPage:
    """OCR one page: ``image`` is a PIL image (any mode)."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    eng = engine()
    with _lock:                  # one page at a time: the engine uses every core for one page
        result, _ = eng(rgb)
    return page_lines(result or [])


@dataclass
class _Box:
    x0: float
    x1: float
    y0: float
    y1: float
    text: str
    score: float

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0


def _skew(result) -> float:
    """The page's skew in radians: the median angle of the top edges of boxes wider than they are tall."""
    angles = []
    for pts, _, _ in result:
        (ax, ay), (bx, by) = pts[0], pts[1]
        w = math.hypot(bx - ax, by - ay)
        h = math.hypot(pts[3][0] - ax, pts[3][1] - ay)
        if w > 3 * h > 0:
            angles.append(math.atan2(by - ay, bx - ax))
    angles.sort()
    return angles[len(angles) // 2] if angles else 0.0


def _boxes(result, normalise: bool = True) -> list[_Box]:
    a = _skew(result)
    cos, sin = math.cos(-a), math.sin(-a)
    out = []
    for pts, text, score in result:
        text = text.strip()
        text = full_width_punctuation(text) if normalise else text
        if not text:
            continue
        xs = [x * cos - y * sin for x, y in pts]
        ys = [x * sin + y * cos for x, y in pts]
        out.append(_Box(min(xs), max(xs), min(ys), max(ys), text, float(score)))
    return out


def full_width_punctuation(text: str) -> str:
    """ASCII , : ; ! ? next to a Chinese character as the full-width marks Chinese text uses (the recogniser often
    returns the half-width form of a mark it read correctly)."""
    return _HALF_PUNCT.sub(lambda m: _FULL[m.group(1) or m.group(2)], text)


def _rows(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes grouped into visual lines (centres within half a line height), each sorted left to right."""
    rows: list[list[_Box]] = []
    for b in sorted(boxes, key=lambda b: b.yc):
        if rows:
            last = rows[-1]
            yc = sum(x.yc for x in last) / len(last)
            h = max(x.h for x in last)
            if abs(b.yc - yc) < 0.5 * max(h, b.h):
                last.append(b)
                continue
        rows.append([b])
    return [sorted(r, key=lambda b: b.x0) for r in rows]


def _join(a: str, b: str) -> str:
    """Two pieces of one line or paragraph: a space only between two Latin letters or digits."""
    if a and b and _ASCII_WORD.match(a[-1]) and _ASCII_WORD.match(b[0]):
        return a + " " + b
    return a + b


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2]


def _tables(paras: list[list]) -> list[list]:
    """Runs of two or more lines split into the same number of cells (by wide gaps) are a table: its rows as
    ``ingest.tables.row_lines`` writes them, each value named by its header."""
    from jianghua.ingest.tables import row_lines

    out: list[list] = []
    i = 0
    while i < len(paras):
        j = i
        while j < len(paras) and paras[j][2] is not None and len(paras[j][2]) == len(paras[i][2] or ()):
            j += 1
        if j - i >= 2:
            score = min(p[1] for p in paras[i:j])
            out.extend([line, score, None] for line in row_lines([p[2] for p in paras[i:j]]))
            i = j
        else:
            out.append(paras[i])
            i += 1
    return out


def page_lines(result, normalise: bool = True) -> OcrPage:
    """Paragraphs of a page from the engine's ``[box, text, score]`` list (see the module docstring); a box is
    four corner points, clockwise from the top left. ``normalise``: ASCII punctuation beside Chinese as full-width
    (for recognised text, not for text a file holds)."""
    boxes = _boxes(result, normalise)
    if not boxes:
        return OcrPage(())
    rows = _rows(boxes)
    h = _median([b.h for b in boxes])                    # about one character: CJK glyphs are square
    lines = []
    for r in rows:
        cells = [r[0].text]
        for prev, b in zip(r, r[1:]):
            if b.x0 - prev.x1 > 2 * h:                  # a wide gap: the next cell of a table row
                cells.append(b.text)
            else:
                cells[-1] = _join(cells[-1], b.text)
        lines.append((min(b.x0 for b in r), max(b.x1 for b in r), sum(b.yc for b in r) / len(r), cells,
                      min(b.score for b in r)))
    left = _median([x0 for x0, *_ in lines])            # most lines of a page are flush left
    ends = sorted(x1 for _, x1, *_ in lines)
    right = ends[int(0.9 * (len(ends) - 1))]             # the margin; a line may hang a punctuation mark past it
    steps = [b[2] - a[2] for a, b in zip(lines, lines[1:])]
    step = _median(steps) if steps else h
    wide = right - left >= MIN_MEASURE * h              # a block of short lines (a list, a column) is not prose
    paras: list[list] = []                              # [text, score, cells or None]
    prev = None
    for x0, x1, yc, cells, score in lines:
        text = "  ".join(cells)
        starts = (prev is None or not wide or len(cells) > 1 or prev[3] > 1 or x0 > left + 0.8 * h
                  or prev[1] < right - 1.5 * h or yc - prev[2] > 1.6 * step or x0 < left - 0.8 * h)
        if starts:
            paras.append([text, score, cells if len(cells) > 1 else None])
        else:
            paras[-1][0] = _join(paras[-1][0], text)
            paras[-1][1] = min(paras[-1][1], score)
        prev = (x0, x1, yc, len(cells))
    paras = _tables(paras)
    first, last = lines[0], lines[-1]
    return OcrPage(tuple(OcrParagraph(t, s) for t, s, _ in paras), opens_indented=first[0] > left + 0.8 * h,
                   ends_full=wide and len(lines) > 2 and last[1] >= right - 1.5 * h,
                   source="".join("".join(b.text for b in boxes).split()))
