"""Entra and Okta group flows through the Flask app, against the simulator (GLPI 10 and 11).

Each step checks what landed in GLPI (``sim.rows``) and how many GLPI calls it took.
"""

from __future__ import annotations

import pytest

from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import Scim
from tests.backend.groups_app import call_sequence
from tests.backend.groups_app import calls
from tests.backend.groups_app import group_user_rows
from tests.backend.groups_app import member_ids
from tests.backend.groups_app import seed_users
from tests.backend.groups_app import served_bridge
from tests.call_counts import CALLS
from tests.call_counts import expected

pytestmark = pytest.mark.glpi_versions("10", "11")

ENTRA_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
MATCH = {"excludedAttributes": "members", "filter": 'displayName eq "Sales & <Ops>"'}


@pytest.fixture
def bridge(glpi_sim):
    app = served_bridge(glpi_sim)
    return Scim(app), glpi_sim.sim


def _groups(sim, name):
    return [g for g in sim.rows("Group") if sim.encode(name) == g["name"]]


def test_entra_group_sequence(bridge):
    scim, sim = bridge
    users = seed_users(sim, 4)
    # 1. Test Connection: a filter that matches nothing is 200 and an empty list.
    sim.reset_calls()
    answer = scim.get(
        "/Groups",
        query_string={"excludedAttributes": "members", "filter": 'displayName eq "9b1deb4d-3b7d"'},
    )
    assert answer.status_code == 200
    assert answer.json["totalResults"] == 0 and answer.json["Resources"] == []
    # 2. Match by displayName: one GLPI call, no Group_User read.
    sim.reset_calls()
    answer = scim.get("/Groups", query_string=MATCH)
    assert answer.json["totalResults"] == 0
    assert [c.path for c in calls(sim)] == ["/apirest.php/search/Group"]
    assert call_sequence(sim) == list(CALLS["group.filter"].calls)
    # 3. POST an empty group.
    created = scim.post(
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA, ENTRA_GROUP_SCHEMA],
            "externalId": "obj-1",
            "displayName": "Sales & <Ops>",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201, created.json
    gid = int(created.json["id"])
    assert created.json["displayName"] == "Sales & <Ops>"
    assert created.json["externalId"] == "obj-1"
    assert created.json.get("members", []) == []
    row = next(g for g in sim.rows("Group") if g["id"] == gid)
    assert row["name"] == sim.encode("Sales & <Ops>")
    assert (row["entities_id"], row["is_recursive"], row["is_usergroup"]) == (0, 0, 1)
    # The match now finds it, in one call.
    sim.reset_calls()
    found = scim.get("/Groups", query_string=MATCH)
    assert [r["id"] for r in found.json["Resources"]] == [str(gid)]
    assert "members" not in found.json["Resources"][0]
    assert call_sequence(sim) == list(CALLS["group.filter"].calls)
    # 4. Add several members in one PATCH (Entra shape, "$ref": null).
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}",
        [
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": str(u)} for u in users],
            }
        ],
    )
    assert answer.status_code == 204
    assert member_ids(sim, gid) == set(users)
    assert all(r["is_dynamic"] == 0 for r in group_user_rows(sim, gid))
    # read the group, verify the ids, one array POST
    assert call_sequence(sim) == list(CALLS["group.patch.add"].calls)
    assert len(calls(sim, "POST", "/Group_User")) == 1 and len(calls(sim)) == 3
    # 5a. Remove with value (Entra without aadOptscim062020): exactly that member.
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}", [{"op": "Remove", "path": "members", "value": [{"value": str(users[0])}]}]
    )
    assert answer.status_code == 204
    assert member_ids(sim, gid) == set(users[1:])
    assert len(calls(sim, "DELETE", "/Group_User")) == 1 and len(calls(sim)) == 3
    assert call_sequence(sim) == list(CALLS["group.patch.remove"].calls)
    # 5b. Remove with a filter path (aadOptscim062020).
    answer = scim.patch(
        f"/Groups/{gid}", [{"op": "remove", "path": f'members[value eq "{users[1]}"]'}]
    )
    assert answer.status_code == 204
    assert member_ids(sim, gid) == set(users[2:])
    # 6. Rename.
    answer = scim.patch(
        f"/Groups/{gid}", [{"op": "Replace", "path": "displayName", "value": "Sales EMEA"}]
    )
    assert answer.status_code == 204
    assert next(g for g in sim.rows("Group") if g["id"] == gid)["name"] == "Sales EMEA"
    got = scim.get(f"/Groups/{gid}")
    assert got.json["displayName"] == "Sales EMEA"
    assert sorted(m["value"] for m in got.json["members"]) == sorted(str(u) for u in users[2:])
    # 7. DELETE purges the group and its memberships.
    answer = scim.delete(f"/Groups/{gid}")
    assert answer.status_code == 204
    assert all(g["id"] != gid for g in sim.rows("Group"))
    assert group_user_rows(sim, gid) == []
    assert scim.get(f"/Groups/{gid}").status_code == 404


