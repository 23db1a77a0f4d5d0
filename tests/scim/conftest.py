"""Fixtures of the protocol-layer tests: the app over the in-memory storage."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.scim.memory_storage import MemoryStorage

TOKEN = "protocol-test-token-0001"
SECOND_TOKEN = "protocol-test-token-0002"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

BASE_CONFIG: dict[str, Any] = {
    "scim": {"max_results": 50},
    "tenants": [
        {
            "name": "acme",
            "tokens": [TOKEN, SECOND_TOKEN],
            "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "unused"},
        }
    ],
}


def make_app(**scim: Any) -> tuple[Flask, MemoryStorage]:
    """Build the app over a fresh MemoryStorage; ``scim`` overrides the ``scim`` section."""
    config = copy.deepcopy(BASE_CONFIG)
    config["scim"].update(scim)
    storage = MemoryStorage()
    app = create_app(config, storage_factory=lambda tenant, settings: storage)
    return app, storage


class ScimClient:
    """A Flask test client that authenticates and speaks application/scim+json."""

    def __init__(self, client: FlaskClient, token: str = TOKEN):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
            headers.setdefault("Content-Type", "application/scim+json")
        return self.client.open(f"/scim/v2{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any):
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)

    def create_user(self, user_name: str, **attributes: Any) -> dict:
        response = self.post(
            "/Users", {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def create_group(self, display_name: str, **attributes: Any) -> dict:
        response = self.post(
            "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": display_name, **attributes}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()


def patch_body(*operations: dict) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


@pytest.fixture
def app_and_storage() -> tuple[Flask, MemoryStorage]:
    return make_app()


@pytest.fixture
def storage(app_and_storage) -> MemoryStorage:
    return app_and_storage[1]


@pytest.fixture
def scim(app_and_storage) -> ScimClient:
    return ScimClient(app_and_storage[0].test_client())


@pytest.fixture
def anonymous(app_and_storage) -> FlaskClient:
    return app_and_storage[0].test_client()
