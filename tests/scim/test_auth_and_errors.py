"""Authentication (401) and the exact Error bodies of 401, 404, 405, 409, 413 and 500."""

from __future__ import annotations

import hashlib
import logging

import pytest

from app import create_app
from app.scim.errors import UnavailableError
from tests.scim.conftest import BASE_CONFIG
from tests.scim.conftest import ERROR
from tests.scim.conftest import GROUP_SCHEMA
from tests.scim.conftest import SECOND_TOKEN
from tests.scim.conftest import TOKEN
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import ScimClient
from tests.scim.memory_storage import MemoryStorage

UNAUTHORIZED = {"schemas": [ERROR], "status": "401", "detail": "Authentication is required."}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"{TOKEN}",
        "Bearer wrong-token-000000000",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
    ],
)
@pytest.mark.parametrize(
    "path", ["/Users", "/Groups/1", "/ServiceProviderConfig", "/Schemas", "/Me"]
)
def test_missing_or_wrong_token_is_401_revealing_nothing(anonymous, header, path):
    headers = {} if header is None else {"Authorization": header}
    response = anonymous.get(f"/scim/v2{path}", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/scim+json"
    assert response.get_json() == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_on_writes_changes_nothing(anonymous, storage):
    response = anonymous.post(
        "/scim/v2/Users",
        json={"schemas": [USER_SCHEMA], "userName": "x"},
        headers={"Authorization": "Bearer nope-nope-nope-nope"},
    )
    assert response.status_code == 401
    assert storage.data["User"] == {} and storage.calls == []


@pytest.mark.parametrize("token", [TOKEN, SECOND_TOKEN])
def test_every_configured_token_is_accepted(app_and_storage, token):
    client = ScimClient(app_and_storage[0].test_client(), token=token)
    assert client.get("/Users").status_code == 200


def test_scheme_is_case_insensitive(anonymous):
    response = anonymous.get("/scim/v2/Users", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200


def test_hashed_tokens_and_tenant_routing():
    config = {
        "tenants": [
            {
                "name": "one",
                "tokens": ["sha256:" + hashlib.sha256(b"first-tenant-token").hexdigest()],
                "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "u"},
            },
            {
                "name": "two",
                "tokens": ["second-tenant-token"],
                "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "u"},
            },
        ],
    }
    storages = {}

    def factory(tenant, settings):
        storages[tenant["name"]] = MemoryStorage()
        return storages[tenant["name"]]

    app = create_app(config, storage_factory=factory)
    one = ScimClient(app.test_client(), token="first-tenant-token")
    two = ScimClient(app.test_client(), token="second-tenant-token")
    one.create_user("alice")
    assert one.get("/Users").get_json()["totalResults"] == 1
    assert two.get("/Users").get_json()["totalResults"] == 0
    assert [c.ctx.tenant for c in storages["one"].calls] == ["one", "one"]
    assert [c.ctx.tenant for c in storages["two"].calls] == ["two"]
    hashed_text = ScimClient(app.test_client(), token=config["tenants"][0]["tokens"][0])
    assert hashed_text.get("/Users").status_code == 401


def test_404_unknown_resource_body(scim):
    response = scim.get("/Users/does-not-exist")
    assert response.status_code == 404
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "404",
        "detail": "User 'does-not-exist' not found.",
    }


@pytest.mark.parametrize(
    "path", ["/scim/v2/Foo", "/scim/v2/Users/1/extra", "/scim/v2/", "/", "/scim", "/favicon.ico"]
)
def test_404_unknown_path_is_a_scim_error_never_html(scim, path):
    response = scim.client.get(path, headers=scim.headers)
    assert response.status_code == 404
    assert response.mimetype == "application/scim+json"
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "404",
        "detail": "Resource not found.",
    }


def test_405_body(scim):
    response = scim.request("PUT", "/Users")
    assert response.status_code == 405
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "405",
        "detail": "Method not allowed on this endpoint.",
    }
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_409_duplicate_user_name_is_case_insensitive(scim):
    scim.create_user("bjensen")
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "BJensen"})
    assert response.status_code == 409
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "409",
        "scimType": "uniqueness",
        "detail": "userName 'BJensen' is already taken.",
    }
    assert scim.get("/Users").get_json()["totalResults"] == 1


def test_409_duplicate_group_display_name(scim):
    scim.create_group("Tour Guides")
    response = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "tour guides"})
    assert response.status_code == 409
    assert response.get_json()["scimType"] == "uniqueness"
    assert response.get_json()["status"] == "409"


def test_409_on_rename_to_a_taken_name(scim):
    scim.create_user("alice")
    bob = scim.create_user("bob")
    response = scim.patch(
        f"/Users/{bob['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "userName", "value": "ALICE"}],
        },
    )
    assert response.status_code == 409
    assert scim.get(f"/Users/{bob['id']}").get_json()["userName"] == "bob"


def test_413_body_too_large():
    config = {**BASE_CONFIG, "server": {"max_body_bytes": 1024}}
    app = create_app(config, storage_factory=lambda t, s: MemoryStorage())
    scim = ScimClient(app.test_client())
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "x" * 4000})
    assert response.status_code == 413
    body = response.get_json()
    assert response.mimetype == "application/scim+json"
    assert body["schemas"] == [ERROR] and body["status"] == "413" and body["detail"]


class _BrokenStorage(MemoryStorage):
    def search(self, ctx, resource_type, query):
        raise RuntimeError("secret-internal-state at /srv/app.py line 3")

    def get(self, ctx, resource_type, resource_id):
        raise UnavailableError("GLPI is unreachable.", retry_after=12)


def test_500_never_shows_a_stack_trace(caplog):
    app = create_app(BASE_CONFIG, storage_factory=lambda t, s: _BrokenStorage())
    scim = ScimClient(app.test_client())
    with caplog.at_level(logging.ERROR):
        response = scim.get("/Users")
    assert response.status_code == 500
    assert response.get_json() == {"schemas": [ERROR], "status": "500", "detail": "Internal error."}
    assert "secret-internal-state" not in response.get_data(as_text=True)
    assert any("secret-internal-state" in (r.exc_text or "") for r in caplog.records)


def test_backend_unavailable_is_503_with_retry_after():
    app = create_app(BASE_CONFIG, storage_factory=lambda t, s: _BrokenStorage())
    response = ScimClient(app.test_client()).get("/Users/1")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "12"
    assert response.get_json() == {
        "schemas": [ERROR],
        "status": "503",
        "detail": "GLPI is unreachable.",
    }
