"""Cost of post-hoc attribution (marker normalisation + attributing every unmarked sentence), per answer.

    python benchmarks/attribution.py [--repeat 200]

An answer of six unmarked sentences, each copied from one of six 400-character passages of a seed speech (the
worst case: every sentence needs attributing), and the same answer with model-style markers 【n】 (nothing to
attribute). Prints p50/p95 in milliseconds and writes ``benchmarks/results/attribution.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

OUT = _HERE / "results" / "attribution.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args(argv)
    from jianghua.assistant.attribution import attribute, normalise_markers
    seed = sorted((_HERE.parent / "samples" / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")
    passages = [seed[i * 400:(i + 1) * 400] for i in range(6)]
    unmarked = "".join(p[50:110] + "。" for p in passages)
    marked = "".join(p[50:110] + f"【{i}】。" for i, p in enumerate(passages, 1))
    out = {}
    for name, text in (("unmarked", unmarked), ("model_markers", marked)):
        ts = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            attribute(normalise_markers(text), passages)
            ts.append((time.perf_counter() - t0) * 1000)
        ts.sort()
        out[name] = {"p50_ms": round(ts[len(ts) // 2], 3), "p95_ms": round(ts[int(0.95 * (len(ts) - 1))], 3)}
        print(f"{name}: p50 {out[name]['p50_ms']:.2f} ms, p95 {out[name]['p95_ms']:.2f} ms")
    load = os.getloadavg()
    result = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "load_average": [round(x, 1) for x in load], "sentences": 6, "passages": 6, "results": out}
    from jianghua.index.kb import atomic_write
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(OUT, json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
