"""Concurrent creates of one displayName leave exactly one group (GLPI itself allows duplicates)."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.config import validate_config
from app.glpi.cache import BackendCaches
from app.glpi.client.items import GlpiClient
from app.glpi.groups.store import GroupStore
from app.glpi.scope import TenantScope
from app.scim.errors import ConflictError
from app.scim.storage import Context
from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import TOKEN
from tests.backend.groups_app import bridge_config
from tests.backend.groups_app import calls
from tests.backend.groups_app import serve_app
from tests.backend.groups_app import served_bridge

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def bridge_url(glpi_sim):
    with serve_app(served_bridge(glpi_sim)) as url:
        yield url


def test_twenty_parallel_posts_create_one_group(glpi_sim, bridge_url):
    sim = glpi_sim.sim
    start = threading.Barrier(20)
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Race Condition"}
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}

    def post(_: int) -> int:
        start.wait(timeout=10)
        return requests.post(
            f"{bridge_url}/Groups", json=body, headers=headers, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(post, range(20)))
    assert sorted(statuses) == [201] + [409] * 19
    assert [g["name"] for g in sim.rows("Group")].count("Race Condition") == 1
    # Each request searched the name once; only the winner wrote, re-checked the name
    # (the in-process lock does not span gunicorn workers); that re-check brings its
    # row, so nothing is read back.
    assert len(calls(sim, "POST", "/Group")) == 1
    assert len(calls(sim, "GET", "/search/Group")) == 20 + 1


def test_workers_without_a_shared_lock_still_leave_one_group(glpi_sim):
    """Gunicorn workers without Redis share no lock: the check after the write decides."""
    settings = validate_config(bridge_config(glpi_sim))
    tenant = settings["tenants"][0]

    @contextlib.contextmanager
    def no_lock(_tenant, _name):
        yield False

    def worker_store() -> GroupStore:
        client = GlpiClient.from_config(tenant["glpi"], name="acme")
        scope = TenantScope(client, tenant, BackendCaches.from_settings(settings))
        return GroupStore(client, tenant, scope, lock=no_lock)

    workers = [worker_store() for _ in range(4)]
    start = threading.Barrier(16)

    def create(index: int) -> str:
        start.wait(timeout=10)
        try:
            workers[index % 4].create(Context(tenant="acme"), {"displayName": "Split Brain"})
        except ConflictError:
            return "409"
        return "201"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(create, range(16)))
    assert sorted(outcomes) == ["201"] + ["409"] * 15
    assert [g["name"] for g in glpi_sim.sim.rows("Group")].count("Split Brain") == 1