def _create(scim, name, members=()):
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": str(m)} for m in members],
    }
    answer = scim.post("/Groups", body)
    assert answer.status_code == 201, answer.json
    return int(answer.json["id"])


def test_okta_group_push(bridge):
    scim, sim = bridge
    users = seed_users(sim, 3)
    # Okta looks the group up with startIndex/count, then creates it with members: [].
    lookup = scim.get(
        "/Groups",
        query_string={"filter": 'displayName eq "Okta Push"', "startIndex": 1, "count": 100},
    )
    assert lookup.json["totalResults"] == 0
    gid = _create(scim, "Okta Push", users[:2])
    assert member_ids(sim, gid) == set(users[:2])
    # Path-less rename carrying the read-only id.
    answer = scim.patch(
        f"/Groups/{gid}",
        [{"op": "replace", "value": {"id": str(gid), "displayName": "Okta Pushed"}}],
    )
    assert answer.status_code == 204, answer.json
    assert next(g for g in sim.rows("Group") if g["id"] == gid)["name"] == "Okta Pushed"
    # Remove one member and add another in one PATCH.
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}",
        [
            {"op": "remove", "path": f'members[value eq "{users[0]}"]'},
            {
                "op": "add",
                "path": "members",
                "value": [{"value": str(users[2]), "display": "member2"}],
            },
        ],
    )
    assert answer.status_code == 204, answer.json
    assert member_ids(sim, gid) == {users[1], users[2]}
    assert (
        len(calls(sim, "POST", "/Group_User")) == 1
        and len(calls(sim, "DELETE", "/Group_User")) == 1
    )
    # Full push: replace members diffs the set and writes only the difference.
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}",
        [
            {
                "op": "replace",
                "path": "members",
                "value": [{"value": str(users[0])}, {"value": str(users[2])}],
            }
        ],
    )
    assert answer.status_code == 204
    assert member_ids(sim, gid) == {users[0], users[2]}
    assert (
        len(calls(sim, "POST", "/Group_User")) == 1
        and len(calls(sim, "DELETE", "/Group_User")) == 1
    )
    # AIW-style PUT with the full member list diffs too.
    kept = [r["id"] for r in group_user_rows(sim, gid) if r["users_id"] == users[2]]
    answer = scim.put(
        f"/Groups/{gid}",
        {
            "schemas": [GROUP_SCHEMA],
            "id": str(gid),
            "displayName": "Okta Pushed",
            "members": [{"value": str(users[2])}, {"value": str(users[1])}],
        },
    )
    assert answer.status_code == 200, answer.json
    assert member_ids(sim, gid) == {users[1], users[2]}
    assert [r["id"] for r in group_user_rows(sim, gid) if r["users_id"] == users[2]] == kept
    assert sorted(m["value"] for m in answer.json["members"]) == sorted(
        [str(users[1]), str(users[2])]
    )


def test_add_is_idempotent_and_remove_of_non_member_is_a_no_op(bridge):
    scim, sim = bridge
    users = seed_users(sim, 2)
    gid = _create(scim, "Idem", users[:1])
    rows_before = group_user_rows(sim, gid)
    answer = scim.patch(
        f"/Groups/{gid}",
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": str(users[0])}, {"value": str(users[1])}],
            }
        ],
    )
    assert answer.status_code == 204, answer.json
    assert member_ids(sim, gid) == set(users)
    assert [r for r in group_user_rows(sim, gid) if r["users_id"] == users[0]] == rows_before
    answer = scim.patch(
        f"/Groups/{gid}", [{"op": "add", "path": "members", "value": str(users[1])}]
    )
    assert answer.status_code == 204
    answer = scim.patch(f"/Groups/{gid}", [{"op": "remove", "path": 'members[value eq "999999"]'}])
    assert answer.status_code == 204
    assert member_ids(sim, gid) == set(users)


def test_unknown_and_out_of_scope_members_are_refused_and_nothing_is_applied(bridge):
    scim, sim = bridge
    users = seed_users(sim, 2)
    elsewhere = sim.seed_user(name="outsider", _entity=0, _profile=None)
    gid = _create(scim, "Strict", users[:1])
    before = sim.rows("Group_User")
    answer = scim.patch(
        f"/Groups/{gid}",
        [
            {"op": "remove", "path": f'members[value eq "{users[0]}"]'},
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": str(users[1])},
                    {"value": "999999"},
                    {"value": str(elsewhere)},
                    {"value": "bob"},
                ],
            },
        ],
    )
    assert answer.status_code == 400
    assert answer.json["scimType"] == "invalidValue"
    for wanted in ("999999", str(elsewhere), "bob"):
        assert wanted in answer.json["detail"]
    assert str(users[1]) not in answer.json["detail"]
    assert sim.rows("Group_User") == before
    # Same rule on create: no group is created.
    answer = scim.post(
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Never", "members": [{"value": "999999"}]},
    )
    assert answer.status_code == 400 and not _groups(sim, "Never")


