"""POST /Bulk (RFC 7644 §3.7) over the in-memory storage."""

from __future__ import annotations

import json

import pytest

from tests.scim.conftest import ERROR
from tests.scim.conftest import GROUP_SCHEMA
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import ScimClient
from tests.scim.conftest import make_app
from tests.scim.conftest import patch_body

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


def bulk(scim, *operations, **extra):
    return scim.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": list(operations), **extra})


def post_user(bulk_id: str, name: str) -> dict:
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id,
            "data": {"schemas": [USER_SCHEMA], "userName": name}}


def post_group(bulk_id: str, name: str, *members: str) -> dict:
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id,
            "data": {"schemas": [GROUP_SCHEMA], "displayName": name,
                     "members": [{"value": m} for m in members]}}


def test_discovery_advertises_the_enforced_limits(scim):
    config = scim.get("/ServiceProviderConfig").get_json()
    assert config["bulk"] == {"supported": True, "maxOperations": 100, "maxPayloadSize": 1048576}
    app, _ = make_app(bulk_max_operations=3, bulk_max_payload_bytes=4096)
    small = ScimClient(app.test_client()).get("/ServiceProviderConfig").get_json()
    assert small["bulk"] == {"supported": True, "maxOperations": 3, "maxPayloadSize": 4096}


def test_users_and_a_group_referring_to_them_by_bulk_id(scim, storage):
    response = bulk(scim,
                    post_group("g", "Team", "bulkId:u1", "bulkId:u2"),
                    post_user("u1", "alice"),
                    post_user("u2", "bob"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["schemas"] == [BULK_RESPONSE]
    ops = body["Operations"]
    assert [(o["bulkId"], o["status"]) for o in ops] == [("u1", "201"), ("u2", "201"), ("g", "201")]
    ids = {o["bulkId"]: o["location"].rsplit("/", 1)[1] for o in ops}
    assert all(o["location"].startswith("http://localhost/scim/v2/") for o in ops)
    assert all(o["version"] for o in ops)
    group = storage.data["Group"][ids["g"]]
    assert {m["value"] for m in group["members"]} == {ids["u1"], ids["u2"]}
    assert "response" not in ops[0]


def test_put_patch_delete_and_bulk_id_in_paths(scim, storage):
    response = bulk(
        scim,
        post_user("u", "carol"),
        {"method": "PATCH", "path": "/Users/bulkId:u",
         "data": patch_body({"op": "replace", "path": "title", "value": "Boss"})},
        {"method": "PUT", "path": "/Users/bulkId:u",
         "data": {"schemas": [USER_SCHEMA], "userName": "carol", "nickName": "C"}},
        post_user("x", "dave"),
        {"method": "DELETE", "path": "/Users/bulkId:x"})
    ops = response.get_json()["Operations"]
    assert [o["status"] for o in ops] == ["201", "200", "200", "201", "204"]
    uid = ops[0]["location"].rsplit("/", 1)[1]
    assert ops[1]["location"] == ops[0]["location"]
    assert storage.data["User"][uid]["nickName"] == "C"
    assert "title" not in storage.data["User"][uid]
    assert [u["userName"] for u in storage.data["User"].values()] == ["carol"]


def test_each_status_is_what_the_operation_answers_alone(scim):
    alone = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "erin"})
    assert alone.status_code == 201
    duplicate = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "erin"})
    missing = scim.delete("/Users/does-not-exist")
    ops = bulk(scim, post_user("d", "erin"), {"method": "DELETE", "path": "/Users/does-not-exist"},
               {"method": "PATCH", "path": "/Users/does-not-exist", "data": {"schemas": []}}
               ).get_json()["Operations"]
    assert ops[0]["status"] == str(duplicate.status_code) == "409"
    assert ops[0]["response"] == duplicate.get_json()
    assert ops[1]["status"] == str(missing.status_code) == "404"
    assert ops[1]["response"] == missing.get_json()
    assert ops[2]["response"]["schemas"] == [ERROR]


def test_fail_on_errors_stops_at_the_right_operation(scim, storage):
    ops = [post_user("a", "frank"), post_user("b", "frank"), post_user("c", "grace"),
           {"method": "DELETE", "path": "/Users/nope"}, post_user("d", "heidi")]
    one = bulk(scim, *ops, failOnErrors=1).get_json()["Operations"]
    assert [(o["bulkId"], o["status"]) for o in one] == [("a", "201"), ("b", "409")]
    assert sorted(u["userName"] for u in storage.data["User"].values()) == ["frank"]
    for user_id in list(storage.data["User"]):
        scim.delete(f"/Users/{user_id}")
    two = bulk(scim, *ops, failOnErrors=2).get_json()["Operations"]
    assert [o["status"] for o in two] == ["201", "409", "201", "404"]
    assert sorted(u["userName"] for u in storage.data["User"].values()) == ["frank", "grace"]
    for user_id in list(storage.data["User"]):
        scim.delete(f"/Users/{user_id}")
    every = bulk(scim, *ops).get_json()["Operations"]
    assert [o["status"] for o in every] == ["201", "409", "201", "404", "201"]


