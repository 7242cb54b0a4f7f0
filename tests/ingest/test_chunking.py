"""Chunking (ingest/chunking.py) on every seed speech at several sizes and overlaps."""
import hashlib
import re
from dataclasses import replace
from pathlib import Path

import pytest

from jianghua.ingest.chunking import ChunkerSettings, chunk_document
from jianghua.ingest.documents import load_document
from jianghua.ingest.sentences import split_sentences
from jianghua.samples import SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
SIZES = (200, 300, 500)
OVERLAPS = (0, 1)
# Lines that open a top-level section, or the closing remarks after the last one (as the seeds write them).
TOP_LINE = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+(?:个方面|点)|同志们，|以上发言|我就讲到这里)")


@pytest.fixture(scope="module")
def docs():
    return [load_document(f) for f in SEED_FILES]


def cases():
    for f in SEED_FILES:
        for size in SIZES:
            for overlap in OVERLAPS:
                yield pytest.param(f.stem, size, overlap, id=f"{f.stem[:6]}-{size}-{overlap}")


@pytest.fixture(scope="module")
def by_stem(docs):
    return {Path(d.source).stem: d for d in docs}


def top_starts(text: str) -> list[int]:
    """Offsets of the lines that open a top-level section."""
    out, pos = [], 0
    for line in text.split("\n"):
        if TOP_LINE.match(line.strip()):
            out.append(pos + len(line) - len(line.lstrip()))
        pos += len(line) + 1
    return out


@pytest.mark.parametrize("stem, size, overlap", cases())
def test_chunk_invariants(stem, size, overlap, by_stem):
    doc = by_stem[stem]
    chunks = chunk_document(doc, ChunkerSettings(size, overlap))
    assert chunks
    sents = split_sentences(doc.text)
    starts, ends = {s.start for s in sents}, {s.end for s in sents}
    tops = top_starts(doc.text)
    assert tops, "every seed has top-level sections"

    for i, c in enumerate(chunks):
        # the offsets are the truth
        assert doc.text[c.start:c.end] == c.text
        assert c.doc_id == doc.id
        # never cuts a sentence
        assert c.start in starts and c.end in ends, c.text[:30]
        # never crosses a top-level section: no section opens strictly inside a chunk
        assert not [t for t in tops if c.start < t < c.end], c.text[:30]

    # every sentence is in some chunk, in order
    covered = [s for s in sents if any(c.start <= s.start and s.end <= c.end for c in chunks)]
    assert covered == sents
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)

    for i, c in enumerate(chunks):
        prev = chunks[i - 1] if i else None
        # overlap: a chunk repeats at most `overlap` whole sentences of the previous one, never more
        fresh_start = max(c.start, prev.end) if prev else c.start
        if prev and c.start < prev.end:
            repeated = [s for s in sents if c.start <= s.start and s.end <= prev.end]
            assert 1 <= len(repeated) <= overlap
            fresh_start = min(s.start for s in sents if s.start >= prev.end)
        elif overlap == 0 and prev:
            assert c.start >= prev.end
        fresh = [s for s in sents if fresh_start <= s.start and s.end <= c.end]
        assert fresh, "every chunk brings at least one new sentence"
        length = c.end - fresh_start
        # upper bound: the new text stays within size, except that a chunk holding less than a third of size
        # takes its next sentence whatever its length: past size only by that one sentence
        if length > size:
            last = fresh[-1]
            assert last.start - fresh_start < size / 3, (c.text[:40], length)
            assert length < size * 4 / 3 or last.end - last.start > size
        # lower bound: a chunk under a third of size closes a top-level section (or the document)
        if c.end - c.start < size / 3 and i + 1 < len(chunks):
            nxt = chunks[i + 1]
            assert [t for t in tops if c.end <= t <= nxt.start], c.text[:30]


