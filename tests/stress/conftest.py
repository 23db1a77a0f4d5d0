"""Fixtures of the stress tests: a real redis-server (shared with the operations tests)."""

from __future__ import annotations

from tests.ops.conftest import redis_url  # noqa: F401  (the fixture, for the race tests)
