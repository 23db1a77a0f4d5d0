"""``POST /Groups`` call budget: an empty group's answer reads no ``Group_User`` (GLPI 10, 11)."""

from __future__ import annotations

import pytest

from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import Scim
from tests.backend.groups_app import call_sequence
from tests.backend.groups_app import calls
from tests.backend.groups_app import seed_users
from tests.backend.groups_app import served_bridge
from tests.call_counts import CALLS

pytestmark = pytest.mark.glpi_versions("10", "11")


def test_empty_group_create_takes_four_calls_and_no_member_read(glpi_sim) -> None:
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Warm-up"})
    sim.reset_calls()
    created = scim.post(
        "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Empty", "externalId": "ext-empty"}
    )
    assert created.status_code == 201, created.json
    assert created.json["displayName"] == "Empty" and created.json["externalId"] == "ext-empty"
    assert "members" not in created.json
    # uniqueness search, POST /Group, the check after the write (no Redis), the read back
    assert call_sequence(sim) == list(CALLS["group.create"].calls)
    assert len(CALLS["group.create"].calls) == 4
    assert calls(sim, contains="Group_User") == []


def test_group_created_with_members_answers_them(glpi_sim) -> None:
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    users = seed_users(sim, 2)
    created = scim.post(
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Full",
            "members": [{"value": str(u)} for u in users],
        },
    )
    assert created.status_code == 201, created.json
    assert sorted(m["value"] for m in created.json["members"]) == sorted(str(u) for u in users)
