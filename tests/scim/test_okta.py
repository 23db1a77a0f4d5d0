"""Okta's provisioning flows (docs/idp.md; Okta's SCIM 2.0 reference), on the protocol layer.

- AIW custom apps: match by ``userName``, create, then GET and PUT the whole
  user for every change, deactivation included.
- OIN-template apps: path-less PATCH (``{"op":"replace","value":{"active":false}}``)
  for deactivate/reactivate, and a password PATCH.
- Group Push: create with ``members: []``, rename by a path-less PATCH carrying
  the read-only ``id``, a remove and an add in one PATCH, a full
  ``replace members``, AIW's PUT with the full member list, and DELETE.
"""

from __future__ import annotations

import pytest

from tests.scim.conftest import GROUP_SCHEMA
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import patch_body

OKTA_HEADERS = {"User-Agent": "Okta SCIM Client 1.0.0", "Accept": "application/scim+json"}

CREATE = {
    "schemas": [USER_SCHEMA],
    "userName": "isaac.brock@example.com",
    "name": {"givenName": "Isaac", "familyName": "Brock"},
    "emails": [{"primary": True, "value": "isaac.brock@example.com", "type": "work"}],
    "displayName": "Isaac Brock",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


@pytest.fixture
def okta(scim):
    scim.headers.update(OKTA_HEADERS)
    return scim


def _match(okta, user_name: str) -> dict:
    response = okta.get(f'/Users?filter=userName eq "{user_name}"&startIndex=1&count=100')
    assert response.status_code == 200
    body = response.get_json()
    assert all(isinstance(body[k], int) for k in ("totalResults", "startIndex", "itemsPerPage"))
    return body


def test_create_after_an_empty_match(okta, storage):
    assert _match(okta, CREATE["userName"])["totalResults"] == 0
    response = okta.post("/Users", CREATE)
    assert response.status_code == 201
    user = response.get_json()
    assert user["id"] and user["userName"] == CREATE["userName"]
    assert "password" not in user and "groups" not in user
    assert storage.passwords[user["id"]] == CREATE["password"]
    assert _match(okta, CREATE["userName"].upper())["Resources"][0]["id"] == user["id"]
    duplicate = okta.post("/Users", CREATE)
    assert duplicate.status_code == 409
    assert duplicate.get_json()["scimType"] == "uniqueness"


def test_aiw_updates_and_deactivates_by_put_of_the_whole_user(okta):
    created = okta.post("/Users", CREATE).get_json()
    current = okta.get(f"/Users/{created['id']}").get_json()
    current["name"]["familyName"] = "Brock-Smith"
    current["emails"].append({"value": "ib@home.example", "type": "home", "primary": False})
    response = okta.put(f"/Users/{created['id']}", current)
    assert response.status_code == 200
    assert response.get_json()["name"]["familyName"] == "Brock-Smith"
    assert len(response.get_json()["emails"]) == 2
    current = okta.get(f"/Users/{created['id']}").get_json()
    current["active"] = False
    deactivated = okta.put(f"/Users/{created['id']}", current).get_json()
    assert deactivated["active"] is False
    assert deactivated["emails"] == current["emails"]
    assert deactivated["meta"]["created"] == created["meta"]["created"]


def test_oin_pathless_patch_deactivates_and_reactivates(okta):
    created = okta.post("/Users", CREATE).get_json()
    for active in (False, True):
        response = okta.patch(
            f"/Users/{created['id']}", patch_body({"op": "replace", "value": {"active": active}})
        )
        assert response.status_code == 200
        assert response.get_json()["active"] is active
    user = okta.get(f"/Users/{created['id']}").get_json()
    assert user["userName"] == CREATE["userName"] and user["displayName"] == CREATE["displayName"]


def test_oin_password_push(okta, storage):
    created = okta.post("/Users", CREATE).get_json()
    response = okta.patch(
        f"/Users/{created['id']}",
        patch_body({"op": "replace", "value": {"password": "new-Passw0rd"}}),
    )
    assert response.status_code == 200
    assert "new-Passw0rd" not in response.get_data(as_text=True)
    assert storage.passwords[created["id"]] == "new-Passw0rd"


def test_group_push(okta):
    alice = okta.create_user("alice")
    bob = okta.create_user("bob")
    carol = okta.create_user("carol")
    created = okta.post(
        "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Push", "members": []}
    )
    assert created.status_code == 201
    gid = created.get_json()["id"]
    found = okta.get('/Groups?filter=displayName eq "Push"&startIndex=1&count=100').get_json()
    assert [g["id"] for g in found["Resources"]] == [gid]

    rename = okta.patch(
        f"/Groups/{gid}",
        patch_body({"op": "replace", "value": {"id": gid, "displayName": "Push Renamed"}}),
    )
    assert rename.status_code == 204

    add = okta.patch(
        f"/Groups/{gid}",
        patch_body(
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": alice["id"], "display": "alice"},
                    {"value": bob["id"], "display": "bob"},
                ],
            }
        ),
    )
    assert add.status_code == 204
    swap = okta.patch(
        f"/Groups/{gid}",
        patch_body(
            {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'},
            {"op": "add", "path": "members", "value": [{"value": carol["id"], "display": "carol"}]},
        ),
    )
    assert swap.status_code == 204
    group = okta.get(f"/Groups/{gid}").get_json()
    assert group["displayName"] == "Push Renamed"
    assert {m["value"] for m in group["members"]} == {bob["id"], carol["id"]}

    full = okta.patch(
        f"/Groups/{gid}",
        patch_body({"op": "replace", "path": "members", "value": [{"value": alice["id"]}]}),
    )
    assert full.status_code == 204
    assert [m["value"] for m in okta.get(f"/Groups/{gid}").get_json()["members"]] == [alice["id"]]

    aiw_put = okta.put(
        f"/Groups/{gid}",
        {
            "schemas": [GROUP_SCHEMA],
            "id": gid,
            "displayName": "Push Renamed",
            "members": [{"value": bob["id"]}, {"value": carol["id"]}],
        },
    )
    assert aiw_put.status_code == 200
    assert {m["value"] for m in aiw_put.get_json()["members"]} == {bob["id"], carol["id"]}

    assert okta.delete(f"/Groups/{gid}").status_code == 204
    assert okta.get(f"/Groups/{gid}").status_code == 404


def test_import_pages_until_total_results(okta):
    for i in range(7):
        okta.create_user(f"user{i}")
    seen = []
    start = 1
    while True:
        body = okta.get(f"/Users?startIndex={start}&count=3").get_json()
        seen.extend(r["id"] for r in body["Resources"])
        start += body["itemsPerPage"]
        if start > body["totalResults"]:
            break
    assert len(seen) == len(set(seen)) == 7


def test_unknown_member_is_refused_and_nothing_changes(okta):
    alice = okta.create_user("alice")
    gid = okta.create_group("G", members=[{"value": alice["id"]}])["id"]
    response = okta.patch(
        f"/Groups/{gid}",
        patch_body({"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}),
    )
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidValue"
    assert "no-such-user" in response.get_json()["detail"]
    assert [m["value"] for m in okta.get(f"/Groups/{gid}").get_json()["members"]] == [alice["id"]]
