"""Re-ingesting unchanged files skips parsing them (file marks: index/store_files.py, KnowledgeBase.ingest)."""
import os
import shutil
from pathlib import Path

import pytest

from jianghua.index.kb import KnowledgeBase
from jianghua.ingest import documents
from jianghua.settings import Settings

SEEDS = Path(__file__).resolve().parents[2] / "samples" / "seeds"


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "docs"
    shutil.copytree(SEEDS, d)
    return d


@pytest.fixture
def kb(tmp_path):
    kb = KnowledgeBase.open(Settings(kb=tmp_path / "kb"), create=True)
    yield kb
    kb.close()


@pytest.fixture
def parsed(monkeypatch):
    """The files ``load_document`` parses, by name."""
    seen: list[str] = []
    real = documents.load_document

    def counting(path, *a, **kw):
        seen.append(Path(path).name)
        return real(path, *a, **kw)
    monkeypatch.setattr(documents, "load_document", counting)
    return seen


def test_unchanged_files_are_not_parsed_again(kb, folder, parsed):
    names = sorted(f.name for f in folder.iterdir())
    first = kb.ingest([folder], progress=False, embed=False)
    assert sorted(Path(s).name for s in first.added) == names and sorted(parsed) == names
    parsed.clear()
    again = kb.ingest([folder], progress=False, embed=False)
    assert parsed == [] and again.version is None and not again.added
    assert sorted(Path(s).name for s in again.unchanged) == names


def test_a_touched_file_with_the_same_bytes_is_hashed_not_parsed(kb, folder, parsed):
    kb.ingest([folder], progress=False, embed=False)
    f = sorted(folder.iterdir())[0]
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    parsed.clear()
    report = kb.ingest([folder], progress=False, embed=False)
    assert parsed == [] and report.version is None and str(f) in report.unchanged


def test_a_changed_file_is_parsed_and_replaces_its_document(kb, folder, parsed):
    kb.ingest([folder], progress=False, embed=False)
    f = next(f for f in sorted(folder.iterdir()) if "持之以恒推进全面从严治党" in f.read_text(encoding="utf-8"))
    f.write_text(f.read_text(encoding="utf-8").replace("持之以恒推进全面从严治党", "持之以恒、久久为功推进全面从严治党", 1),
                 encoding="utf-8")
    parsed.clear()
    report = kb.ingest([folder], progress=False, embed=False)
    assert parsed == [f.name] and report.replaced == [str(f)] and report.version == 2
    text = "".join(kb.document(d["doc_id"]).text for d in kb.documents(report.version) if d["source"] == str(f))
    assert "持之以恒、久久为功推进全面从严治党" in text


def test_a_removed_document_is_loaded_again(kb, folder, parsed):
    kb.ingest([folder], progress=False, embed=False)
    f = sorted(folder.iterdir())[1]
    doc = next(d for d in kb.documents() if d["source"] == str(f))
    kb.remove(doc["doc_id"])
    parsed.clear()
    report = kb.ingest([folder], progress=False, embed=False)
    assert parsed == [f.name] and report.added == [str(f)]


def test_other_loader_code_parses_again(kb, folder, parsed, monkeypatch):
    kb.ingest([folder], progress=False, embed=False)
    monkeypatch.setattr(documents, "loader_signature", lambda: "another-loader")
    parsed.clear()
    report = kb.ingest([folder], progress=False, embed=False)
    assert len(parsed) == len(list(folder.iterdir())) and report.version is None    # parsed, same documents
    parsed.clear()
    kb.ingest([folder], progress=False, embed=False)
    assert parsed == []                                                          # marked by the new loader


def test_an_upload_of_the_same_file_under_its_own_name_is_not_parsed(kb, folder, parsed, tmp_path):
    f = sorted(folder.iterdir())[2]
    kb.ingest([f], progress=False, embed=False, sources={str(f): "上传/" + f.name})
    tmp = tmp_path / "upload-tmp" / "x.txt"
    tmp.parent.mkdir()
    shutil.copy(f, tmp)                      # a new temporary file: other path, other mtime, same bytes
    parsed.clear()
    report = kb.ingest([tmp], progress=False, embed=False, sources={str(tmp): "上传/" + f.name})
    assert parsed == [] and report.unchanged == ["上传/" + f.name]
