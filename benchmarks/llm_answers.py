"""Answers from a real language model, checked: how many of its sentences end up cited by a passage that supports them.

    python benchmarks/llm_answers.py [--set seed:test] [--limit N] [--base-url URL --model NAME]

Asks the questions of an eval set (default: the seed set's test half; tune on ``seed:dev``) of the seed knowledge
base with the ``openai`` generator. Without ``--base-url`` it starts the llama.cpp test model that ``.ci/llm.sh``
provides (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) on a loopback port. For each answer that was not declined it counts the
answer sentences (template lines such as the decline sentence excluded), those cited by a passage that supports them,
those of them whose passages also hold the question's content and asked kind (``relevant``), those flagged and how
many 〔未经资料证实〕 marks the answer text shows (must equal the flagged), the citations the model wrote and those
attributed after the fact, and the numbers that appear in no cited passage and are not flagged (must be 0). Prints the totals and writes ``benchmarks/results/llm_answers.json``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

OUT = _HERE / "results" / "llm_answers.json"
NUMBER = re.compile(r"\d+(?:\.\d+)?")
LIST_NUMBER = re.compile(r"^\s*\d{1,2}[.、．]\s*(?!\d)")      # "2. **加强督查**：…" numbers an item; it claims nothing


def _server(args):
    """(base_url, model, stop): the given server, or the test model started here."""
    if args.base_url:
        return args.base_url, args.model, lambda: None
    from tests.llm_server import _stop, find_model, start_server
    model = find_model()
    if model is None:
        raise SystemExit("no test model: run `bash .ci/llm.sh` first, or pass --base-url and --model")
    proc, server = start_server(model)
    print(f"llama.cpp server up in {server.startup_s:.1f} s at {server.base_url}", file=sys.stderr)
    return server.base_url, server.model, lambda: _stop(proc)


def check(r: dict) -> dict:
    """The counts for one response."""
    from jianghua.assistant.chain import UNSUPPORTED_MARK
    sents = [s for s in r["sentences"] if "template" not in s["flags"]]
    cited_ok = [s for s in sents if s["supported"] and s["citations"]]
    quotes = {c["n"]: c["quote"] for c in r["citations"]}
    unflagged_numbers = 0
    for s in sents:
        if not s["supported"]:
            continue
        sources = "".join(quotes.get(n, "") for n in s["citations"])
        text = LIST_NUMBER.sub("", re.sub(r"\[\d+\]", "", s["text"]))
        unflagged_numbers += sum(1 for x in NUMBER.findall(text) if x not in sources)
    origins = [c.get("origin") for c in r["citations"]]
    relevant = [s for s in cited_ok if s.get("relevant", True) and "answer_type_missing" not in s["flags"]]
    return {"sentences": len(sents), "cited_supported": len(cited_ok), "cited_supported_relevant": len(relevant),
            "flagged": len(sents) - len(cited_ok),
            # every sentence not cited-and-supported must be visibly marked in the answer text
            "marked_in_text": r["answer"].count(UNSUPPORTED_MARK),
            "model_citations": origins.count("model"), "attributed_citations": origins.count("attributed"),
            "unflagged_numbers": unflagged_numbers}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="seed:test")
    ap.add_argument("--limit", type=int, default=None, help="first N questions only")
    ap.add_argument("--base-url", default=None)
    ap.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    from benchmarks import answer_data as A
    from jianghua.app import Jianghua
    from jianghua.evals.metrics import contains, strip_markers
    A.build_kb("seed", progress=False)
    cases = [c for c in A.eval_set_cases(args.set, kb="seed") if not c.history][:args.limit]
    base_url, model, stop = _server(args)
    rows = []
    try:
        settings = A.kb_settings("seed").with_(generator="openai", openai_base_url=base_url, openai_model=model,
                                               max_tokens=args.max_tokens, openai_timeout=900.0, temperature=0.0)
        app = Jianghua(settings, create=False)
        try:
            from tqdm import tqdm
        except ImportError:
            def tqdm(x, **_):
                return x
        for c in tqdm(cases, desc="提问", unit="题"):
            t0 = time.perf_counter()
            r = app.ask(c.question, history=[])
            row = {"id": c.id, "answerable": c.answerable, "declined": bool(r["trace"].get("declined")),
                   "seconds": round(time.perf_counter() - t0, 2), "answer": r["answer"]}
            if not row["declined"]:
                row.update(check(r))
                row["checks"] = [{"text": s["text"], "support": s["support"], "flags": s["flags"]}
                                 for s in r["sentences"]]
                row["gold_in_answer"] = bool(c.gold) and any(contains(strip_markers(r["answer"]), g)
                                                             for g in c.gold)
            rows.append(row)
    finally:
        stop()

    answered = [r for r in rows if not r["declined"]]
    total = {k: sum(r[k] for r in answered) for k in ("sentences", "cited_supported", "cited_supported_relevant",
                                                      "flagged", "marked_in_text", "model_citations",
                                                      "attributed_citations", "unflagged_numbers")}
    total["cited_supported_share"] = round(total["cited_supported"] / total["sentences"], 3) if total["sentences"] else None
    summary = {"questions": len(rows), "answered": len(answered),
               "declined_answerable": sum(r["declined"] for r in rows if r["answerable"]),
               "declined_unanswerable": sum(r["declined"] for r in rows if not r["answerable"]),
               "gold_in_answer": sum(bool(r.get("gold_in_answer")) for r in answered if r["answerable"]),
               "seconds_median": statistics.median(r["seconds"] for r in rows) if rows else None, **total}
    for k, v in summary.items():
        print(f"{k}: {v}")
    result = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "load_average": [round(x, 1) for x in os.getloadavg()], "set": args.set, "model": model,
              "prompt": "prompts/answer.txt", "max_tokens": args.max_tokens, "temperature": 0.0,
              "summary": summary, "rows": rows}
    from jianghua.index.kb import atomic_write
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
