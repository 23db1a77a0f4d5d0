"""An entity created in GLPI after the bridge logged in (issue 13): GLPI 10.0.12 and 11.0.6
freeze a session's active entities at login and count them in
``Session::canViewAllEntities()``, so the bridge's older session may no longer purge a user
(``User::canDeleteItem``). The bridge logs in again once and replays the refused call
(``app.glpi.client.session``); the simulator refuses as GLPI does (``app.simulator.writes``).

A bridge whose account is limited to the tenant's entity (it did not see every entity at
login: ``glpishowallentities`` 0) also has its searches restricted to the entities frozen at
login: a user an admin put in a sub-entity created since is in no filter. The session's
maximum age (``glpi.session_max_age``) bounds that window, and a create GLPI refuses for a
login no search shows logs in again and looks once more (``app.glpi.users.conflicts``).
The real lane runs the same scenarios: ``tests/real/test_entities.py``.
"""

from __future__ import annotations

import pytest

from tests.backend.users_app import UserBridge
from tests.call_counts import SEARCH_USER
from tests.call_counts import age_session
from tests.call_counts import calls_on
from tests.call_counts import warm_up
from tests.glpi.test_client_session import FakeClock

pytestmark = pytest.mark.glpi_versions("10", "11")

REFUSED = "You don't have permission to perform this action."


@pytest.fixture
def bridge(glpi_sim):
    bridge = UserBridge(glpi_sim, deprovisioning="purge")
    warm_up(bridge)
    return bridge


def test_purge_after_a_new_entity_is_204_and_the_user_is_gone(bridge, glpi_version):
    user = bridge.create("purged.after.entity", emails=[{"value": "p@x.org", "primary": True}])
    uid = int(user["id"])
    assert bridge.glpi_row("Profile_User", users_id=uid, entities_id=0, is_recursive=1)
    with bridge.new_entity("Created by an admin"):
        age_session(bridge)
        bridge.reset_calls()
        answer = bridge.delete(user["id"])
        calls = bridge.calls()
    assert answer.status_code == 204, answer.json
    assert calls == calls_on("user.delete.new_entity", glpi_version) == [
        ("DELETE", "/User/:id"), ("GET", "/initSession"), ("DELETE", "/User/:id")
    ]
    assert [c.status for c in bridge.sim.calls] == [400, 200, 200]
    for itemtype in ("User", "Profile_User", "UserEmail"):
        key = "id" if itemtype == "User" else "users_id"
        assert bridge.glpi_row(itemtype, **{key: uid}) == [], itemtype
    assert bridge.get(f"/Users/{user['id']}").status_code == 404


def test_without_a_new_entity_a_purge_is_one_call(bridge):
    """The replay is only on the refused path: an ordinary purge by an old session is one call."""
    user = bridge.create("purged.plainly")
    age_session(bridge)
    bridge.reset_calls()
    assert bridge.delete(user["id"]).status_code == 204
    assert bridge.calls() == [("DELETE", "/User/:id")]


def _refused_as_today(answer) -> None:
    assert answer.status_code == 502, (answer.status_code, answer.data)
    assert answer.json["detail"] == f"GLPI refused DELETE /User/:id: {REFUSED}"


def test_a_refusal_right_after_the_login_is_cured_too(bridge, glpi_version):
    """The interval runs from the last renewal for rights, not from the login: an entity
    created seconds after the bridge logged in is met with one login and the replay too."""
    user = bridge.create("refused.young")
    with bridge.new_entity("Created after the login"):
        bridge.reset_calls()
        answer = bridge.delete(user["id"])
        calls = bridge.calls()
    assert answer.status_code == 204, answer.json
    assert calls == calls_on("user.delete.new_entity", glpi_version)
    assert bridge.glpi_row("User", id=int(user["id"])) == []


def test_a_refusal_that_persists_after_the_new_login_is_todays_error(glpi_sim, glpi_version):
    """A sub-entity tenant's account may not purge a user who also has a profile outside its
    entity (``haveAccessToAllOfEntities`` fails in every session): one new login and one replay,
    then GLPI's refusal as before; the next refusal within the interval makes no login."""
    sim = glpi_sim.sim
    child = _entity(glpi_sim, "Tenant")
    token = sim.add_user_token("child.admin", profile=4, entity=child, recursive=True)
    glpi = {"url": glpi_sim.url, "app_token": glpi_sim.app_token, "user_token": token,
            "version": glpi_version}
    bridge = UserBridge(glpi_sim, deprovisioning="purge", entity={"id": child}, glpi=glpi)
    warm_up(bridge)
    uid = sim.seed_user(name="two.entities", _profile=1, _entity=child)
    sim.insert("Profile_User", {"id": None, "users_id": uid, "profiles_id": 1,
                                "entities_id": 0, "is_recursive": 0, "is_dynamic": 0,
                                "is_default_profile": 0})
    age_session(bridge)
    bridge.reset_calls()
    first = bridge.delete(str(uid))
    first_calls = bridge.calls()
    bridge.reset_calls()
    second = bridge.delete(str(uid))
    _refused_as_today(first)
    _refused_as_today(second)
    today = [SEARCH_USER, ("DELETE", "/User/:id"), SEARCH_USER]
    assert first_calls == today[:2] + [("GET", "/initSession"), ("DELETE", "/User/:id")] + today[2:]
    assert bridge.calls() == today
    assert bridge.glpi_row("User", id=uid)


