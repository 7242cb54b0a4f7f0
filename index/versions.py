"""Version operations: list, promote (through the evaluation gate), rollback, prune.

Promotion and rollback are one write of the ``serving`` state row (atomic); readers see the old or the new
version, never a mix. A running server notices the change on its next request.
"""
from __future__ import annotations

from typing import Callable

from jianghua.index.kb import KnowledgeBase, now
from jianghua.errors import GateError, VersionError

# The gate: a function (kb, candidate, serving, progress) -> (ok, report dict), handed in by the caller (the
# application object hands ``evals.gate.run_gate``); storage never imports the evaluator.
Gate = Callable[[KnowledgeBase, int, int, bool], tuple[bool, dict]]


def list_versions(kb: KnowledgeBase) -> list[dict]:
    serving = kb.serving()
    out = []
    for v in kb.store.versions():
        v["serving"] = v["version"] == serving
        out.append(v)
    return out


def promote(kb: KnowledgeBase, version: int | str | None = None, force: bool = False, progress: bool = False,
            gate: Gate | None = None) -> dict:
    """Serve ``version`` (default: the newest) if ``gate`` passes it against the serving version. The first
    version of an empty knowledge base needs no gate; any later one does (``force`` still runs it, to record)."""
    target = kb.resolve("head" if version is None else version)
    serving = kb.serving()
    if serving == target:
        raise VersionError(f"version {target} is already serving")
    report: dict = {"candidate": target, "serving_before": serving, "forced": False}
    if serving is not None:
        if gate is None:
            raise VersionError(f"promoting version {target} over version {serving} needs an evaluation gate")
        ok, result = gate(kb, target, serving, progress)
        report["gate"] = result
        if not ok and not force:
            raise GateError(result.get("message", f"version {target} regressed against version {serving}"), result)
        report["forced"] = not ok and force
    with kb.store.transaction() as c:         # serving and history read inside: another writer may have moved them
        now_serving = kb.store.get_state("serving")
        if now_serving != serving:
            raise VersionError(f"服务版本在评测期间被另一个进程从 {serving} 改成了 {now_serving}：请重新提升版本 {target}")
        history = kb.store.get_state("history", [])
        if serving is not None:
            history.append(serving)
        kb.store.set_state(c, "history", history[-50:])
        kb.store.set_state(c, "serving", target)
        kb.store.record_eval(c, target, {"promoted": now(), "forced": report["forced"], "gate": report.get("gate")})
    kb.write_manifest()
    report["serving"] = target
    return report


def rollback(kb: KnowledgeBase) -> dict:
    """Serve the version that served before the last promotion."""
    with kb.store.transaction() as c:
        history = kb.store.get_state("history", [])
        if not history:
            raise VersionError("nothing to roll back to: no earlier serving version")
        prev = history[-1]
        current = kb.store.get_state("serving")
        kb.store.set_state(c, "history", history[:-1])
        kb.store.set_state(c, "serving", prev)
    kb.write_manifest()
    return {"serving": prev, "serving_before": current}


def prune(kb: KnowledgeBase, keep: int) -> dict:
    """Delete all but the newest ``keep`` versions (never the serving one) and the data only they used."""
    if keep < 1:
        raise VersionError("--keep must be at least 1")
    with kb.store.transaction() as c:         # which versions to keep: decided on the newest state
        versions = [v["version"] for v in kb.store.versions()]
        serving = kb.serving()
        kept = set(versions[-keep:]) | ({serving} if serving is not None else set())
        drop = [v for v in versions if v not in kept]
        kb.store.set_state(c, "history", [h for h in kb.store.get_state("history", []) if h in kept])
        n_chunks, n_docs, n_vec = kb.store.drop_versions(c, drop)
    if n_vec or drop:       # FAISS drops the deleted vectors; a Milvus collection the spans of the pruned versions
        if kb.mirror.refresh(full=True):
            kb.mirror.save()
    kb.store.checkpoint()
    kb.write_manifest()
    return {"removed_versions": drop, "kept": sorted(kept), "chunks_deleted": n_chunks, "documents_deleted": n_docs,
            "vectors_deleted": n_vec}
