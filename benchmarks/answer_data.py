"""The knowledge bases and question sets behind the answer benchmarks and the answerability fit.

Knowledge bases (built once, kept under ``$JIANGHUA_BENCH_CACHE`` or ``~/.cache/jianghua/bench``):
- ``cmrc-trial`` / ``cmrc-dev``: every CMRC 2018 passage of that split as a document;
- ``seed``: the five sample speeches;
- ``genre``: the sample speeches and every document of ``shared/corpus/genre``.

Question sets, each a list of ``Case(id, question, history, kb, answerable, gold)``:
- ``cmrc-trial`` / ``cmrc-dev``: CMRC questions asked of their own passages (answerable);
- ``cross-…``: CMRC questions asked of the seed and ``sets`` knowledge bases (``$JIANGHUA_CROSS_KBS``), and the project's own questions asked of
  the CMRC knowledge base (all must be declined);
- ``seed:dev`` / ``seed:test``, ``indomain``, ``negatives``, ``followups`` (and ``followups2`` … ``followups6``, asked of
  ``sets2`` … ``sets6``, the documents each was written over): the eval sets in ``evals/sets``, asked of
  the ``sets`` knowledge base: the twelve documents they were written over (five seeds, seven genre files).
"""
from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

SHARED = Path(os.environ.get("JIANGHUA_SHARED", _HERE.parent.parent / "shared"))
CMRC = SHARED / "bench" / "cmrc2018"
GENRE = SHARED / "corpus" / "genre"
SEEDS = _HERE.parent / "samples" / "seeds"
CROSS_KBS = tuple(os.environ.get("JIANGHUA_CROSS_KBS", "seed,sets").split(","))
# knowledge bases of the documents a set was written over: followups (also negatives, indomain); followups2 and
# followups3, followups4, followups5, followups6 (written blind to the code, 2026-12-01 … 2026-12-04 and 2026-12-06)
SET_KBS = {"sets": "followups", "sets2": "followups2", "sets3": "followups3", "sets4": "followups4",
           "sets5": "followups5", "sets6": "followups6"}
CACHE = Path(os.environ.get("JIANGHUA_BENCH_CACHE", Path.home() / ".cache" / "jianghua" / "bench"))


@dataclass
class Case:
    id: str
    question: str
    kb: str
    answerable: bool
    gold: list[str] = field(default_factory=list)     # verbatim answer texts (any one counts)
    history: list[dict] = field(default_factory=list)
    kind: str = ""                                   # fact, list, followup, cross, unanswerable, redacted …
    set: str = ""


def load_cmrc(split: str) -> tuple[list[dict], list[dict]]:
    """(passages, questions) of a CMRC 2018 split, read as the ``cmrc`` eval set reads it (empty questions out)."""
    from jianghua.evals.squad import read_squad
    return read_squad(CMRC / f"cmrc2018_{split}.json")


def kb_settings(name: str):
    from jianghua.settings import Settings
    return Settings(kb=CACHE / f"answers-{name}")


def build_kb(name: str, embed: bool = True, progress: bool = True):
    """Open (building on first use) one of the benchmark knowledge bases."""
    from jianghua.index.kb import KnowledgeBase
    kb = KnowledgeBase.open(kb_settings(name), create=True)
    if kb.head() is None:
        if name.startswith("cmrc-"):
            from benchmarks.cmrc2018 import make_document
            passages, _ = load_cmrc(name.split("-", 1)[1])
            kb.ingest_documents([make_document(p["context"], p["id"]) for p in passages], progress=progress,
                                embed=False, note=name)
        elif name == "seed":
            kb.ingest([SEEDS], progress=progress, embed=False)
        elif name == "genre":
            kb.ingest([SEEDS, GENRE], progress=progress, embed=False)
        elif name in SET_KBS:       # the documents an eval set was written over
            from jianghua.evals.data import load_set
            kb.ingest(load_set(SET_KBS[name]).corpus_files(), progress=progress, embed=False)
        else:
            raise SystemExit(f"unknown knowledge base {name!r}")
    if embed:
        kb.embed(progress=progress)
    return kb


def app_for(name: str, embed: bool = True):
    from jianghua.app import Jianghua
    build_kb(name, embed=embed, progress=False)
    return Jianghua(kb_settings(name), create=False)


def cmrc_cases(split: str, limit: int | None = None) -> list[Case]:
    _, qs = load_cmrc(split)
    cases = [Case(f"cmrc-{split}:{q['id']}", q["question"], f"cmrc-{split}", True, q["answers"], kind="cmrc",
                  set=f"cmrc-{split}") for q in qs]
    return _sample(cases, limit)


def _sample(cases: list[Case], limit: int | None, seed: int = 7) -> list[Case]:
    if limit is None or len(cases) <= limit:
        return cases
    rnd = random.Random(seed)
    return sorted(rnd.sample(cases, limit), key=lambda c: c.id)


def eval_set_cases(spec: str, kb: str = "sets") -> list[Case]:
    """An ``evals/sets`` set (``seed:test``, ``negatives:dev`` …) as cases asked of ``kb``."""
    from jianghua.evals.data import load_set
    es = load_set(spec)
    out = []
    for q in es.queries:
        gold = [r.answer for r in es.qrels_for(q.id)]
        out.append(Case(f"{es.name}:{q.id}", q.text, kb, q.answerable, gold, [dict(t) for t in q.history],
                        kind="redacted" if q.redacted else q.type, set=es.name))
    return out


def cross_cases(split: str, limit: int = 300) -> list[Case]:
    """Questions the knowledge base they are asked of cannot answer: CMRC ``split`` questions asked of the seed and
    genre knowledge bases, and the project's own questions asked of CMRC ``split``'s."""
    out = []
    for c in cmrc_cases(split, limit):
        for kb in CROSS_KBS:
            out.append(Case(f"cross:{kb}:{c.id}", c.question, kb, False, kind="cross-cmrc", set=f"cross-{split}"))
    own_split = "dev" if split == "trial" else "test"
    own = []
    for spec in (f"seed:{own_split}", f"indomain:{own_split}", f"followups:{own_split}"):
        try:
            own += eval_set_cases(spec)
        except Exception as e:        # a set not written yet
            print(f"skipping {spec}: {e}", file=sys.stderr)
    for c in own:
        if c.answerable and not c.history:
            out.append(Case(f"cross:cmrc-{split}:{c.id}", c.question, f"cmrc-{split}", False, kind="cross-own",
                            set=f"cross-{split}"))
    return out


def answer_in(text: str, gold: list[str]) -> bool:
    from jianghua.evals import metrics as M
    body = M.strip_markers(text)
    return any(M.contains(body, g) for g in gold)


def dump(path: Path, rows: list[dict]) -> None:
    from jianghua.index.kb import atomic_write
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def replay(app, case: Case) -> list[dict]:
    """The case's history with the product's own answer after each user turn that has none (``evals.runner``)."""
    from jianghua.evals.runner import replay as _replay
    return _replay(app, case)


def weigh_case(app, case: Case):
    """The chain's state after weighing (normalise, condense, retrieve, rank, decide) for one case."""
    from jianghua.assistant.chain import Turn
    return app.assistant.prepare.invoke(Turn(case.question, replay(app, case)))


def ask_case(app, case: Case) -> dict:
    return app.ask(case.question, history=replay(app, case))
