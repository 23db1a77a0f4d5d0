"""The optional tenant prefix ``/scim/v2/t/<tenant>/...``: same routes, and it must agree
with the credential (401 otherwise); locations keep the prefix the request used."""

from __future__ import annotations

import pytest

from app import create_app
from tests.scim.conftest import ERROR
from tests.scim.conftest import USER_SCHEMA
from tests.scim.memory_storage import MemoryStorage

TOKEN_A = "prefix-tenant-a-token-01"
TOKEN_B = "prefix-tenant-b-token-01"


@pytest.fixture
def two():
    storages = {"a": MemoryStorage(), "b": MemoryStorage()}
    config = {
        "tenants": [
            {
                "name": name,
                "tokens": [token],
                "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "unused"},
            }
            for name, token in (("a", TOKEN_A), ("b", TOKEN_B))
        ]
    }
    app = create_app(config, storage_factory=lambda tenant, settings: storages[tenant["name"]])
    return app.test_client(), storages


def _send(client, method, path, token, body=None):
    kwargs = {"json": body} if body is not None else {}
    return client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_prefixed_routes_serve_the_credentials_tenant(two):
    client, storages = two
    created = _send(
        client,
        "POST",
        "/scim/v2/t/a/Users",
        TOKEN_A,
        {"schemas": [USER_SCHEMA], "userName": "alice"},
    )
    assert created.status_code == 201
    uid = created.get_json()["id"]
    assert created.headers["Location"] == f"http://localhost/scim/v2/t/a/Users/{uid}"
    assert created.get_json()["meta"]["location"] == created.headers["Location"]
    assert list(storages["a"].data["User"]) == [uid] and storages["b"].data["User"] == {}
    plain = _send(client, "GET", f"/scim/v2/Users/{uid}", TOKEN_A).get_json()
    assert plain["meta"]["location"] == f"http://localhost/scim/v2/Users/{uid}"
    spc = _send(client, "GET", "/scim/v2/t/a/ServiceProviderConfig", TOKEN_A).get_json()
    assert spc["meta"]["location"] == "http://localhost/scim/v2/t/a/ServiceProviderConfig"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/scim/v2/t/b/Users"),
        ("GET", "/scim/v2/t/b/Users/1"),
        ("POST", "/scim/v2/t/b/Users"),
        ("DELETE", "/scim/v2/t/b/Users/1"),
        ("GET", "/scim/v2/t/b/ServiceProviderConfig"),
        ("POST", "/scim/v2/t/b/Bulk"),
        ("GET", "/scim/v2/t/nobody/Users"),
    ],
)
def test_a_prefix_that_disagrees_with_the_credential_is_401(two, method, path):
    client, storages = two
    body = {"schemas": [USER_SCHEMA], "userName": "mallory"} if method == "POST" else None
    answer = _send(client, method, path, TOKEN_A, body)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.get_json() == {
        "schemas": [ERROR],
        "status": "401",
        "detail": "Authentication is required.",
    }
    assert storages["a"].data["User"] == {} and storages["b"].data["User"] == {}


def test_bulk_under_a_prefix_locates_resources_under_it(two):
    client, storages = two
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "x",
                "data": {"schemas": [USER_SCHEMA], "userName": "bob"},
            }
        ],
    }
    answer = _send(client, "POST", "/scim/v2/t/b/Bulk", TOKEN_B, body)
    op = answer.get_json()["Operations"][0]
    assert op["status"] == "201"
    assert op["location"].startswith("http://localhost/scim/v2/t/b/Users/")
    assert [u["userName"] for u in storages["b"].data["User"].values()] == ["bob"]
    assert storages["a"].data["User"] == {}


def test_oauth2_is_advertised_exactly_to_tenants_with_oauth_clients():
    import hashlib

    storages = {"a": MemoryStorage(), "b": MemoryStorage()}
    secret = "client-b-secret-value"
    config = {
        "oauth": {"signing_key": "k" * 40},
        "tenants": [
            {
                "name": "a",
                "tokens": [TOKEN_A],
                "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "unused"},
            },
            {
                "name": "b",
                "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "unused"},
                "oauth": {
                    "clients": [
                        {
                            "client_id": "client-b",
                            "secrets": ["sha256:" + hashlib.sha256(secret.encode()).hexdigest()],
                        }
                    ]
                },
            },
        ],
    }
    client = create_app(config, storage_factory=lambda t, s: storages[t["name"]]).test_client()
    plain = _send(client, "GET", "/scim/v2/ServiceProviderConfig", TOKEN_A).get_json()
    assert [s["type"] for s in plain["authenticationSchemes"]] == ["oauthbearertoken"]
    issued = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "client-b", "client_secret": secret},
    )
    token = issued.get_json()["access_token"]
    spc = _send(client, "GET", "/scim/v2/ServiceProviderConfig", token).get_json()
    assert [s["type"] for s in spc["authenticationSchemes"]] == ["oauthbearertoken", "oauth2"]
    assert _send(client, "GET", "/scim/v2/t/b/Users", token).status_code == 200
    assert _send(client, "GET", "/scim/v2/t/a/Users", token).status_code == 401



@pytest.mark.parametrize("base", ["/scim/v2", "/scim/v2/t/a"])
def test_member_refs_are_each_members_location_under_the_requests_prefix(two, base):
    """``$ref`` of numeric ids comes from one URL built per attribute (a 10,000-member
    group is 10,000 references); it must equal the member's own location, under the
    prefix the request used, and any other id still gets its own ``url_for``."""
    from app.scim.endpoint.service import add_references
    from app.scim.endpoint.service import location

    client, _ = two
    app = client.application
    headers = {"Authorization": f"Bearer {TOKEN_A}"}
    with app.test_request_context(f"{base}/Groups/1", method="GET", headers=headers):
        app.preprocess_request()
        values = [("7", "User"), ("12345", "User"), ("a b", "User"), ("0", "User"), ("9", "Group")]
        members = [{"value": v, "type": kind} for v, kind in values]
        shown = add_references("Group", {"id": "1", "members": members})
        expected = [location(kind, v) for v, kind in values]
    assert [m["$ref"] for m in shown["members"]] == expected
    assert expected[0] == f"http://localhost{base}/Users/7"
    assert expected[2] == f"http://localhost{base}/Users/a%20b"
    assert expected[4] == f"http://localhost{base}/Groups/9"
