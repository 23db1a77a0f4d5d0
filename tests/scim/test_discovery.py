"""Discovery endpoints, and that each advertised feature really works."""

from __future__ import annotations

import pytest

from app.scim.schema import SCHEMAS
from tests.scim.conftest import ENTERPRISE
from tests.scim.conftest import ERROR
from tests.scim.conftest import GROUP_SCHEMA
from tests.scim.conftest import LIST_RESPONSE
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import ScimClient
from tests.scim.conftest import make_app
from tests.scim.conftest import patch_body

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
DISCOVERY_PATHS = [
    "/ServiceProviderConfig",
    "/ResourceTypes",
    "/ResourceTypes/User",
    "/Schemas",
    f"/Schemas/{USER_SCHEMA}",
]


@pytest.fixture
def config(scim):
    response = scim.get("/ServiceProviderConfig")
    assert response.status_code == 200
    assert response.mimetype == "application/scim+json"
    return response.get_json()


def test_service_provider_config_document(config):
    assert config["schemas"] == [SPC]
    assert config["patch"] == {"supported": True}
    assert config["bulk"] == {"supported": True, "maxOperations": 100, "maxPayloadSize": 1048576}
    assert config["filter"] == {"supported": True, "maxResults": 50}
    assert config["sort"] == {"supported": True}
    assert config["etag"] == {"supported": True}
    assert config["changePassword"] == {"supported": True}
    assert [s["type"] for s in config["authenticationSchemes"]] == ["oauthbearertoken"]
    assert config["meta"]["location"] == "http://localhost/scim/v2/ServiceProviderConfig"


def test_max_results_follows_the_configuration():
    app, _ = make_app(max_results=7)
    body = ScimClient(app.test_client()).get("/ServiceProviderConfig").get_json()
    assert body["filter"]["maxResults"] == 7


def test_filter_supported_means_filtering_works(scim, config):
    assert config["filter"]["supported"]
    scim.create_user("alice", emails=[{"value": "alice@example.com", "type": "work"}])
    scim.create_user("bob", emails=[{"value": "bob@example.org", "type": "work"}])
    body = scim.get('/Users?filter=emails[type eq "work" and value ew "example.org"]').get_json()
    assert [r["userName"] for r in body["Resources"]] == ["bob"]


def test_max_results_is_never_exceeded(scim, config):
    for i in range(config["filter"]["maxResults"] + 3):
        scim.create_user(f"user{i:03d}")
    for query in ("", "?count=1000", "?startIndex=2&count=51"):
        body = scim.get(f"/Users{query}").get_json()
        assert body["totalResults"] == 53
        assert body["itemsPerPage"] == len(body["Resources"]) == 50


def test_sort_supported_means_sorting_works(scim, config):
    assert config["sort"]["supported"]
    for name in ("carol", "Alice", "bob"):
        scim.create_user(name)
    ascending = scim.get("/Users?sortBy=userName").get_json()["Resources"]
    descending = scim.get("/Users?sortBy=userName&sortOrder=descending").get_json()["Resources"]
    assert [r["userName"] for r in ascending] == ["Alice", "bob", "carol"]
    assert [r["userName"] for r in descending] == ["carol", "bob", "Alice"]


def test_patch_supported_means_patch_works(scim, config):
    assert config["patch"]["supported"]
    user = scim.create_user("alice")
    response = scim.patch(
        f"/Users/{user['id']}", patch_body({"op": "add", "path": "nickName", "value": "Al"})
    )
    assert response.get_json()["nickName"] == "Al"


def test_change_password_supported_means_password_is_accepted_and_never_returned(
    scim, storage, config
):
    assert config["changePassword"]["supported"]
    user = scim.create_user("alice", password="first-Secret1")
    assert "password" not in user
    put = scim.put(
        f"/Users/{user['id']}",
        {"schemas": [USER_SCHEMA], "userName": "alice", "password": "second-Secret2"},
    )
    assert put.status_code == 200 and "password" not in put.get_json()
    assert storage.passwords[user["id"]] == "second-Secret2"
    patched = scim.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "replace", "path": "password", "value": "third-Secret3"}),
    )
    assert patched.status_code == 200 and "third-Secret3" not in patched.get_data(as_text=True)
    assert storage.passwords[user["id"]] == "third-Secret3"
    assert "password" not in scim.get(f"/Users/{user['id']}?attributes=password").get_json()


