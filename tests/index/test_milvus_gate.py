"""The evaluation gate works unchanged on the Milvus Lite backend: `jianghua index promote` refuses a version that
lost the document most seed questions are answered from, `jianghua eval` shows the drop, and a version that has it
back is promoted. Each command runs in its own process with JIANGHUA_BACKEND=milvus (Milvus Lite serves one process
at a time: the test closes its own handle first)."""
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.samples import SEEDS
from tests.conftest import copy_kb

pytest.importorskip("milvus_lite")
SEED_SET = Path(__file__).resolve().parents[2] / "evals" / "sets" / "seed"


def cli(kb_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JIANGHUA_BACKEND": "milvus", "JIANGHUA_THREADS": "2"}
    env.pop("JIANGHUA_KB", None)
    return subprocess.run([sys.executable, "-m", "jianghua.cli", *args, "--kb", str(kb_dir)], env=env,
                          capture_output=True, text=True, timeout=1800)


def test_gate_on_milvus(seed_kb, tmp_path):
    kb_dir = tmp_path / "kb"
    copy_kb(seed_kb, kb_dir)
    qrels = [json.loads(ln) for ln in (SEED_SET / "qrels.jsonl").read_text(encoding="utf-8").splitlines() if ln]
    title = Counter(r["doc"] for r in qrels).most_common(1)[0][0]
    kb = KnowledgeBase.open(seed_kb.settings.with_(kb=kb_dir, backend="milvus"), embedder=seed_kb.embedder)
    doc = next(d["doc_id"] for d in kb.documents() if d["title"] == title)
    assert kb.remove(doc) == 2 and kb.serving() == 1
    kb.close()

    refused = cli(kb_dir, "index", "promote", "--json")
    assert refused.returncode == 1, refused.stderr[-2000:]
    report = json.loads(refused.stdout)
    assert report["promoted"] is False and report["gate"]
    compared = cli(kb_dir, "eval", "--version", "2", "--against", "1", "--json")
    assert compared.returncode == 0, compared.stderr[-2000:]
    print("\nrefused:", report["message"], "\neval 2 vs 1:", compared.stdout[:1500])

    kb = KnowledgeBase.open(seed_kb.settings.with_(kb=kb_dir, backend="milvus"), embedder=seed_kb.embedder)
    assert kb.ingest([SEEDS], progress=False).version == 3
    kb.close()
    passed = cli(kb_dir, "index", "promote", "--json")
    assert passed.returncode == 0, passed.stderr[-2000:] + passed.stdout[-2000:]
    kb = KnowledgeBase.open(seed_kb.settings.with_(kb=kb_dir, backend="milvus"), embedder=seed_kb.embedder)
    try:
        assert kb.serving() == 3
        kb.mirror.refresh()
        for v in kb.store.version_numbers():
            assert kb.mirror.rows(v) == kb.store.version_rows(v)
    finally:
        kb.close()