def test_circular_references_are_409_and_nothing_else_is_blocked(scim, storage):
    response = bulk(scim,
                    post_group("g1", "One", "bulkId:g2"),
                    post_group("g2", "Two", "bulkId:g1"),
                    post_group("g3", "Self", "bulkId:g3"),
                    post_user("u", "ivan"))
    ops = response.get_json()["Operations"]
    by_id = {o["bulkId"]: o for o in ops}
    assert by_id["u"]["status"] == "201"
    for name in ("g1", "g2", "g3"):
        assert by_id[name]["status"] == "409"
        assert by_id[name]["response"]["schemas"] == [ERROR]
        assert "circular" in by_id[name]["response"]["detail"]
    assert storage.data["Group"] == {}


def test_reference_to_a_failed_or_unknown_bulk_id_is_400(scim, storage):
    scim.create_user("judy")
    ops = bulk(scim, post_user("dup", "judy"), post_group("g", "G", "bulkId:dup"),
               post_group("h", "H", "bulkId:never")).get_json()["Operations"]
    assert [o["status"] for o in ops] == ["409", "400", "400"]
    assert ops[1]["response"]["scimType"] == "invalidValue"
    assert storage.data["Group"] == {}


def test_too_many_operations_is_413():
    app, storage = make_app(bulk_max_operations=2)
    scim = ScimClient(app.test_client())
    response = bulk(scim, post_user("a", "a1"), post_user("b", "b1"), post_user("c", "c1"))
    assert response.status_code == 413
    body = response.get_json()
    assert body["schemas"] == [ERROR] and body["status"] == "413"
    assert "maxOperations" in body["detail"]
    assert storage.data["User"] == {}


def test_too_large_payload_is_413():
    app, storage = make_app(bulk_max_payload_bytes=2048)
    scim = ScimClient(app.test_client())
    big = {"method": "POST", "path": "/Users", "bulkId": "a",
           "data": {"schemas": [USER_SCHEMA], "userName": "big", "nickName": "x" * 3000}}
    assert len(json.dumps(big)) > 2048
    response = bulk(scim, big)
    assert response.status_code == 413
    assert "maxPayloadSize (2048)" in response.get_json()["detail"]
    assert storage.data["User"] == {}


@pytest.mark.parametrize(("operation", "status"), [
    ({"method": "GET", "path": "/Users"}, "400"),
    ({"method": "POST", "path": "/Users/123", "data": {}}, "400"),
    ({"method": "DELETE", "path": "/Users"}, "400"),
    ({"method": "DELETE", "path": "/Schemas/x"}, "400"),
    ({"method": "PUT", "path": "/Bulk"}, "400"),
    ({"method": "POST", "path": "/Users"}, "400"),
])
def test_malformed_operations_fail_alone(scim, operation, status):
    ops = bulk(scim, operation, post_user("ok", "kim")).get_json()["Operations"]
    assert [o["status"] for o in ops] == [status, "201"]
    assert ops[0]["response"]["schemas"] == [ERROR]


@pytest.mark.parametrize("body", [
    {"Operations": []},
    {"schemas": [BULK_REQUEST]},
    {"schemas": [BULK_REQUEST], "Operations": [], "failOnErrors": 0},
    [],
])
def test_malformed_bulk_requests_are_400(scim, body):
    response = scim.post("/Bulk", body)
    assert response.status_code == 400
    assert response.get_json()["schemas"] == [ERROR]


def test_if_match_from_version(scim):
    user = scim.create_user("leo")
    old = user["meta"]["version"]
    scim.patch(f"/Users/{user['id']}", patch_body({"op": "replace", "path": "title", "value": "t"}))
    ops = bulk(scim, {"method": "DELETE", "path": f"/Users/{user['id']}", "version": old}
               ).get_json()["Operations"]
    assert ops[0]["status"] == "412"
    assert scim.get(f"/Users/{user['id']}").status_code == 200


def test_bulk_needs_authentication(anonymous):
    response = anonymous.post("/scim/v2/Bulk", json={"schemas": [BULK_REQUEST], "Operations": []})
    assert response.status_code == 401


def test_bulk_is_post_only(scim):
    assert scim.get("/Bulk").status_code == 405
