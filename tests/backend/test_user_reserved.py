"""GLPI's own accounts are not IdP identities (issue 15 §2), in GLPI 10 and 11.

The simulator holds GLPI's stock accounts: ``glpi`` (2, Super-Admin, the
bridge's API account here), ``post-only`` (3), ``tech`` (4), ``normal`` (5)
and ``glpi-system`` (6).
"""

from __future__ import annotations

import pytest

from app.simulator.schema import DEFAULTS
from tests.backend.users_app import RESERVED
from tests.backend.users_app import UserBridge
from tests.backend.users_app import glpi_calls
from tests.backend.users_app import visible_users
from tests.call_counts import NICKNAMES
from tests.call_counts import expected

pytestmark = pytest.mark.glpi_versions("10", "11")

STOCK_IDS = {"glpi": 2, "post-only": 3, "tech": 4, "normal": 5, "glpi-system": 6}


def _all_user_names(bridge: UserBridge, count: int = 2) -> tuple[set[str], int]:
    """Every userName of every page of ``count``, and the totalResults of the first page."""
    names: set[str] = set()
    start, total = 1, None
    while total is None or start <= total:
        page = bridge.get("/Users", query_string={"count": count, "startIndex": start}).json
        total = page["totalResults"] if total is None else total
        assert page["totalResults"] == total
        names |= {u["userName"] for u in page["Resources"]}
        start += count
    return names, total


def test_okta_oin_first_user_carries_name_and_email(glpi_sim):
    """Okta's OIN test reads ``GET /Users?count=1&startIndex=1`` and wants name and e-mail."""
    bridge = UserBridge(glpi_sim)
    bridge.create(
        "oin.user@example.com",
        name={"givenName": "Oin", "familyName": "Tester"},
        emails=[{"value": "oin.user@example.com", "primary": True}],
    )
    page = bridge.get("/Users", query_string={"count": 1, "startIndex": 1}).json
    assert page["totalResults"] == 1
    user = page["Resources"][0]
    assert user["name"]["givenName"] == "Oin" and user["name"]["familyName"] == "Tester"
    assert user["emails"][0]["value"] == "oin.user@example.com"


def test_reserved_accounts_are_not_listed_counted_read_or_matched(glpi_sim):
    bridge = UserBridge(glpi_sim)
    for i in range(3):
        bridge.create(f"visible.{i}")
    names, total = _all_user_names(bridge)
    assert names == {f"visible.{i}" for i in range(3)}
    assert total == len(visible_users(bridge)) == 3
    for login, user_id in STOCK_IDS.items():
        assert bridge.get(f"/Users/{user_id}").status_code == 404, login
        assert bridge.find(login) == [], login
        assert bridge.find(login.upper()) == [], login
    answer = bridge.get("/Users", query_string={"filter": 'userName sw "glpi"'})
    assert answer.json["totalResults"] == 0


def test_creating_a_reserved_login_is_409_naming_it(glpi_sim):
    bridge = UserBridge(glpi_sim)
    before = len(bridge.glpi_row("User"))
    for login in ("tech", "Post-Only", "glpi-system"):
        answer = bridge.post({"userName": login})
        assert answer.status_code == 409, login
        assert answer.json["scimType"] == "uniqueness"
        assert "reserved GLPI account" in answer.json["detail"]
        assert repr(login) in answer.json["detail"]
    assert len(bridge.glpi_row("User")) == before


def test_reserved_accounts_are_never_changed(glpi_sim):
    bridge = UserBridge(glpi_sim)
    for user_id in STOCK_IDS.values():
        patch = [{"op": "replace", "path": "active", "value": False}]
        assert bridge.patch(str(user_id), patch).status_code == 404
        assert bridge.put(str(user_id), {"userName": "renamed"}).status_code == 404
        assert bridge.delete(str(user_id)).status_code == 404
    for row in bridge.glpi_row("User"):
        if row["name"] in RESERVED:
            assert row["is_deleted"] == 0 and row["id"] == STOCK_IDS[row["name"]]
    assert {r["name"] for r in bridge.glpi_row("User", id=4)} == {"tech"}


def test_emptied_list_shows_them_but_never_the_bridge_account(glpi_sim):
    bridge = UserBridge(glpi_sim, reserved={"logins": []})
    assert [u["userName"] for u in bridge.find("tech")] == ["tech"]
    assert bridge.get("/Users/2").status_code == 404
    assert bridge.find("glpi") == []
    answer = bridge.post({"userName": "GLPI"})
    assert answer.status_code == 409
    assert "the GLPI account the bridge itself uses" in answer.json["detail"]
    tech = bridge.find("tech")[0]
    assert bridge.delete(tech["id"]).status_code == 204


def test_reserved_profiles_hide_every_holder_and_keep_the_count(glpi_sim):
    """GLPI applies ``AND NOT`` on option 20 per profile row: holders are kept out by id."""
    bridge = UserBridge(glpi_sim, reserved={"logins": [], "profiles": ["Technician"]})
    both = bridge.sim.seed_user(name="two.profiles")
    bridge.sim.insert(
        "Profile_User",
        {**DEFAULTS["Profile_User"], "id": None, "users_id": both, "profiles_id": 6},
    )
    bridge.create("plain.user")
    names, total = _all_user_names(bridge)
    assert "tech" not in names and "two.profiles" not in names
    assert {"plain.user", "normal", "post-only"} <= names
    assert total == len(names)
    assert bridge.get(f"/Users/{both}").status_code == 404
    answer = bridge.post({"userName": "two.profiles"})
    assert answer.status_code == 409
    assert "'technician'" in answer.json["detail"].lower()
    bridge.sim.reset_calls()
    assert bridge.find("plain.user")
    assert glpi_calls(bridge.sim) == expected("user.filter.hit")


def test_hiding_costs_no_call_per_read(glpi_sim):
    bridge = UserBridge(glpi_sim)
    bridge.warm_up()
    user = bridge.create("cost.user")
    for path, query in (
        (f"/Users/{user['id']}", {}),
        ("/Users", {"filter": 'userName eq "cost.user"'}),
        ("/Users", {"count": 5, "startIndex": 1}),
    ):
        bridge.sim.reset_calls()
        assert bridge.get(path, query_string=query).status_code == 200
        # the search, and the nickname read of the users it answers (displayName)
        assert glpi_calls(bridge.sim) == [("GET", "/search/User"), NICKNAMES], path
