"""Hostile input, handcrafted: no 5xx, an RFC Error body, and GLPI unchanged when refused.

Every row of :data:`tests.stress.hostile_cases.HANDCRAFTED` is sent to the
bridge over a simulator with two tenants; the simulator's digest (every
table, byte for byte) is compared before and after each refused request.
The filter table is in ``test_hostile_filters.py``.
"""

from __future__ import annotations

import json

import pytest

from app.simulator.server import start_simulator
from tests.stress.hostile_cases import HANDCRAFTED
from tests.stress.hostile_cases import Case
from tests.stress.world import OTHER_TOKEN
from tests.stress.world import World


@pytest.fixture(scope="module")
def world():
    running = start_simulator(version="10")
    try:
        yield World(running)
    finally:
        running.stop()


def _raw(world: World, body) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    return world.fill(json.dumps(body)).encode()


def test_there_are_at_least_200_handcrafted_cases() -> None:
    assert len(HANDCRAFTED) >= 200
    assert len({case.name for case in HANDCRAFTED}) == len(HANDCRAFTED)


@pytest.mark.parametrize("case", HANDCRAFTED, ids=lambda case: case.name)
def test_a_hostile_request_is_answered_safely(world: World, case: Case) -> None:
    token = OTHER_TOKEN if case.token == "OTHER" else case.token
    answer = world.ask(
        case.method,
        world.fill(case.path),
        raw=_raw(world, case.body),
        headers=case.headers,
        query=case.query,
        token=token,
        expect=case.expect,
    )
    text = answer.get_data(as_text=True).lower()
    if token is None:
        assert "outsider" not in text, "tenant other's data leaked to acme"
    elif token == OTHER_TOKEN:
        assert "acme.example" not in text, "tenant acme's data leaked to other"
    if answer.status_code == 200 and "totalResults" in text:
        body = answer.get_json()
        for key in ("totalResults", "startIndex", "itemsPerPage"):
            assert isinstance(body[key], int) and not isinstance(body[key], bool), body
