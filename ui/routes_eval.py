"""Evaluation and promotion endpoints: ``POST /api/eval``, ``POST /api/index/promote|rollback`` and
``GET /api/index/versions``; the review of an update: ``POST /api/eval/review``, ``POST /api/eval/accept``,
``GET /api/eval/accepted``. Evaluating and promoting (which evaluates through the gate) take tens of seconds: they
run in the threadpool, one at a time (a second one gets 409). Writes and evaluations need the API key when one is
configured."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from jianghua.app import Jianghua
from jianghua.ui import models as m
from jianghua.ui.api import get_app
from jianghua.ui.security import WRITE, require_read, require_write

router = APIRouter(prefix="/api", tags=["评测"], dependencies=[Depends(require_read)], responses=m.ERRORS)


@router.post("/eval", response_model=m.EvalResponse, dependencies=[Depends(require_write)],
             openapi_extra=WRITE)
async def evaluate(body: m.EvalRequest | None = None, app: Jianghua = Depends(get_app)):
    """Evaluate a version on the evaluation set and, with ``against``, compare it with another one."""
    body = body or m.EvalRequest()
    set_path = None if body.set is None else app.bundled_set(body.set)
    return await run_in_threadpool(app.evaluate, body.version, body.against, set_path)


@router.post("/index/promote", response_model=m.PromoteResponse, dependencies=[Depends(require_write)],
             openapi_extra=WRITE)
async def promote(body: m.PromoteRequest | None = None, app: Jianghua = Depends(get_app)):
    """Serve a version (default: the newest) if it passes the gate against the serving one; 409 with the dropped
    metrics if it does not (``force: true`` overrides)."""
    body = body or m.PromoteRequest()
    return await run_in_threadpool(app.promote, body.version, body.force)


@router.post("/index/rollback", response_model=m.RollbackResponse, dependencies=[Depends(require_write)],
             openapi_extra=WRITE)
def rollback(app: Jianghua = Depends(get_app)):
    """Serve the version that served before the last promotion."""
    return app.rollback()


def _review(app: Jianghua, body: m.ReviewRequest) -> dict:
    return app.review("head" if body.version is None else body.version,
                      "serving" if body.against is None else body.against)


@router.post("/eval/review", response_model=m.ReviewResponse, dependencies=[Depends(require_write)],
             openapi_extra=WRITE)
async def review(body: m.ReviewRequest | None = None, app: Jianghua = Depends(get_app)):
    """Evaluate the candidate against the baseline question by question: the documents it changes and every
    question it answers differently (``added_documents``: the new documents its new answer cites)."""
    return await run_in_threadpool(_review, app, body or m.ReviewRequest())


@router.post("/eval/accept", response_model=m.AcceptResponse, dependencies=[Depends(require_write)],
             openapi_extra=WRITE)
async def accept(body: m.AcceptRequest, app: Jianghua = Depends(get_app)):
    """Accept the candidate's answers to ``query_ids`` (questions whose outcome changed) as their new gold for this
    knowledge base, recorded with ``reviewer`` and the time; then evaluate again. 400 for a question that did not
    change."""
    return await run_in_threadpool(lambda: app.accept(_review(app, body), body.query_ids, body.reviewer))


@router.get("/eval/accepted")
def accepted_golds(app: Jianghua = Depends(get_app)) -> dict:
    """Every gold a reviewer accepted for this knowledge base, oldest first."""
    return {"accepted": app.accepted_golds()}


@router.get("/index/versions", response_model=m.VersionList)
def versions(app: Jianghua = Depends(get_app)):
    return {"versions": app.versions()}
