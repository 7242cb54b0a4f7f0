"""Evaluation and promotion endpoints: ``POST /api/eval``, ``POST /api/index/promote|rollback`` and
``GET /api/index/versions``. Evaluating and promoting (which evaluates through the gate) take tens of seconds: they
run in the threadpool, one at a time (a second one gets 409). Writes and evaluations need the API key when one is
configured."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from evals.data import SETS_DIR
from jianghua.app import Jianghua
from ui import models as m
from ui.api import get_app
from ui.security import WRITE, require_read, require_write

router = APIRouter(prefix="/api", tags=["评测"], dependencies=[Depends(require_read)], responses=m.ERRORS)


@router.post("/eval", response_model=m.EvalResponse, dependencies=[Depends(require_write)],
             openapi_extra=WRITE)
async def evaluate(body: m.EvalRequest | None = None, app: Jianghua = Depends(get_app)):
    """Evaluate a version on the evaluation set and, with ``against``, compare it with another one."""
    body = body or m.EvalRequest()
    set_path = None if body.set is None else SETS_DIR / body.set
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


@router.get("/index/versions", response_model=m.VersionList)
def versions(app: Jianghua = Depends(get_app)):
    return {"versions": app.versions()}