@pytest.mark.parametrize("stem, size, overlap", cases())
def test_deterministic_ids(stem, size, overlap, by_stem):
    doc = by_stem[stem]
    a = chunk_document(doc, ChunkerSettings(size, overlap))
    b = chunk_document(replace(doc, meta={}), ChunkerSettings(size, overlap))
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)
    for c in a:     # the id knowledge bases already store: sha256 of "doc id:start:end:text", first 16 hex digits
        assert c.id == hashlib.sha256(f"{doc.id}:{c.start}:{c.end}:{c.text}".encode("utf-8")).hexdigest()[:16]


def test_ids_depend_on_the_document(by_stem):
    doc = by_stem["全面从严治党表态发言"]
    other = replace(doc, id="0" * 16)
    assert {c.id for c in chunk_document(doc)}.isdisjoint(c.id for c in chunk_document(other))


def test_sizes_change_the_chunking(by_stem):
    doc = by_stem["关于落实全面从严治党主体责任情况通报"]
    n = [len(chunk_document(doc, ChunkerSettings(s))) for s in SIZES]
    assert n[0] > n[1] > n[2]


def test_section_of_a_chunk_is_shared_by_its_text(by_stem):
    """A chunk's section path is a heading path every one of its sentences lies under."""
    doc = by_stem["关于落实全面从严治党主体责任情况通报"]
    for c in chunk_document(doc, ChunkerSettings(300)):
        if c.section:
            head = c.section[0]
            h = doc.text.rfind(head, 0, c.start + len(head))
            assert h != -1 and h <= c.start
            # no other top-level heading between that heading and the chunk
            assert not [t for t in top_starts(doc.text) if h < t <= c.start]


def test_a_long_sentence_is_never_split():
    from jianghua.records import Document
    long = "全市各级党组织" + "、".join(f"第{i}项任务" for i in range(120)) + "。"
    text = "一、总体要求\n" + long + "\n短句一。短句二。"
    doc = Document(id="d" * 16, title="t", source="t", text=text)
    chunks = chunk_document(doc, ChunkerSettings(500))        # longer than size, within the cap (2 × size)
    assert len(long) > 500 and any(c.text.endswith(long) for c in chunks)
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)


def test_a_run_longer_than_the_cap_is_cut_at_a_comma_with_exact_offsets():
    from jianghua.records import Document
    long = "全市各级党组织" + "、".join(f"第{i}项任务" for i in range(120)) + "。"
    text = "一、总体要求\n" + long + "\n短句一。短句二。"
    doc = Document(id="d" * 16, title="t", source="t", text=text)
    chunks = chunk_document(doc, ChunkerSettings(200))
    assert max(len(c.text) for c in chunks) <= 400                     # the cap: 2 × size
    assert all(doc.text[c.start:c.end] == c.text for c in chunks)
    assert "".join(c.text for c in chunks) == text.replace("\n", "", 1) or \
        doc.text[chunks[0].start:chunks[-1].end] == text
    assert all(a.end == b.start for a, b in zip(chunks[1:-1], chunks[2:-1]))     # the pieces are adjacent
    assert all(c.text.endswith("、") for c in chunks[:-1])        # cut after a 、, never inside a word
    assert all(len(c.text) <= 200 + len("一、总体要求\n") for c in chunks)   # pieces of about size


def test_an_unpunctuated_megabyte_is_cut_into_capped_chunks_in_linear_time():
    import time
    from jianghua.ingest.documents import document_from_text
    seed = (SEEDS / "在区直机关党建推进会上的讲话.txt").read_text(encoding="utf-8")
    letters = "".join(ch for ch in seed if "\u4e00" <= ch <= "\u9fff")
    times = {}
    for n in (250_000, 1_000_000):
        doc = document_from_text((letters * (n // len(letters) + 1))[:n], "x")
        best = float("inf")
        for _ in range(3):           # the best of three: a busy machine slows one run, not the algorithm
            t0 = time.perf_counter()
            chunks = chunk_document(doc, ChunkerSettings(400))
            best = min(best, time.perf_counter() - t0)
        times[n] = best
        assert max(len(c.text) for c in chunks) == 400 and len(chunks) == -(-n // 400)   # pieces of size
        assert all(doc.text[c.start:c.end] == c.text for c in chunks)
    assert times[1_000_000] < 10 * times[250_000] + 0.5, times      # linear, not quadratic
