"""OCR accuracy and speed on pages rendered from the seed speeches (ingest/ocr.py, ingest/scans.py).

    python benchmarks/ocr.py [--pages 2] [--all]

Pages are laid out as GB/T 9704 prescribes (A4, 28 characters a line, 22 lines, 16 pt Noto Serif CJK SC, first
lines indented two characters) by tests/ingest/formats.py, from the first ``--pages`` pages of each of the five seed
speeches (``--all``: every page). Conditions:
- ``scan200``: a clean page image at 200 dpi;
- ``photo150``: the page at 150 dpi photographed — rotated 2°, blurred (σ 0.6 px), lit unevenly, Gaussian noise
  (σ 12 grey levels), JPEG quality 80;
- ``pdf200``: the 200 dpi pages of one speech in a scanned PDF (no text layer) through ``ingest.loaders.load`` —
  pypdfium2 rendering included.
Accuracy per page is 1 − edit distance / reference length (whitespace ignored); the reference is the page's text.
Seconds per page are wall time (one page at a time, the engine warm: its first page is timed apart) and the process
CPU time. Paragraph records: how many rebuilt paragraphs equal the source's, and, for the low-confidence threshold,
how many paragraphs with an error fall below it and how many correct ones do. Prints a table and writes
benchmarks/results/ocr.json with the date, the machine and its load average at the start and the end.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]     # this folder would shadow `ingest`
sys.path.insert(0, str(ROOT))

from jianghua.ingest.ocr import LOW_CONFIDENCE, ocr_image  # noqa: E402
from tests.ingest.formats import (char_accuracy, page_paragraphs, page_reference, pages_of, photograph,  # noqa: E402
                                  render_page, scanned_pdf, seed_text)

OUT = ROOT / "benchmarks" / "results" / "ocr.json"
TARGETS = {"scan200": 0.98, "photo150": 0.95}
MAX_SECONDS = 3.0


def _image(cond: str, lines: list[str]):
    from PIL import Image

    if cond == "scan200":
        return render_page(lines, 200)
    return Image.open(io.BytesIO(photograph(render_page(lines, 150), angle=2.0)))


def run(pages_per_seed: int | None) -> dict:
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    ocr_image(render_page(["　　预热"], 200))                      # engine build and first run, timed apart
    warmup = time.perf_counter() - t0
    conds: dict[str, dict] = {}
    for cond in ("scan200", "photo150"):
        rows = []
        for n in range(5):
            text = seed_text(n)
            pages, paras = pages_of(text), page_paragraphs(text)
            for i, lines in enumerate(pages[:pages_per_seed]):
                img = _image(cond, lines)
                w0, c0 = time.perf_counter(), time.process_time()
                page = ocr_image(img)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                acc = char_accuracy(page_reference(lines), page.text)
                got = [p.text for p in page.paragraphs]
                same = sum(a == b for a, b in zip(got, paras[i])) if len(got) == len(paras[i]) else 0
                flags = [(p.score < LOW_CONFIDENCE, p.text == ref) for p, ref in zip(page.paragraphs, paras[i])]
                rows.append({"seed": n, "page": i + 1, "chars": len(page_reference(lines)), "accuracy": round(acc, 4),
                             "seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
                             "confidence": round(page.confidence, 4), "paragraphs": len(paras[i]),
                             "paragraphs_found": len(got), "paragraphs_equal": same,
                             "flagged_wrong": sum(f and not ok for f, ok in flags),
                             "flagged_right": sum(f and ok for f, ok in flags),
                             "unflagged_wrong": sum(not f and not ok for f, ok in flags)})
                print(f"{cond:9} seed {n} p{i + 1}: acc {acc:.4f}  {wall:5.2f} s (cpu {cpu:5.2f})  "
                      f"paragraphs {same}/{len(paras[i])}", flush=True)
        conds[cond] = _summary(rows, TARGETS[cond])
    conds["pdf200"] = _pdf()
    load1 = os.getloadavg()
    return {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "python": platform.python_version(),
                        "cpus": os.cpu_count(), "loadavg_start": [round(x, 2) for x in load0],
                        "loadavg_end": [round(x, 2) for x in load1]},
            "versions": {p: _version(p) for p in ("rapidocr-onnxruntime", "onnxruntime", "pypdfium2", "Pillow")},
            "low_confidence": LOW_CONFIDENCE, "engine_build_and_first_page_s": round(warmup, 3),
            "max_seconds_per_page": MAX_SECONDS, "conditions": conds}


def _version(p: str) -> str | None:
    try:
        return metadata.version(p)
    except metadata.PackageNotFoundError:
        return None


def _summary(rows: list[dict], target: float) -> dict:
    accs = [r["accuracy"] for r in rows]
    secs = sorted(r["seconds"] for r in rows)
    chars = sum(r["chars"] for r in rows)
    weighted = sum(r["accuracy"] * r["chars"] for r in rows) / chars
    return {"pages": len(rows), "accuracy_mean": round(sum(accs) / len(accs), 4), "accuracy_chars": round(weighted, 4),
            "accuracy_min": min(accs), "target": target, "met": min(accs) >= target,
            "seconds_mean": round(sum(secs) / len(secs), 3), "seconds_median": secs[len(secs) // 2],
            "seconds_max": secs[-1], "cpu_seconds_mean": round(sum(r["cpu_seconds"] for r in rows) / len(rows), 3),
            "speed_met": sum(secs) / len(secs) <= MAX_SECONDS,
            "paragraphs_equal": sum(r["paragraphs_equal"] for r in rows),
            "paragraphs": sum(r["paragraphs"] for r in rows),
            "flagged_wrong": sum(r["flagged_wrong"] for r in rows), "flagged_right": sum(r["flagged_right"] for r in rows),
            "unflagged_wrong": sum(r["unflagged_wrong"] for r in rows), "rows": rows}


def _pdf() -> dict:
    from jianghua.ingest.loaders import load

    text = seed_text(0)
    pages = pages_of(text)
    with tempfile.TemporaryDirectory() as d:
        path = scanned_pdf(Path(d) / "scan.pdf", [render_page(p, 200) for p in pages])
        t0 = time.perf_counter()
        loaded = load(path)
        wall = time.perf_counter() - t0
    ref = "".join(page_reference(p) for p in pages)
    acc = char_accuracy(ref, loaded.text)
    print(f"pdf200    seed 0, {len(pages)} pages: acc {acc:.4f}  {wall / len(pages):5.2f} s a page", flush=True)
    return {"pages": len(pages), "accuracy": round(acc, 4), "seconds_per_page": round(wall / len(pages), 3),
            "ocr_pages": loaded.meta.get("ocr_pages"), "ocr_confidence": loaded.meta.get("ocr_confidence")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2, help="pages of each seed speech (default 2)")
    ap.add_argument("--all", action="store_true", help="every page of every seed speech")
    args = ap.parse_args()
    result = run(None if args.all else args.pages)
    print()
    print(f"{'condition':10} {'pages':>5} {'acc mean':>9} {'acc min':>8} {'target':>7} {'s/page':>7} {'s max':>6} "
          f"{'cpu s':>6}  paragraphs equal")
    for name, c in result["conditions"].items():
        if name == "pdf200":
            continue
        print(f"{name:10} {c['pages']:5} {c['accuracy_mean']:9.4f} {c['accuracy_min']:8.4f} {c['target']:7.2f} "
              f"{c['seconds_mean']:7.2f} {c['seconds_max']:6.2f} {c['cpu_seconds_mean']:6.2f}  "
              f"{c['paragraphs_equal']}/{c['paragraphs']}")
    p = result["conditions"]["pdf200"]
    print(f"pdf200: {p['pages']} pages, accuracy {p['accuracy']:.4f}, {p['seconds_per_page']:.2f} s a page "
          f"(render + OCR)")
    print(f"load average start {result['machine']['loadavg_start']}, end {result['machine']['loadavg_end']}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(OUT)


if __name__ == "__main__":
    main()
