"""Schemathesis over the OpenAPI schema (every operation, valid and invalid inputs, a bounded number of examples):
no input makes the API answer 5xx, and every error has the one shape. The schema is served by the real application
over a copy of the seed knowledge base."""
from __future__ import annotations

import shutil

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from tests.ui.conftest import settings_for

# evaluating and promoting run the evaluation set (seconds each): fewer examples there
COSTLY = r"^/api/(eval|eval/review|eval/accept|index/promote)$"


@pytest.fixture(scope="module")
def api_schema(seed_kb_dir, tmp_path_factory):
    from jianghua.ui.server import create_app
    kb = tmp_path_factory.mktemp("schemathesis") / "kb"
    shutil.copytree(seed_kb_dir, kb)
    app = create_app(settings_for(kb), page=False, background_embedding=False)
    with TestClient(app):                                    # runs the lifespan: the application is open
        loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
        loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                        deterministic=True)
        yield loaded


schema = schemathesis.pytest.from_fixture("api_schema")


def check(case) -> None:
    r = case.call()
    assert r.status_code < 500, (case.method, case.path, case.body, r.text[:300])
    ctype = r.headers.get("content-type") or [""]
    if r.status_code >= 400 and (ctype[0] if isinstance(ctype, list) else ctype).startswith("application/json"):
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body


@schema.exclude(path_regex=COSTLY).parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case):
    check(case)


@schema.include(path_regex=COSTLY).parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_evaluating(case):
    check(case)