def test_bulk_supported_means_bulk_works(scim, storage, config):
    assert config["bulk"]["supported"]
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a",
                        "data": {"schemas": [USER_SCHEMA], "userName": "alice"}}],
    }
    response = scim.post("/Bulk", body)
    assert response.status_code == 200
    assert response.get_json()["Operations"][0]["status"] == "201"
    assert [u["userName"] for u in storage.data["User"].values()] == ["alice"]
    too_many = {**body, "Operations": body["Operations"] * (config["bulk"]["maxOperations"] + 1)}
    assert scim.post("/Bulk", too_many).status_code == 413


def test_etag_supported_means_versions_and_conditional_requests_work(scim, config):
    assert config["etag"]["supported"]
    user = scim.create_user("alice")
    got = scim.get(f"/Users/{user['id']}")
    assert got.headers["ETag"] == got.get_json()["meta"]["version"]
    unchanged = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": got.headers["ETag"]})
    assert unchanged.status_code == 304
    scim.patch(f"/Users/{user['id']}", patch_body({"op": "add", "path": "nickName", "value": "Al"}))
    stale = scim.delete(f"/Users/{user['id']}", headers={"If-Match": got.headers["ETag"]})
    assert stale.status_code == 412


def test_resource_types(scim):
    body = scim.get("/ResourceTypes").get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert body["totalResults"] == 2
    by_name = {r["name"]: r for r in body["Resources"]}
    assert by_name["User"]["endpoint"] == "/Users"
    assert by_name["User"]["schema"] == USER_SCHEMA
    assert by_name["User"]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert by_name["Group"]["schema"] == GROUP_SCHEMA
    assert by_name["Group"]["schemaExtensions"] == []
    one = scim.get("/ResourceTypes/Group").get_json()
    assert one == by_name["Group"]
    assert one["meta"]["location"] == "http://localhost/scim/v2/ResourceTypes/Group"


def test_schemas_are_generated_from_the_attribute_model(scim):
    body = scim.get("/Schemas").get_json()
    assert body["totalResults"] == 3
    documents = {s["id"]: s for s in body["Resources"]}
    assert set(documents) == set(SCHEMAS)
    for urn, schema in SCHEMAS.items():
        assert documents[urn]["attributes"] == [a.to_dict() for a in schema.attributes]
        assert scim.get(f"/Schemas/{urn}").get_json() == documents[urn]


@pytest.mark.parametrize(
    ("schema", "name", "expected"),
    [
        (
            USER_SCHEMA,
            "id",
            {
                "mutability": "readOnly",
                "returned": "always",
                "uniqueness": "server",
                "caseExact": True,
            },
        ),
        (
            USER_SCHEMA,
            "userName",
            {
                "required": True,
                "uniqueness": "server",
                "caseExact": False,
                "type": "string",
                "multiValued": False,
            },
        ),
        (USER_SCHEMA, "password", {"mutability": "writeOnly", "returned": "never"}),
        (USER_SCHEMA, "active", {"type": "boolean"}),
        (USER_SCHEMA, "emails", {"type": "complex", "multiValued": True}),
        (USER_SCHEMA, "groups", {"mutability": "readOnly", "multiValued": True}),
        (GROUP_SCHEMA, "displayName", {"required": True, "uniqueness": "server"}),
        (GROUP_SCHEMA, "members", {"type": "complex", "multiValued": True}),
        (ENTERPRISE, "manager", {"type": "complex", "multiValued": False}),
    ],
)
def test_attribute_characteristics(scim, schema, name, expected):
    document = scim.get(f"/Schemas/{schema}").get_json()
    attribute = next(a for a in document["attributes"] if a["name"] == name)
    assert {k: attribute[k] for k in expected} == expected


@pytest.mark.parametrize("path", ["/ResourceTypes/Nope", "/Schemas/urn:nope"])
def test_unknown_discovery_documents_are_404(scim, path):
    response = scim.get(path)
    assert response.status_code == 404
    assert response.get_json()["schemas"] == [ERROR]


@pytest.mark.parametrize("path", DISCOVERY_PATHS)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_on_discovery_are_405(scim, path, method):
    response = scim.request(method, path, {"schemas": [USER_SCHEMA]})
    assert response.status_code == 405
    assert response.mimetype == "application/scim+json"
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "405",
        "detail": "Method not allowed on this endpoint.",
    }
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"])
def test_filter_on_discovery_is_403(scim, path):
    response = scim.get(f'{path}?filter=id eq "User"')
    assert response.status_code == 403
    assert response.get_json()["status"] == "403"
