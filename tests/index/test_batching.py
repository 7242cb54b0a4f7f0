"""Concurrent searches share query-embedding passes, and get the vectors they would get alone."""
import threading

import numpy as np

from index.batching import QueryBatcher
from index.e5fast import FastE5Embedder

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
