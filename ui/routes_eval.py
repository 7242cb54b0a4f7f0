"""Evaluation and promotion endpoints — the place for ``POST /api/index/promote`` and ``POST /api/eval``.

Both write (or gate) the serving version, so each route here takes ``dependencies=[Depends(require_write)]``.
The router is already mounted by ``ui.server.create_app``; it has no routes yet.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ui.models import ERRORS
from ui.security import require_read

router = APIRouter(prefix="/api", tags=["评测"], dependencies=[Depends(require_read)], responses=ERRORS)
