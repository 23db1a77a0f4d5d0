"""A create GLPI cut short (user written, no profile row) is finished by the IdP's retry, on the
simulator (GLPI 10 and 11). The simulator has no cut inside one call (its faults fail a whole
call), so the state a cut leaves is seeded; the real lane makes GLPI cut its own create
(``tests/real/test_divergences.py``, and the conditions in ``tests/glpi/test_user_adoption.py``)."""

from __future__ import annotations

import pytest

from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")


def _static_rows(sim, user_id):
    return [
        (r["profiles_id"], r["entities_id"], r["is_recursive"], r["is_dynamic"])
        for r in sim.rows("Profile_User")
        if r["users_id"] == user_id
    ]


def test_the_retry_finishes_a_user_left_without_profile(glpi_sim):
    bridge = UserBridge(glpi_sim)
    sim = bridge.sim
    uid = sim.seed_user(name="cut.short", authtype=4, entities_id=0, _profile=None)
    assert _static_rows(sim, uid) == []
    body = {"userName": "cut.short",
            "emails": [{"value": "cut.short@example.org", "type": "work", "primary": True}]}
    answer = bridge.post(body)
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] == str(uid)
    assert _static_rows(sim, uid) == [(1, 0, 1, 0)]
    assert [e["email"] for e in sim.rows("UserEmail") if e["users_id"] == uid] == [
        "cut.short@example.org"
    ]
    assert [u["id"] for u in bridge.find("cut.short")] == [str(uid)]
    assert bridge.post(body).status_code == 409
