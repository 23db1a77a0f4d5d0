"""Group PATCH/PUT edges: answers with attributes, filters that need the members, config flags."""

from __future__ import annotations

import pytest

from app.glpi.groups.store import GroupStore
from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import Scim
from tests.backend.groups_app import calls
from tests.backend.groups_app import member_ids
from tests.backend.groups_app import seed_users
from tests.backend.groups_app import served_bridge

pytestmark = pytest.mark.glpi_versions("10", "11")


def _create(scim, name, members=(), **extra):
    body = {"schemas": [GROUP_SCHEMA], "displayName": name, **extra}
    body["members"] = [{"value": str(m)} for m in members]
    answer = scim.post("/Groups", body)
    assert answer.status_code == 201, answer.json
    return int(answer.json["id"])


def test_patch_answers_200_with_the_resource_when_attributes_are_named(glpi_sim):
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    users = seed_users(sim, 2)
    gid = _create(scim, "Answering", users[:1])
    answer = scim.patch(
        f"/Groups/{gid}",
        [{"op": "add", "path": "members", "value": [{"value": str(users[1])}]}],
        query_string={"attributes": "members,displayName"},
    )
    assert answer.status_code == 200, answer.json
    assert sorted(m["value"] for m in answer.json["members"]) == sorted(map(str, users))
    answer = scim.patch(
        f"/Groups/{gid}",
        [{"op": "replace", "path": "displayName", "value": "Answered"}],
        query_string={"excludedAttributes": "members"},
    )
    assert answer.status_code == 200 and answer.json["displayName"] == "Answered"
    assert "members" not in answer.json


def test_a_member_filter_that_names_no_ids_loads_members_and_removes_only_matches(glpi_sim):
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    users = seed_users(sim, 3, prefix="disp")
    gid = _create(scim, "By filter", users)
    path = f'members[type eq "User" and value eq "{users[1]}"]'
    answer = scim.patch(f"/Groups/{gid}", [{"op": "remove", "path": path}])
    assert answer.status_code == 204, answer.json
    assert member_ids(sim, gid) == {users[0], users[2]}


def test_put_members_empty_clears_and_put_without_members_keeps(glpi_sim):
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    users = seed_users(sim, 2)
    gid = _create(scim, "Put me", users, externalId="ext-1")
    body = {"schemas": [GROUP_SCHEMA], "displayName": "Put me too"}
    answer = scim.put(f"/Groups/{gid}", body)
    assert answer.status_code == 200, answer.json
    assert answer.json["externalId"] == "ext-1" and member_ids(sim, gid) == set(users)
    sim.reset_calls()
    answer = scim.put(f"/Groups/{gid}", {**body, "members": []})
    assert answer.status_code == 200 and answer.json.get("members", []) == []
    assert member_ids(sim, gid) == set()
    assert len(calls(sim, "DELETE", "/Group_User")) == 1 and calls(sim, "PUT") == []


def test_created_groups_take_entity_recursion_and_flags_from_config(glpi_sim):
    scim = Scim(
        served_bridge(
            glpi_sim, groups={"is_recursive": True, "flags": {"is_usergroup": 1, "is_assign": 0}}
        )
    )
    gid = _create(scim, "Configured")
    row = next(g for g in glpi_sim.sim.rows("Group") if g["id"] == gid)
    assert (row["entities_id"], row["is_recursive"], row["is_usergroup"], row["is_assign"]) == (
        0,
        1,
        1,
        0,
    )


@pytest.mark.parametrize(
    "ldap",
    [
        pytest.param(False, id="no-ldap"),
        pytest.param(True, id="ldap", marks=pytest.mark.glpi_ldap),
    ],
)
def test_external_id_is_stored_per_version_and_filterable(glpi_sim, ldap):
    """The same on a GLPI without an LDAP directory (Group options 3-5 missing, the kit's
    case) and with one (GLPI 10's ldap_group_dn then also searchable)."""
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    assert sim.ldap_directory is ldap
    gid = _create(scim, "External", externalId="6f1c-Ab")
    row = next(g for g in sim.rows("Group") if g["id"] == gid)
    column = "code" if sim.version == "11" else "ldap_group_dn"
    assert row[column] == "6f1c-Ab"
    hit = scim.get("/Groups", query_string={"filter": 'externalId eq "6f1c-Ab"'})
    assert [r["id"] for r in hit.json["Resources"]] == [str(gid)]
    # externalId is caseExact: GLPI's case-insensitive LIKE candidate is dropped.
    assert (
        scim.get("/Groups", query_string={"filter": 'externalId eq "6F1C-AB"'}).json["totalResults"]
        == 0
    )
    answer = scim.patch(f"/Groups/{gid}", [{"op": "remove", "path": "externalId"}])
    assert answer.status_code == 204
    assert not next(g for g in sim.rows("Group") if g["id"] == gid)[column]


