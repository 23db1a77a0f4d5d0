"""The read-only User ``groups`` attribute, filled for a whole page in one extra GLPI call."""

from __future__ import annotations

import pytest

from tests.backend.groups_app import Scim
from tests.backend.groups_app import calls
from tests.backend.groups_app import served_bridge

pytestmark = pytest.mark.glpi_versions("10", "11")


def _plain(groups):
    """The elements without the ``$ref`` the view adds (checked to point at the group)."""
    for group in groups:
        assert group["$ref"].endswith(f"/Groups/{group['value']}")
    return sorted(
        ({k: v for k, v in g.items() if k != "$ref"} for g in groups), key=lambda g: g["value"]
    )


def _member(sim, user_id, group_id, dynamic=0):
    sim.insert(
        "Group_User",
        {
            "id": None,
            "users_id": user_id,
            "groups_id": group_id,
            "is_dynamic": dynamic,
            "is_manager": 0,
            "is_userdelegate": 0,
        },
    )


def test_a_page_of_users_gets_its_groups_in_one_call(glpi_sim):
    sim = glpi_sim.sim
    scim = Scim(served_bridge(glpi_sim))
    sales = sim.seed_group(name="Sales & Co", entities_id=0)
    ops = sim.seed_group(name="Ops", entities_id=0)
    users = [sim.seed_user(name=f"page{i}") for i in range(30)]
    for index, user in enumerate(users):
        _member(sim, user, sales)
        if index % 2:
            _member(sim, user, ops, dynamic=1)
    # session, entity tree and GLPI's configuration (a NULL language), once per process
    scim.get("/Users", query_string={"count": 1})
    sim.reset_calls()
    page = scim.get("/Users", query_string={"filter": 'userName sw "page"', "count": 100})
    assert page.status_code == 200 and page.json["totalResults"] == 30
    for index, user in enumerate(page.json["Resources"]):
        expected = [{"value": str(sales), "display": "Sales & Co", "type": "direct"}]
        if index % 2:
            expected.append({"value": str(ops), "display": "Ops", "type": "direct"})
        assert _plain(user["groups"]) == expected
    assert calls(sim, contains="Group_User") == []
    assert [c.path for c in calls(sim)] == [
        "/apirest.php/search/User",
        "/apirest.php/getMultipleItems",  # the nicknames (displayName)
        "/apirest.php/search/Group",
    ]
    assert "criteria%5B1%5D" in calls(sim)[2].query  # narrowed to the two names seen
    # Asked without groups: no group call at all.
    sim.reset_calls()
    scim.get(
        "/Users", query_string={"filter": 'userName sw "page"', "excludedAttributes": "groups"}
    )
    assert [c.path for c in calls(sim)] == [
        "/apirest.php/search/User",
        "/apirest.php/getMultipleItems",
    ]


def test_groups_of_one_user_ambiguous_names_and_other_entities(glpi_sim):
    sim = glpi_sim.sim
    scim = Scim(served_bridge(glpi_sim))
    first = sim.seed_group(name="Twins", entities_id=0)
    second = sim.seed_group(name="Twins", entities_id=0)
    sim.insert(
        "Entity",
        {"id": None, "name": "Elsewhere", "entities_id": None, "completename": "Elsewhere"},
    )
    foreign = sim.seed_group(name="Foreign", entities_id=max(e["id"] for e in sim.rows("Entity")))
    user = sim.seed_user(name="twin.member")
    loner = sim.seed_user(name="foreign.member")
    _member(sim, user, second)
    _member(sim, loner, foreign)
    got = scim.get(f"/Users/{user}")
    assert _plain(got.json["groups"]) == [
        {"value": str(second), "display": "Twins", "type": "direct"}
    ]
    assert str(first) not in str(got.json["groups"])
    assert "groups" not in scim.get(f"/Users/{loner}").json


def test_many_group_names_read_the_tenant_groups_unnarrowed(glpi_sim):
    sim = glpi_sim.sim
    scim = Scim(served_bridge(glpi_sim))
    groups = [sim.seed_group(name=f"g{i:02d} 50%", entities_id=0) for i in range(25)]
    user = sim.seed_user(name="joiner")
    for group in groups:
        _member(sim, user, group)
    scim.get("/Users", query_string={"count": 1})  # as above
    sim.reset_calls()
    got = scim.get(f"/Users/{user}")
    assert [g["value"] for g in _plain(got.json["groups"])] == sorted(str(g) for g in groups)
    assert [c.path for c in calls(sim)] == [
        "/apirest.php/search/User",
        "/apirest.php/getMultipleItems",  # the nickname (displayName)
        "/apirest.php/search/Group",
    ]
    assert "criteria%5B1%5D" not in calls(sim)[2].query  # the scope only, no name criteria
