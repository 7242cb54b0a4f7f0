"""Background embedding (index/embedding.py) works in short slices and lets searches go first: searches during the
embedding of a long unpunctuated document stay fast, and a stop request ends it within a slice."""
import threading
import time

from jianghua.index.search import HybridSearcher
from jianghua.ingest.documents import document_from_text
from jianghua.samples import SEEDS

QUERIES = ["书记述职评议", "软弱涣散党组织整顿", "主体责任清单", "机关作风建设", "基层党建经费保障",
           "党员发展工作", "意识形态工作责任制", "巡察整改", "三会一课", "一岗双责"]


def test_searches_stay_fast_while_a_long_unpunctuated_document_embeds(seed_kb_copy):
    kb = seed_kb_copy                                       # the seeds embedded: dense search works
    letters = "".join(ch for f in sorted(SEEDS.glob("*.txt")) for ch in f.read_text(encoding="utf-8")
                      if "\u4e00" <= ch <= "\u9fff")
    # far more text than any machine embeds during the searches below (about 2,000 passages); the stop request
    # ends it, so its size costs only the ingest
    kb.ingest_documents([document_from_text(letters * 40, "long:无标点")], progress=False, embed=False)
    searcher = HybridSearcher(kb)
    searcher.search("预热", k=3, mode="dense")
    stop = threading.Event()
    worker = threading.Thread(target=kb.embed, kwargs={"progress": False, "stop": stop})
    worker.start()
    latencies = []
    try:
        end = time.monotonic() + 20
        i = 0
        while len(latencies) < 30 and time.monotonic() < end:
            t0 = time.monotonic()
            hits = searcher.search(f"{QUERIES[i % len(QUERIES)]}（{i}）", k=3, mode="dense").hits
            latencies.append(time.monotonic() - t0)
            assert hits
            i += 1
        assert worker.is_alive()                            # still embedding: the searches ran alongside it
    finally:
        t0 = time.monotonic()
        stop.set()
        worker.join(30)
        stopped = time.monotonic() - t0
    assert stopped < 3, f"the embedder took {stopped:.1f} s to stop"
    latencies.sort()
    assert len(latencies) >= 10
    assert latencies[-1] < 3 and latencies[int(len(latencies) * 0.95) - 1] < 1.5, latencies[-5:]
