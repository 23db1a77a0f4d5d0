"""Routes of /scim/v2: CRUD of Users and Groups, status codes, headers and bodies."""

from __future__ import annotations

import pytest

from tests.scim.conftest import ERROR
from tests.scim.conftest import GROUP_SCHEMA
from tests.scim.conftest import LIST_RESPONSE
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import patch_body

SCIM_JSON = "application/scim+json"


def test_create_user_answers_201_with_location_and_meta(scim):
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "bjensen"})
    assert response.status_code == 201
    assert response.mimetype == SCIM_JSON
    body = response.get_json()
    assert body["userName"] == "bjensen"
    assert response.headers["Location"] == f"http://localhost/scim/v2/Users/{body['id']}"
    meta = body["meta"]
    assert meta["resourceType"] == "User"
    assert meta["location"] == response.headers["Location"]
    assert {"created", "lastModified", "version"} <= set(meta)


def test_get_user_by_id(scim):
    created = scim.create_user("bjensen", displayName="Barbara")
    response = scim.get(f"/Users/{created['id']}")
    assert response.status_code == 200
    assert response.mimetype == SCIM_JSON
    assert response.get_json()["displayName"] == "Barbara"
    assert response.get_json()["schemas"] == [USER_SCHEMA]


def test_replace_user_answers_200_with_the_new_state(scim):
    created = scim.create_user("bjensen", displayName="Barbara", title="Tour guide")
    response = scim.put(
        f"/Users/{created['id']}",
        {"schemas": [USER_SCHEMA], "id": "ignored", "userName": "bjensen", "displayName": "Babs"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == created["id"]
    assert body["displayName"] == "Babs"
    assert "title" not in body


def test_patch_user_answers_200_with_the_resource(scim):
    created = scim.create_user("bjensen", active=True)
    response = scim.patch(
        f"/Users/{created['id']}", patch_body({"op": "replace", "path": "active", "value": False})
    )
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert response.get_json()["id"] == created["id"]


def test_patch_user_honours_attributes(scim):
    created = scim.create_user("bjensen", displayName="Barbara")
    response = scim.patch(
        f"/Users/{created['id']}?attributes=displayName",
        patch_body({"op": "replace", "path": "displayName", "value": "Babs"}),
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "schemas": [USER_SCHEMA],
        "id": created["id"],
        "displayName": "Babs",
    }


def test_delete_user_answers_204_then_404(scim):
    created = scim.create_user("bjensen")
    response = scim.delete(f"/Users/{created['id']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert scim.get(f"/Users/{created['id']}").status_code == 404


def test_group_crud(scim):
    user = scim.create_user("bjensen", displayName="Barbara")
    group = scim.create_group("Tour Guides", members=[{"value": user["id"]}])
    assert group["members"] == [
        {
            "value": user["id"],
            "type": "User",
            "$ref": f"http://localhost/scim/v2/Users/{user['id']}",
        }
    ]
    shown = scim.get(f"/Groups/{group['id']}?attributes=members.display,members.value").get_json()
    assert shown["members"] == [{"value": user["id"], "display": "Barbara"}]
    assert scim.get(f"/Groups/{group['id']}").get_json()["displayName"] == "Tour Guides"
    replaced = scim.put(
        f"/Groups/{group['id']}", {"schemas": [GROUP_SCHEMA], "displayName": "Guides"}
    )
    assert replaced.status_code == 200
    assert replaced.get_json()["displayName"] == "Guides"
    assert "members" not in replaced.get_json()
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get(f"/Groups/{group['id']}").status_code == 404


def test_group_patch_answers_204_without_attributes(scim):
    user = scim.create_user("bjensen")
    group = scim.create_group("Tour Guides")
    response = scim.patch(
        f"/Groups/{group['id']}",
        patch_body({"op": "add", "path": "members", "value": [{"value": user["id"]}]}),
    )
    assert response.status_code == 204
    assert response.get_data() == b""
    members = scim.get(f"/Groups/{group['id']}").get_json()["members"]
    assert [m["value"] for m in members] == [user["id"]]


def test_group_patch_answers_200_when_attributes_are_asked(scim):
    group = scim.create_group("Tour Guides")
    response = scim.patch(
        f"/Groups/{group['id']}?attributes=displayName",
        patch_body({"op": "replace", "path": "displayName", "value": "Guides"}),
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "schemas": [GROUP_SCHEMA],
        "id": group["id"],
        "displayName": "Guides",
    }


def test_group_patch_does_not_load_members(scim, storage):
    user = scim.create_user("bjensen")
    group = scim.create_group("Tour Guides", members=[{"value": user["id"]}])
    other = scim.create_user("jsmith")
    storage.calls.clear()
    response = scim.patch(
        f"/Groups/{group['id']}",
        patch_body({"op": "add", "path": "members", "value": [{"value": other["id"]}]}),
    )
    assert response.status_code == 204
    loads = [c for c in storage.calls if c.operation == "get"]
    assert len(loads) == 1
    assert not loads[0].ctx.attributes.wants("members")
    members = scim.get(f"/Groups/{group['id']}").get_json()["members"]
    assert sorted(m["value"] for m in members) == sorted([user["id"], other["id"]])


def test_group_patch_with_a_member_filter_reloads_members(scim, storage):
    alice = scim.create_user("alice", displayName="Alice")
    bob = scim.create_user("bob", displayName="Bob")
    group = scim.create_group("G", members=[{"value": alice["id"]}, {"value": bob["id"]}])
    storage.calls.clear()
    response = scim.patch(
        f"/Groups/{group['id']}",
        patch_body({"op": "remove", "path": 'members[display eq "Alice"]'}),
    )
    assert response.status_code == 204
    loads = [c for c in storage.calls if c.operation == "get"]
    assert [c.ctx.attributes.wants("members") for c in loads] == [False, True]
    members = scim.get(f"/Groups/{group['id']}").get_json()["members"]
    assert [m["value"] for m in members] == [bob["id"]]


def test_noop_patch_writes_nothing(scim, storage):
    created = scim.create_user("bjensen", displayName="Barbara")
    storage.calls.clear()
    response = scim.patch(
        f"/Users/{created['id']}",
        patch_body({"op": "replace", "path": "displayName", "value": "Barbara"}),
    )
    assert response.status_code == 200
    assert "patch" not in [c.operation for c in storage.calls]


def test_list_is_a_list_response_with_integer_counters(scim):
    scim.create_user("a")
    scim.create_user("b")
    body = scim.get("/Users").get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert body["totalResults"] == 2 and isinstance(body["totalResults"], int)
    assert body["startIndex"] == 1 and isinstance(body["startIndex"], int)
    assert body["itemsPerPage"] == 2 and isinstance(body["itemsPerPage"], int)
    assert len(body["Resources"]) == 2


def test_empty_filter_result_is_200_with_an_empty_list(scim):
    response = scim.get('/Users?filter=userName eq "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')
    assert response.status_code == 200
    assert response.get_json() == {
        "schemas": [LIST_RESPONSE],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


@pytest.mark.parametrize(
    "query", ["?aadOptscim062020", "?aadOptscim062020=true", "?foo=bar&count=5"]
)
def test_unknown_query_parameters_are_ignored(scim, query):
    created = scim.create_user("bjensen")
    assert scim.get(f"/Users{query}").status_code == 200
    assert scim.get(f"/Users/{created['id']}{query}").status_code == 200
    response = scim.patch(
        f"/Users/{created['id']}{query}",
        patch_body({"op": "replace", "path": "active", "value": False}),
    )
    assert response.status_code == 200


def test_trailing_slash_on_collections(scim):
    scim.create_user("bjensen")
    assert scim.get("/Users/").get_json()["totalResults"] == 1


def test_search_endpoints(scim):
    scim.create_user("bjensen")
    scim.create_group("bjensen's group")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "bjensen"',
        "attributes": ["userName"],
    }
    response = scim.post("/Users/.search", body)
    assert response.status_code == 200
    assert [r["userName"] for r in response.get_json()["Resources"]] == ["bjensen"]
    groups = scim.post(
        "/Groups/.search", {**body, "filter": 'displayName sw "bj"', "attributes": ["displayName"]}
    )
    assert [r["displayName"] for r in groups.get_json()["Resources"]] == ["bjensen's group"]


def test_search_requires_the_search_request_schema(scim):
    response = scim.post("/Users/.search", {"filter": 'userName eq "x"'})
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidValue"


def test_application_json_is_accepted(scim):
    response = scim.post(
        "/Users",
        {"schemas": [USER_SCHEMA], "userName": "bjensen"},
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201
    assert response.mimetype == SCIM_JSON


def test_missing_content_type_with_a_json_body_is_accepted(scim):
    response = scim.client.post(
        "/scim/v2/Users",
        headers=scim.headers,
        data=b'{"schemas": ["%s"], "userName": "bjensen"}' % USER_SCHEMA.encode(),
    )
    assert response.status_code == 201


def test_other_content_types_are_refused(scim):
    response = scim.client.post(
        "/scim/v2/Users",
        headers={**scim.headers, "Content-Type": "text/plain"},
        data=b"userName=bjensen",
    )
    assert response.status_code == 415
    assert response.get_json()["status"] == "415"


@pytest.mark.parametrize("raw", [b"{not json", b"", b"   "])
def test_malformed_json_is_invalid_syntax(scim, raw):
    response = scim.client.post(
        "/scim/v2/Users",
        data=raw,
        headers={**scim.headers, "Content-Type": "application/scim+json"},
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "400",
        "scimType": "invalidSyntax",
        "detail": response.get_json()["detail"],
    }


def test_me_is_not_implemented(scim):
    response = scim.get("/Me")
    assert response.status_code == 501
    assert response.get_json()["status"] == "501"


def test_bulk_answers_a_bulk_response(scim):
    response = scim.post(
        "/Bulk",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []},
    )
    assert response.status_code == 200
    assert response.mimetype == SCIM_JSON
    assert response.get_json() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": [],
    }


def test_group_patch_answers_200_when_excluded_attributes_are_asked(scim):
    group = scim.create_group("Tour Guides")
    response = scim.patch(
        f"/Groups/{group['id']}?excludedAttributes=members",
        patch_body({"op": "replace", "path": "displayName", "value": "Guides"}),
    )
    assert response.status_code == 200
    assert response.get_json()["displayName"] == "Guides"
    assert "members" not in response.get_json()


def test_user_patch_does_not_load_groups(scim, storage):
    created = scim.create_user("bjensen")
    storage.calls.clear()
    scim.patch(
        f"/Users/{created['id']}", patch_body({"op": "replace", "path": "title", "value": "Guide"})
    )
    load = next(c for c in storage.calls if c.operation == "get")
    assert not load.ctx.attributes.wants("groups")
    assert load.ctx.attributes.wants("emails")


def test_patch_envelope_errors(scim):
    created = scim.create_user("bjensen")
    path = f"/Users/{created['id']}"
    no_schema = scim.patch(path, {"Operations": [{"op": "add", "path": "title", "value": "x"}]})
    assert no_schema.status_code == 400
    assert no_schema.get_json()["scimType"] == "invalidValue"
    not_object = scim.patch(path, [{"op": "add"}])
    assert not_object.status_code == 400
    assert not_object.get_json()["scimType"] == "invalidSyntax"
    empty = scim.patch(path, patch_body())
    assert empty.status_code == 400
    assert scim.get(path).get_json().get("title") is None


def test_patch_of_a_whole_extension_ignores_its_schemas_member(scim):
    created = scim.create_user("bjensen")
    extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    response = scim.patch(
        f"/Users/{created['id']}",
        patch_body(
            {
                "op": "add",
                "path": extension,
                "value": {"schemas": [extension], "employeeNumber": "42"},
            }
        ),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()[extension] == {"employeeNumber": "42"}


def test_patch_of_an_unknown_resource_is_404(scim):
    response = scim.patch(
        "/Groups/nope", patch_body({"op": "replace", "path": "displayName", "value": "x"})
    )
    assert response.status_code == 404
    assert response.get_json()["status"] == "404"