def _entity(running, name: str) -> int:
    from app.glpi.client.items import GlpiClient

    admin = GlpiClient(running.url, app_token=running.app_token, user_token=running.user_token)
    try:
        return int(admin.add("Entity", {"name": name, "entities_id": 0}))
    finally:
        admin.close()


# -- a tenant on a sub-entity, its account limited to it: searches see the entities of the login --

NICKNAMES = ("GET", "/getMultipleItems")


@pytest.fixture
def limited(glpi_sim, glpi_version):
    """A bridge on entity ``Tenant``, as an account with a recursive profile there only."""
    sim = glpi_sim.sim
    tenant = _entity(glpi_sim, "Tenant")
    token = sim.add_user_token("tenant.admin", profile=4, entity=tenant, recursive=True)
    glpi = {"url": glpi_sim.url, "app_token": glpi_sim.app_token, "user_token": token,
            "version": glpi_version}
    bridge = UserBridge(glpi_sim, entity={"id": tenant, "recursive": True}, glpi=glpi)
    warm_up(bridge)
    bridge.tenant_entity = tenant
    bridge.clock = FakeClock()
    bridge.storage.client.session.clock = bridge.clock
    bridge.storage.client.session.renew(bridge.storage.client.session.generation)
    return bridge


def _moved_user(bridge, login: str, entity: int) -> int:
    """A user an admin created (or moved) in ``entity``: its only profile row is there."""
    return bridge.sim.seed_user(name=login, authtype=4, _profile=1, _entity=entity)


def test_a_user_of_a_sub_entity_created_since_the_login_is_found_after_the_max_age(limited):
    with limited.new_entity("Sub", parent=limited.tenant_entity) as sub:
        uid = _moved_user(limited, "moved.user", sub)
        # within the session's age, GLPI's search does not show it (the window) ...
        assert limited.find("moved.user") == []
        limited.clock.now += 300
        limited.reset_calls()
        found = limited.find("moved.user")
        calls = limited.calls()
    # ... and the first call past glpi.session_max_age logs in again first
    assert [u["id"] for u in found] == [str(uid)]
    assert calls == [("GET", "/initSession"), SEARCH_USER, NICKNAMES]


def test_a_create_of_that_login_is_409_after_one_new_login_not_400(limited, glpi_version):
    """Before: GLPI's "Unable to add. The user already exists." for a login no search showed
    was the IdP's 400 (after 200 empty), for as long as the session lived."""
    with limited.new_entity("Sub", parent=limited.tenant_entity) as sub:
        uid = _moved_user(limited, "moved.user", sub)
        limited.reset_calls()
        answer = limited.post({"userName": "moved.user"})
        calls = limited.calls()
        statuses = [c.status for c in limited.sim.calls if c.path.endswith("/User/")]
        limited.reset_calls()
        found = limited.find("moved.user")
        after = limited.calls()
    assert answer.status_code == 409, answer.json
    assert answer.json["scimType"] == "uniqueness"
    assert calls == calls_on("user.create.new_entity", glpi_version)
    assert statuses == [400]
    assert [u["id"] for u in found] == [str(uid)]
    assert after == [SEARCH_USER, NICKNAMES]
    assert [r["id"] for r in limited.glpi_row("User", name="moved.user")] == [uid]


def test_a_root_account_searches_every_entity_and_makes_no_login(bridge):
    """GLPI's search skips its entity restriction for a session that saw every entity at login
    (``glpishowallentities``), though ``canViewAllEntities`` now counts one more: the filter
    finds the user at once; only its nickname read (``getMultipleItems``, 403) logs in again,
    as any call refused for rights."""
    with bridge.new_entity("Sub") as sub:
        uid = _moved_user(bridge, "seen.user", sub)
        age_session(bridge)
        bridge.reset_calls()
        found = bridge.find("seen.user")
        calls = bridge.calls()
    assert [u["id"] for u in found] == [str(uid)]
    assert calls == [SEARCH_USER, NICKNAMES, ("GET", "/initSession"), NICKNAMES]
