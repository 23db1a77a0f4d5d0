"""A create's ``meta.created``/``meta.lastModified`` are GLPI's (issue 13, point c).

The answer to ``POST /Users`` carried the bridge's clock, read after GLPI answered,
while GLPI stamps ``date_creation`` with its own clock when the request starts. The
tests make GLPI's answer to the ``POST`` arrive a second and a half late, so the two
clocks can never agree by chance, and a GLPI whose clock is hours off the bridge's.
"""

from __future__ import annotations

import time

import pytest

from app.simulator import state
from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def bridge(glpi_sim):
    return UserBridge(glpi_sim)


def _slow_creates(bridge: UserBridge) -> None:
    """GLPI's answer to each ``POST /User`` or ``/Group`` comes 1.5 s after GLPI wrote."""
    client = bridge.storage.client
    add = client.add

    def slow(itemtype, inputs):
        result = add(itemtype, inputs)
        if itemtype in ("User", "Group"):
            time.sleep(1.5)
        return result

    client.add = slow


def _meta(answer) -> tuple[str, str]:
    return answer.json["meta"]["created"], answer.json["meta"]["lastModified"]


def test_a_user_create_answers_the_dates_glpi_keeps(bridge):
    _slow_creates(bridge)
    bridge.reset_calls()
    created = bridge.post({"userName": "dates.user"})
    assert created.status_code == 201
    # nothing read back (GLPI's configuration, for the default language, is no user read)
    assert [c for c in bridge.calls() if c != ("GET", "/getGlpiConfig")][-1] == ("POST", "/User/")
    read = bridge.get(f"/Users/{created.json['id']}")
    assert _meta(created) == _meta(read)
    row = bridge.glpi_row("User", id=int(created.json["id"]))[0]
    assert row["date_creation"] == row["date_mod"]
    assert created.headers["ETag"] == read.headers["ETag"]


def test_a_group_create_answers_the_dates_glpi_keeps(bridge):
    _slow_creates(bridge)
    member = bridge.create("dates.member")
    for members in ([], [{"value": member["id"]}]):
        created = bridge.request("POST", "/Groups", {
            "schemas": [GROUP_SCHEMA], "displayName": f"dates {len(members)}",
            "members": members})
        assert created.status_code == 201, created.json
        read = bridge.get(f"/Groups/{created.json['id']}")
        assert _meta(created) == _meta(read)


def test_the_dates_follow_glpis_clock_not_the_bridges(bridge, monkeypatch):
    """A GLPI whose clock (or time zone) is two hours ahead: its dates are read as they are,
    so a create must be stamped on that clock too, or it would look older than its update."""
    monkeypatch.setattr(state, "CLOCK_SKEW_SECONDS", 7200)
    created = bridge.post({"userName": "dates.skewed"})
    assert created.status_code == 201
    updated = bridge.patch(created.json["id"], [
        {"op": "replace", "path": "name.familyName", "value": "Later"}])
    read = bridge.get(f"/Users/{created.json['id']}")
    assert _meta(created)[0] == _meta(read)[0]
    assert _meta(read)[0] <= _meta(read)[1]
    assert abs(_epoch(_meta(updated)[1]) - _epoch(_meta(read)[1])) <= 2
    assert abs(_epoch(_meta(created)[0]) - time.time() - 7200) <= 5


def _epoch(text: str) -> float:
    return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone


def test_a_create_with_e_mails_answers_the_date_glpi_stamps_when_it_adds_them(bridge):
    """``User::post_addItem`` adds the e-mails, then sets ``date_mod`` to the request's own
    time, whatever the input said. GLPI here handles the create 1.5 s after it was sent."""
    bridge.sim.fail_next("POST", "/User", status=None, delay_ms=1500, when="before")
    created = bridge.post({"userName": "dates.mail",
                           "emails": [{"value": "dates.mail@example.org", "primary": True}]})
    assert created.status_code == 201, created.json
    read = bridge.get(f"/Users/{created.json['id']}")
    assert _meta(created) == _meta(read)
    row = bridge.glpi_row("User", id=int(created.json["id"]))[0]
    assert row["date_mod"] > row["date_creation"]
