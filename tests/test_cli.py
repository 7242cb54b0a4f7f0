"""The `jianghua` command (jianghua/cli.py): ingest, search --json, docs --json, remove; exit statuses and messages."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.needs import need_program

from jianghua.cli import main
from jianghua.samples import SEEDS

SEARCH_KEYS = {"chunk_id", "doc_id", "title", "source", "section", "start", "end", "text", "score"}
REPORT_KEYS = {"added", "unchanged", "replaced", "failed", "version", "serving", "embedded"}
STATEMENT = SEEDS / "全面从严治党表态发言.txt"
CITY = SEEDS / "市领导在基层党组织书记述职评议会议上的讲话.txt"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for k in list(os.environ):
        if k.startswith("JIANGHUA_"):
            monkeypatch.delenv(k)


def run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for f in (STATEMENT, CITY):
        shutil.copy(f, d / f.name)
    return d


def test_ingest_json_report(tmp_path, folder, capsys):
    kb = tmp_path / "kb"
    code, out, _ = run(capsys, "ingest", folder, "--kb", kb, "--no-embed", "--quiet", "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == REPORT_KEYS
    assert sorted(report["added"]) == sorted(str(folder / f.name) for f in (STATEMENT, CITY))
    assert report["version"] == 1 and report["serving"] == 1 and report["failed"] == [] and report["embedded"] == 0
    code, out, _ = run(capsys, "ingest", folder, "--kb", kb, "--no-embed", "--quiet")
    assert code == 0 and "unchanged 2" in out and "no change" in out


def test_ingest_with_a_failed_file_exits_1(tmp_path, folder, capsys):
    (folder / "empty.txt").write_bytes(b"")
    kb = tmp_path / "kb"
    code, out, _ = run(capsys, "ingest", folder, "--kb", kb, "--no-embed", "--quiet", "--json")
    assert code == 1
    report = json.loads(out)
    assert [f["source"] for f in report["failed"]] == [str(folder / "empty.txt")]
    assert set(report["failed"][0]) == {"source", "error"} and "empty" in report["failed"][0]["error"]
    assert len(report["unchanged"]) == 2 or len(report["added"]) == 2          # the good files went in
    code, out, err = run(capsys, "ingest", folder, "--kb", kb, "--no-embed", "--quiet")
    assert code == 1 and "failed 1" in out and "empty.txt" in err


def test_search_json_contract(seed_kb, capsys):
    code, out, _ = run(capsys, "search", "软弱涣散村级党组织整顿什么时候完成", "--kb", seed_kb.dir, "--json", "-k", 3)
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 3
    for h in hits:
        assert SEARCH_KEYS <= set(h)
        assert isinstance(h["section"], list) and isinstance(h["score"], float)
        assert isinstance(h["start"], int) and isinstance(h["end"], int)
        assert seed_kb.document(h["doc_id"]).text[h["start"]:h["end"]] == h["text"]
        assert h["source"].endswith(".txt") and h["title"]
        raw = "".join(open(h["source"], encoding="utf-8").read().split())      # the seed file itself
        assert "".join(h["text"].split()) in raw, h["text"][:40]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    # the 表态发言 promises "确保10月底完成软弱涣散村党组织整顿" (gold of seed queries q003, q047): among the three
    assert any("确保10月底完成软弱涣散村党组织整顿" in h["text"] and h["source"].endswith(STATEMENT.name) for h in hits)


def test_search_modes_and_plain_output(seed_kb, capsys):
    code, out, _ = run(capsys, "search", "第三方专业会计公司", "--kb", seed_kb.dir, "--mode", "keyword", "--json")
    hits = json.loads(out)
    assert code == 0 and [h["keyword_rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert "第三方专业会计公司" in hits[0]["text"]
    code, out, _ = run(capsys, "search", "第三方专业会计公司", "--kb", seed_kb.dir, "--mode", "keyword")
    assert code == 0 and out.startswith(f"[1] {hits[0]['title']}  (") and "[5] " in out and "[6] " not in out


def test_docs_and_remove(tmp_path, folder, capsys):
    kb = tmp_path / "kb"
    assert run(capsys, "ingest", folder, "--kb", kb, "--no-embed", "--quiet")[0] == 0
    code, out, _ = run(capsys, "docs", "--kb", kb, "--json")
    assert code == 0
    docs = json.loads(out)
    assert len(docs) == 2 and all({"doc_id", "title", "source", "chunks"} <= set(d) for d in docs)
    gone = next(d["doc_id"] for d in docs if d["source"].endswith(CITY.name))
    code, out, _ = run(capsys, "remove", gone, "--kb", kb)
    assert code == 0 and "version 2" in out and gone in out
    code, out, _ = run(capsys, "docs", "--kb", kb, "--json", "--version", "head")
    assert gone not in {d["doc_id"] for d in json.loads(out)}
    code, out, _ = run(capsys, "docs", "--kb", kb)
    assert code == 0 and out.strip().endswith("2 documents")                 # version 1 still serves
    code, _, err = run(capsys, "remove", gone, "--kb", kb)
    assert code == 2 and err.startswith("error: ") and gone in err


@pytest.mark.parametrize("argv", [["docs"], ["search", "主体责任"], ["remove", "abc"]])
def test_missing_kb_exits_2_with_a_readable_message(tmp_path, capsys, argv):
    missing = tmp_path / "no-kb"
    code, out, err = run(capsys, *argv, "--kb", missing)
    assert code == 2 and out == ""
    assert err.startswith("error: no knowledge base at") and str(missing) in err and "jianghua ingest" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not missing.exists()


def test_bad_arguments_are_readable(tmp_path, folder, capsys):
    kb = tmp_path / "kb"
    assert run(capsys, "ingest", folder, "--kb", kb, "--no-embed", "--quiet")[0] == 0
    code, _, err = run(capsys, "search", " ", "--kb", kb)
    assert code == 2 and "query is empty" in err
    code, _, err = run(capsys, "search", "主体责任", "--kb", kb, "-k", "0")
    assert code == 2 and "k must be" in err
    code, _, err = run(capsys, "ingest", tmp_path / "nowhere", "--kb", kb)
    assert code == 2 and "no such file" in err


def test_console_script_keeps_stdout_pure_json(tmp_path, folder):
    """Through the installed entry point: progress goes to stderr, stdout holds only the JSON."""
    exe = need_program("jianghua")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANGHUA_")}
    kb = tmp_path / "kb"
    p = subprocess.run([exe, "ingest", str(folder), "--kb", str(kb), "--no-embed", "--json"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert set(json.loads(p.stdout)) == REPORT_KEYS
    p = subprocess.run([exe, "docs", "--kb", str(tmp_path / "none")], env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 2 and p.stderr.startswith("error: no knowledge base")
    p = subprocess.run([sys.executable, "-m", "jianghua.cli", "docs", "--kb", str(kb), "--json"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and len(json.loads(p.stdout)) == 2
