"""An entity created in GLPI after the bridge logged in, on real GLPI 10.0.12 and 11.0.6 (issue 13).

GLPI freezes a session's active entities at login and decides "can view all entities" by
counting them (``Session::canViewAllEntities()``), and ``User::canDeleteItem()`` (also
``canPurgeItem``) is ``canViewAllEntities() || haveAccessToAllOfEntities($this->getEntities())``.
A user the bridge created has its profile row recursive on the tenant's entity (the root
here), so its entities include any new one: the bridge's older session is refused
(``400 ["ERROR_GLPI_DELETE", "You don't have permission to perform this action."]``) and, before
the fix, the IdP got a 502 for every DELETE until the session expired. One new login and the
replay cure it, whatever the age of the session.

An account limited to the tenant's entity (it did not see every entity at login:
``glpishowallentities`` 0) also has every search restricted to the entities of its login
(``Search::addDefaultWhere``): a user an admin put in a sub-entity created since was in no
filter, and its ``POST`` answered 400 (GLPI: "Unable to add. The user already exists.") for as
long as the session lived. ``glpi.session_max_age`` bounds that window, and the refused create
logs in again and looks once more: 409. Those tests make a tenant entity and an account of
their own (logging in with its login and password: GLPI hides API tokens from its API).

The simulator lane runs the same scenarios (``tests/backend/test_new_entity.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.call_counts import SEARCH_USER
from tests.call_counts import age_session
from tests.call_counts import calls_on
from tests.call_counts import warm_up
from tests.glpi.test_client_session import FakeClock
from tests.real.bridge import unique_name

REFUSED = "You don't have permission to perform this action."


def _profile_rows(real_glpi, uid: int) -> list[tuple[int, int]]:
    rows = real_glpi.api.json("GET", f"/User/{uid}/Profile_User") or []
    return [(int(r["entities_id"]), int(r["is_recursive"])) for r in rows]


def test_purge_after_a_new_entity_is_204_and_the_user_is_gone(real_glpi, real_bridge):
    bridge = real_bridge(deprovisioning="purge")
    user = bridge.create(unique_name("ent-purge"))
    uid = int(user["id"])
    assert _profile_rows(real_glpi, uid) == [(0, 1)]
    with bridge.new_entity():
        age_session(bridge)
        bridge.reset_calls()
        answer = bridge.delete(user["id"])
        calls = bridge.calls()
        statuses = [r.status for r in bridge.records()]
    assert answer.status_code == 204, answer.get_json()
    assert calls == calls_on("user.delete.new_entity", real_glpi.major)
    assert statuses == [400, 200, 200]
    assert real_glpi.api.get("User", uid) is None


def test_a_trash_right_after_the_login_logs_in_once_and_lands(real_glpi, real_bridge):
    """The entity appears seconds after the bridge's login: the session is young, yet one new
    login and the replay trash the user (default policy); the interval only bounds repeated
    renewals for rights."""
    bridge = real_bridge()
    user = bridge.create(unique_name("ent-trash"))
    uid = int(user["id"])
    with bridge.new_entity():
        bridge.reset_calls()
        answer = bridge.delete(user["id"])
        calls = bridge.calls()
    assert answer.status_code == 204, answer.get_json()
    assert calls == calls_on("user.delete.new_entity", real_glpi.major)
    assert int(real_glpi.api.get("User", uid)["is_deleted"]) == 1


# -- an account limited to the tenant's entity: its searches see the entities of its login -----

NICKNAMES = ("GET", "/getMultipleItems")
PASSWORD = "Ent-Limited-acct-9!x"


def _profile_id(real_glpi, name: str) -> int:
    return int(real_glpi.api.rows("Profile", name=name)[0]["id"])


@contextlib.contextmanager
def _limited_tenant(real_glpi, real_bridge, **glpi) -> Iterator:
    """A bridge on a new entity ``rl-tenant-*``, logged in as a new account whose only
    profile (Admin) is recursive there; its session's clock is a :class:`FakeClock`
    (``bridge.clock``). Everything is purged afterwards: the bridge's users and groups, the
    account, then the entity."""
    api = real_glpi.api
    with api.entity(unique_name("rl-tenant")) as tenant:
        login = unique_name("rl-acct")
        account = api.json("POST", "/User/", json={"input": {
            "name": login, "password": PASSWORD, "password2": PASSWORD,
            "_profiles_id": _profile_id(real_glpi, "Admin"), "_entities_id": tenant,
            "_is_recursive": 1}})["id"]
        bridge = None
        try:
            bridge = real_bridge(
                entity={"id": tenant, "recursive": True},
                glpi={"user_token": None, "login": login, "password": PASSWORD, **glpi},
            )
            answer = bridge.get("/Users", query_string={"count": 0})
            if answer.status_code != 200 and "CREDENTIALS" in str(answer.get_json()):
                pytest.skip("this GLPI refuses API logins with a login and password")
            assert answer.status_code == 200, answer.get_json()
            warm_up(bridge)
            session = bridge.glpi.session
            bridge.clock = FakeClock()
            session.clock = bridge.clock
            session.renew(session.generation)  # its age now counts on the test's clock
            bridge.tenant_entity = tenant
            yield bridge
        finally:
            if bridge is not None:
                bridge.close()
            api.purge("User", account)


@contextlib.contextmanager
def _moved_user(real_glpi, parent: int) -> Iterator[tuple[str, int]]:
    """A sub-entity of ``parent`` created now by GLPI's administrator, and a user there whose
    only profile row is in it (as an admin creates or moves one): ``(login, id)``."""
    api = real_glpi.api
    with api.entity(unique_name("rl-sub"), parent) as sub:
        login = unique_name("rl-moved")
        uid = api.json("POST", "/User/", json={"input": {
            "name": login, "authtype": 4, "_profiles_id": _profile_id(real_glpi, "Self-Service"),
            "_entities_id": sub, "_is_recursive": 0}})["id"]
        try:
            yield login, int(uid)
        finally:
            api.purge("User", uid)


def test_a_user_of_a_sub_entity_created_since_the_login_is_found_after_the_max_age(
    real_glpi, real_bridge
):
    with _limited_tenant(real_glpi, real_bridge, session_max_age=60) as bridge, \
            _moved_user(real_glpi, bridge.tenant_entity) as (login, uid):
        assert bridge.find(login) == []  # the window: GLPI searches the login's entities
        bridge.clock.now += 60
        bridge.reset_calls()
        found = bridge.find(login)
        calls = bridge.calls()
        assert [u["id"] for u in found] == [str(uid)]
        assert calls == [("GET", "/initSession"), SEARCH_USER, NICKNAMES]


def test_a_create_of_that_login_is_409_after_one_new_login_not_400(real_glpi, real_bridge):
    """The IdP's filter misses the user, so it posts it: GLPI's unique key refuses the
    create, and so the bridge logs in again, finds the user and answers 409 (400 before, for
    as long as the session lived); no second GLPI user, and the next filter finds it."""
    with _limited_tenant(real_glpi, real_bridge) as bridge, \
            _moved_user(real_glpi, bridge.tenant_entity) as (login, uid):
        bridge.reset_calls()
        answer = bridge.post({"userName": login})
        calls = bridge.calls()
        statuses = [r.status for r in bridge.records() if r.endpoint == "/User/"]
        if answer.status_code == 201:
            bridge.adopt("User", answer.get_json()["id"])
        assert answer.status_code == 409, answer.get_json()
        assert answer.get_json()["scimType"] == "uniqueness"
        assert calls == calls_on("user.create.new_entity", real_glpi.major)
        assert statuses == [400]
        assert [int(r["id"]) for r in real_glpi.api.rows("User", name=login)] == [uid]
        bridge.reset_calls()
        assert [u["id"] for u in bridge.find(login)] == [str(uid)]
        assert bridge.calls() == [SEARCH_USER, NICKNAMES]
