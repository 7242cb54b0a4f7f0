"""Concurrent searches share query-embedding passes, and get the vectors they would get alone."""
import threading

import numpy as np

from jianghua.index.batching import QueryBatcher
from jianghua.index.e5fast import FastE5Embedder

QUERIES = ["三会一课制度怎么落实", "软弱涣散党组织如何整顿", "主体责任", "述职评议会议的要求", "一岗双责",
           "机关作风建设", "基层党建经费保障", "党员发展工作", "意识形态工作责任制", "巡察整改"]


def test_concurrent_queries_are_batched_and_equal_to_single_ones():
    emb = FastE5Embedder(threads=1)
    alone = {q: emb.embed_query(q) for q in QUERIES}
    batcher = QueryBatcher(emb, window_s=0.05)
    out: dict[str, np.ndarray] = {}
    start = threading.Barrier(len(QUERIES))

    def worker(q):
        start.wait()
        out[q] = batcher.embed(q)

    threads = [threading.Thread(target=worker, args=(q,)) for q in QUERIES]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(out) == set(QUERIES)
    assert batcher.batches < len(QUERIES)            # some queries shared a pass
    for q in QUERIES:
        assert float(out[q] @ alone[q]) > 0.99999, q


def test_an_embedding_error_reaches_every_waiting_caller():
    class Failing:
        def embed_queries(self, texts):
            raise RuntimeError("model gone")

    batcher = QueryBatcher(Failing(), window_s=0.05)
    errors = []

    def worker():
        try:
            batcher.embed("x")
        except RuntimeError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == ["model gone"] * 4


def test_no_caller_waits_for_the_whole_load_run():
    """Twelve callers query without pause for 12 s, more than a batch holds (as 50 HTTP clients do with batches of
    32): every call returns once its own batch is done. The first caller used to lead every batch of the run and
    return only at its end (a 12.3 s outlier here)."""
    import re
    import time
    from jianghua.samples import SEEDS

    text = "".join(f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*.txt")))
    queries = [s for s in re.split(r"[。！？；\n]", text) if 8 <= len(s) <= 40]
    emb = FastE5Embedder(threads=1)
    emb.embed_query("预热")
    batcher = QueryBatcher(emb, max_batch=4)
    latencies: list[float] = []
    stop = time.monotonic() + 12
    start = threading.Barrier(12)

    def worker(k):
        start.wait()
        i = k
        while time.monotonic() < stop:
            t0 = time.monotonic()
            v = batcher.embed(queries[i % len(queries)])
            latencies.append(time.monotonic() - t0)
            assert v.shape == (384,)
            i += 12

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(latencies) > 30 and batcher.batches < len(latencies)
    assert max(latencies) < 5, f"an outlier of {max(latencies):.1f} s"
