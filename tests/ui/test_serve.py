"""`jianghua serve`: its flags, and --sample's seeding of an empty knowledge base."""
from __future__ import annotations

import pytest

from jianghua.app import Jianghua
from jianghua.cli import build_parser
from jianghua.cli_serve import seed_samples
from jianghua.settings import Settings


def test_serve_flags(tmp_path):
    args = build_parser().parse_args(["serve", "--kb", str(tmp_path), "--sample", "--port", "8123"])
    assert (args.host, args.port, args.kb, args.sample) == ("127.0.0.1", 8123, tmp_path, True)
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.sample) == ("127.0.0.1", 7860, False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--port", "eighty"])


def test_sample_seeds_only_an_empty_kb(tmp_path):
    app = Jianghua(Settings(kb=tmp_path / "kb", dense_weight=0))
    app.start_background_embedding(poll_seconds=60)    # ingest returns once keyword-searchable
    try:
        seed_samples(app)
        assert len(app.documents()) == 5 and app.index_info()["serving"] == 1
        seed_samples(app)                               # not empty: nothing happens
        assert app.index_info()["head"] == 1
    finally:
        app.stop_background_embedding(timeout=60)