def test_sorting_by_display_name(glpi_sim):
    scim = Scim(served_bridge(glpi_sim))
    for name in ("b-group", "a-group", "c-group"):
        _create(scim, name)
    listed = scim.get(
        "/Groups",
        query_string={
            "sortBy": "displayName",
            "sortOrder": "descending",
            "excludedAttributes": "members",
        },
    )
    assert [r["displayName"] for r in listed.json["Resources"]] == ["c-group", "b-group", "a-group"]


def test_glpi_failures_are_never_a_2xx_and_a_retry_converges(glpi_sim):
    scim, sim = Scim(served_bridge(glpi_sim)), glpi_sim.sim
    users = seed_users(sim, 3)
    gid = _create(scim, "Flaky", users[:1])
    add = [{"op": "add", "path": "members", "value": [{"value": str(u)} for u in users[1:]]}]
    # The add does not land: 503 with Retry-After, nothing written.
    sim.fail_next("POST", "/Group_User", status=500, when="before")
    answer = scim.patch(f"/Groups/{gid}", add)
    assert answer.status_code == 503 and answer.headers.get("Retry-After")
    assert member_ids(sim, gid) == {users[0]}
    # The add lands but the answer is lost: 503, then the IdP's retry is a success, no duplicate.
    sim.fail_next("POST", "/Group_User", status=503, when="after")
    assert scim.patch(f"/Groups/{gid}", add).status_code == 503
    assert scim.patch(f"/Groups/{gid}", add).status_code == 204
    rows = [r for r in sim.rows("Group_User") if r["groups_id"] == gid]
    assert sorted(r["users_id"] for r in rows) == sorted(users)
    # A DELETE is idempotent: the client replays it after a 503.
    sim.fail_next("DELETE", "/Group_User", status=503, when="before")
    remove = [{"op": "remove", "path": f'members[value eq "{users[0]}"]'}]
    assert scim.patch(f"/Groups/{gid}", remove).status_code == 204
    assert member_ids(sim, gid) == set(users[1:])


def test_uniqueness_reads_every_candidate_when_the_name_cannot_be_anchored(glpi_sim):
    scim = Scim(served_bridge(glpi_sim, users={"filter_scan_limit": 2}))
    for name in ("xa", "xb", "xc", "x$y"):
        _create(scim, name)
    answer = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "X$Y"})
    assert answer.status_code == 409, answer.json


def test_scope_follows_the_tenant_entity_and_its_recursion(glpi_sim):
    sim = glpi_sim.sim
    child = sim.insert(
        "Entity",
        {
            "id": None,
            "name": "Child",
            "entities_id": 0,
            "completename": "Root entity > Child",
            "level": 2,
        },
    )
    in_child = sim.seed_group(name="Child team", entities_id=child)
    at_root = sim.seed_group(name="Root team", entities_id=0)
    everything = Scim(served_bridge(glpi_sim))
    listed = everything.get("/Groups", query_string={"excludedAttributes": "members"})
    assert {r["id"] for r in listed.json["Resources"]} == {str(in_child), str(at_root)}

    only_child = Scim(served_bridge(glpi_sim, entity={"id": child, "recursive": False}))
    listed = only_child.get("/Groups", query_string={"excludedAttributes": "members"})
    assert [r["id"] for r in listed.json["Resources"]] == [str(in_child)]
    assert only_child.get(f"/Groups/{at_root}").status_code == 404
    assert only_child.delete(f"/Groups/{at_root}").status_code == 404
    created = _create(only_child, "Root team")  # the root group is not in this tenant's scope
    assert next(g for g in sim.rows("Group") if g["id"] == created)["entities_id"] == child


def test_a_rename_changes_the_version_even_within_one_second(glpi_sim):
    scim = Scim(served_bridge(glpi_sim))
    gid = _create(scim, "Versioned")
    etag = scim.get(f"/Groups/{gid}").headers["ETag"]
    rename = [{"op": "replace", "path": "displayName", "value": "Versioned 2"}]
    answer = scim.request(
        "PATCH",
        f"/Groups/{gid}",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": rename},
        headers={"If-Match": etag},
    )
    assert answer.status_code == 204, answer.json
    assert answer.headers["ETag"] != etag
    stale = scim.request(
        "PATCH",
        f"/Groups/{gid}",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": rename},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412


def test_an_unusable_external_id_column_is_refused_when_the_tenant_starts(glpi_sim):
    tenant = {"entity": {"id": 0}, "mapping": {"group": {"externalId": "password"}}}
    with pytest.raises(ValueError, match="externalId"):
        GroupStore(object(), tenant, type("Scope", (), {"user_criteria": list})())
    scim = Scim(served_bridge(glpi_sim, mapping={"group": {"externalId": "ldap_value"}}))
    gid = _create(scim, "Mapped", externalId="abc")
    assert next(g for g in glpi_sim.sim.rows("Group") if g["id"] == gid)["ldap_value"] == "abc"
