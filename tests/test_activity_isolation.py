"""The tests and the sandbox keep their own activity history (issue 15 §4).

An operator's ``serve`` writes its events to ``activity.path`` or, when it is
null, to :func:`app.activity.default_path`. The suite must never open that
file: ``tests/conftest.py`` watches every ``SqliteStore`` opened and errors
the test after which it was; the sandbox (a subprocess) is checked in
``tests/test_sandbox.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from app import activity
from app.activity.store import SqliteStore
from tests import conftest


def _settings(**activity_cfg) -> dict:
    """The sections :func:`app.activity.build_store` reads, with the schema's defaults."""
    return {"activity": {"path": None, "max_age_days": 30, "max_events": 100_000, **activity_cfg},
            "redis": {"url": None}}


def test_the_operators_default_is_resolved_before_the_run_moves_the_temp_dir():
    assert conftest.OPERATOR_ACTIVITY is not None
    assert conftest.OPERATOR_ACTIVITY.name == "activity.sqlite"
    assert conftest.OPERATOR_ACTIVITY != activity.default_path().resolve()


def test_an_app_left_on_the_default_path_writes_in_this_runs_temp_dir():
    store = activity.build_store(_settings())
    assert Path(store.path).resolve() != conftest.OPERATOR_ACTIVITY
    assert Path(store.path).is_relative_to(Path(tempfile.gettempdir()))
    assert Path(store.path).resolve() in conftest.ACTIVITY_OPENED  # the watch is on


def test_serve_keeps_the_configured_path(tmp_path):
    path = tmp_path / "mine.sqlite"
    assert activity.build_store(_settings(path=str(path))).path == str(path)


def test_the_watch_catches_a_store_on_the_operators_path(monkeypatch, tmp_path):
    """What the autouse check relies on: a store opened on the operator's path is noted."""
    fake = tmp_path / "operator" / "activity.sqlite"
    monkeypatch.setattr(conftest, "OPERATOR_ACTIVITY", fake.resolve())
    monkeypatch.setattr(conftest, "ACTIVITY_OPENED", set())
    SqliteStore(fake)
    assert conftest.OPERATOR_ACTIVITY in conftest.ACTIVITY_OPENED
    with pytest.raises(AssertionError, match="operator's activity file"):
        check = conftest._never_the_operators_activity_file.__wrapped__()
        next(check)
        next(check, None)