def test_nested_groups_are_refused(bridge):
    scim, sim = bridge
    child = _create(scim, "Child")
    parent = _create(scim, "Parent")
    answer = scim.patch(
        f"/Groups/{parent}",
        [{"op": "add", "path": "members", "value": [{"value": str(child), "type": "Group"}]}],
    )
    assert answer.status_code == 400
    assert "Nested groups" in answer.json["detail"]
    assert group_user_rows(sim, parent) == []


def test_display_name_is_unique_in_the_tenant(bridge):
    scim, sim = bridge
    first = _create(scim, "Finance")
    answer = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "FINANCE"})
    assert answer.status_code == 409 and answer.json["scimType"] == "uniqueness"
    other = _create(scim, "Budget")
    answer = scim.patch(
        f"/Groups/{other}", [{"op": "replace", "path": "displayName", "value": "finance"}]
    )
    assert answer.status_code == 409 and answer.json["scimType"] == "uniqueness"
    assert next(g for g in sim.rows("Group") if g["id"] == other)["name"] == "Budget"
    # A case-only rename of the group itself is fine.
    answer = scim.patch(
        f"/Groups/{first}", [{"op": "replace", "path": "displayName", "value": "FINANCE"}]
    )
    assert answer.status_code == 204
    # A group of another entity does not count (and is not visible).
    sim.insert(
        "Entity", {"id": None, "name": "Other", "entities_id": None, "completename": "Other"}
    )
    foreign = sim.seed_group(name="Payroll", entities_id=max(e["id"] for e in sim.rows("Entity")))
    assert scim.get(f"/Groups/{foreign}").status_code == 404
    assert _create(scim, "Payroll") != foreign


def test_reads_honour_excluded_members_and_page_member_rows(bridge):
    scim, sim = bridge
    users = seed_users(sim, 5)
    gid = _create(scim, "Readers", users)
    sim.reset_calls()
    lean = scim.get(f"/Groups/{gid}", query_string={"excludedAttributes": "members"})
    assert lean.status_code == 200 and "members" not in lean.json
    assert calls(sim, contains="Group_User") == [] and len(calls(sim)) == 1
    assert call_sequence(sim) == list(CALLS["group.get.lean"].calls)
    sim.reset_calls()
    full = scim.get(f"/Groups/{gid}")
    assert sorted(int(m["value"]) for m in full.json["members"]) == sorted(users)
    assert all("display" not in m for m in full.json["members"])
    assert [(c.method, c.path.split("apirest.php", 1)[-1]) for c in calls(sim)] == expected(
        "group.get.members", gid
    )
    sim.reset_calls()
    query = {"attributes": "members.display,members.value"}
    shown = scim.get(f"/Groups/{gid}", query_string=query)
    assert {m["display"] for m in shown.json["members"]} == {f"member{i}" for i in range(5)}
    assert len(calls(sim, "GET", "/search/User")) == 1
    # A dynamic membership (GLPI rules, LDAP) is not a SCIM member.
    sim.insert(
        "Group_User",
        {
            "id": None,
            "users_id": 2,
            "groups_id": gid,
            "is_dynamic": 1,
            "is_manager": 0,
            "is_userdelegate": 0,
        },
    )
    assert "2" not in {m["value"] for m in scim.get(f"/Groups/{gid}").json["members"]}


def test_list_paging_and_filters_are_exact(bridge):
    scim, sim = bridge
    names = ["team-a", "team-b", "TEAM_C", "team%d", "other"]
    ids = [_create(scim, name) for name in names]
    page = scim.get(
        "/Groups", query_string={"startIndex": 2, "count": 2, "excludedAttributes": "members"}
    )
    assert page.json["totalResults"] == len(names) and page.json["itemsPerPage"] == 2
    assert [r["id"] for r in page.json["Resources"]] == [str(i) for i in ids[1:3]]
    like = scim.get("/Groups", query_string={"filter": 'displayName sw "team%"'})
    assert [r["displayName"] for r in like.json["Resources"]] == ["team%d"]
    under = scim.get("/Groups", query_string={"filter": 'displayName eq "team_c"'})
    assert [r["displayName"] for r in under.json["Resources"]] == ["TEAM_C"]
    both = scim.get(
        "/Groups",
        query_string={"filter": 'displayName co "team" and not (displayName ew "b")', "count": 1},
    )
    assert both.json["totalResults"] == 3 and len(both.json["Resources"]) == 1
    count_only = scim.get("/Groups", query_string={"count": 0})
    assert count_only.json["totalResults"] == len(names) and count_only.json["Resources"] == []
