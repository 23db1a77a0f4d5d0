"""The GLPI call budget of each SCIM User operation (issue 4, "Call counts"), in GLPI 10 and 11.

With the default mapping ``displayName`` lives in ``nickname``, which a search
cannot show: a read that answers users adds one ``getMultipleItems``
(issue 15; per mapping in ``test_display_name.py``).
"""

from __future__ import annotations

import pytest

from tests.backend.users_app import UserBridge
from tests.backend.users_app import glpi_calls
from tests.backend.users_app import visible_users
from tests.call_counts import expected

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def bridge(glpi_sim):
    bridge = UserBridge(glpi_sim)
    bridge.warm_up()
    return bridge


NICKNAMES = ("GET", "/getMultipleItems")


def test_get_by_id_is_one_search_and_the_nickname(bridge):
    user = bridge.create("calls.get", emails=[{"value": "g@x.org", "primary": True}])
    bridge.sim.reset_calls()
    answer = bridge.get(f"/Users/{user['id']}")
    assert answer.status_code == 200
    assert answer.json["emails"] == [{"value": "g@x.org", "type": "work", "primary": True}]
    assert glpi_calls(bridge.sim) == expected("user.get") == [("GET", "/search/User"), NICKNAMES]


@pytest.mark.parametrize(
    ("login", "calls"),
    [("calls.hit", [("GET", "/search/User"), NICKNAMES]), ("calls.miss", [("GET", "/search/User")])],
)
def test_username_filter_is_one_search_and_a_hit_its_nickname(bridge, login, calls):
    bridge.create("calls.hit")
    bridge.sim.reset_calls()
    found = bridge.find(login)
    assert len(found) == (1 if login == "calls.hit" else 0)
    key = "user.filter.hit" if login == "calls.hit" else "user.filter.miss"
    assert glpi_calls(bridge.sim) == expected(key) == calls


def test_post_is_a_login_check_and_one_create_with_emails_and_static_profile(bridge):
    """GLPI's unique key includes the authtype, so the login is looked up first (any
    authtype), among live users and in the trash."""
    answer = bridge.post(
        {
            "userName": "calls.post",
            "emails": [{"value": "p@x.org", "primary": True}, {"value": "q@x.org"}],
        }
    )
    assert answer.status_code == 201
    assert glpi_calls(bridge.sim) == expected("user.create", answer.json["id"])
    assert expected("user.create") == [
        ("GET", "/search/User"), ("GET", "/search/User"), ("POST", "/User/"), ("GET", "/User/:id")]
    uid = int(answer.json["id"])
    assert {r["email"]: r["is_default"] for r in bridge.glpi_row("UserEmail", users_id=uid)} == {
        "p@x.org": 1,
        "q@x.org": 0,
    }
    assert [
        (r["profiles_id"], r["entities_id"], r["is_dynamic"])
        for r in bridge.glpi_row("Profile_User", users_id=uid)
    ] == [(1, 0, 0)]


def test_patch_active_is_the_read_and_one_put(bridge):
    user = bridge.create("calls.patch")
    bridge.sim.reset_calls()
    answer = bridge.patch(user["id"], [{"op": "Replace", "path": "active", "value": "False"}])
    assert answer.status_code == 200
    assert answer.json["active"] is False
    assert glpi_calls(bridge.sim) == expected("user.patch.active", user["id"]) == [
        ("GET", "/search/User"),
        NICKNAMES,
        ("PUT", f"/User/{user['id']}"),
    ]


def test_delete_is_one_call(bridge):
    user = bridge.create("calls.delete")
    bridge.sim.reset_calls()
    assert bridge.delete(user["id"]).status_code == 204
    assert glpi_calls(bridge.sim) == expected("user.delete.warm", user["id"])
    assert expected("user.delete.warm", 7) == [("DELETE", "/User/7")]


def test_page_of_100_is_one_search_and_two_nickname_reads(bridge):
    for i in range(120):
        bridge.sim.seed_user(name=f"page.{i:03d}", _emails=[f"page{i}@x.org"])
    bridge.sim.reset_calls()
    answer = bridge.get("/Users", query_string={"count": 100, "startIndex": 1})
    assert answer.status_code == 200
    assert answer.json["itemsPerPage"] == 100
    assert answer.json["totalResults"] == len(visible_users(bridge))
    # the table's page answers one user; 100 users take a second nickname read (50 per call)
    assert glpi_calls(bridge.sim) == [*expected("user.page"), NICKNAMES]


def test_one_session_for_many_operations(bridge):
    for i in range(5):
        bridge.create(f"calls.session.{i}")
        bridge.find(f"calls.session.{i}")
    assert not [c for c in glpi_calls(bridge.sim) if "initSession" in c[1]]


@pytest.mark.parametrize("authtype", [1, 3, 4])
def test_a_login_held_under_another_authtype_is_a_conflict(bridge, authtype):
    """GLPI would add an SSO ``jdoe`` next to a local or LDAP ``jdoe`` (unique key with authtype)."""
    bridge.sim.seed_user(name="jdoe.any", authtype=authtype)
    answer = bridge.post({"userName": "JDOE.any"})
    assert answer.status_code == 409
    assert answer.json["scimType"] == "uniqueness"
    assert [r["name"] for r in bridge.sim.rows("User") if r["name"].lower() == "jdoe.any"] == [
        "jdoe.any"
    ]
