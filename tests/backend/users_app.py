"""The bridge served over the GLPI simulator, for the user tests.

``UserBridge`` builds the app the production way (``create_app`` with the
default GLPI backend) against a running simulator and speaks SCIM with the
tenant's bearer token; ``glpi_calls`` reads the simulator's call log.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from app import create_app
from app.glpi.client.items import GlpiClient
from app.glpi.client.session import endpoint_template

TOKEN = "users-test-token-0000001"
#: GLPI's own accounts in the simulator, invisible to SCIM by default (``reserved.logins``).
RESERVED = frozenset({"glpi", "glpi-system", "normal", "post-only", "tech"})
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def bridge_config(
    running: Any, top: dict | None = None, *, token: str = TOKEN, **tenant: Any
) -> dict:
    """One tenant ``acme`` on the simulator; ``top`` adds top-level sections (``ledger``...)."""
    return {
        **(top or {}),
        "tenants": [
            {
                "name": "acme",
                "tokens": [token],
                "glpi": {
                    "url": running.url,
                    "app_token": running.app_token,
                    "user_token": running.user_token,
                    "version": running.sim.version,
                },
                **tenant,
            }
        ],
    }


class ScimUsers:
    """SCIM request helpers over ``self.client`` (a Flask test client) with ``self.token``;
    shared by :class:`UserBridge` and the real lane's ``RealBridge``."""

    token: str = TOKEN
    client: Any

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
            headers["Content-Type"] = "application/scim+json"
        return self.client.open(f"/scim/v2{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, body: Any):
        return self.request("POST", "/Users", {"schemas": [USER_SCHEMA], **body})

    def put(self, user_id: str, body: Any):
        return self.request("PUT", f"/Users/{user_id}", {"schemas": [USER_SCHEMA], **body})

    def patch(self, user_id: str, operations: list[dict]):
        return self.request(
            "PATCH", f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": operations}
        )

    def delete(self, user_id: str):
        return self.request("DELETE", f"/Users/{user_id}")

    def find(self, user_name: str) -> list[dict]:
        answer = self.get("/Users", query_string={"filter": f'userName eq "{user_name}"'})
        assert answer.status_code == 200, answer.json
        return answer.json["Resources"]

    def create(self, user_name: str, **fields: Any) -> dict:
        answer = self.post({"userName": user_name, **fields})
        assert answer.status_code == 201, answer.json
        return answer.json


class UserBridge(ScimUsers):
    """The Flask test client of a bridge over ``running`` (a started simulator)."""

    def __init__(self, running: Any, top: dict | None = None, **tenant: Any):
        self.running = running
        self.sim = running.sim
        self.app = create_app(bridge_config(running, top, **tenant))
        self.client = self.app.test_client()

    def warm_up(self) -> None:
        """Make the per-process look-ups (session, entities, profile, own id); forget the calls."""
        user = self.create("warm.up.user")
        assert (
            self.patch(
                user["id"], [{"op": "replace", "path": "active", "value": False}]
            ).status_code
            == 200
        )
        self.sim.reset_calls()

    @property
    def storage(self) -> Any:
        """The tenant's GLPI backend (its ``caches``, ``client``)."""
        return self.app.extensions["tenants"].get("acme").storage

    def calls(self) -> list[tuple[str, str]]:
        """``(method, endpoint)`` of the GLPI calls since the last reset, ids as ``:id``
        (the form of ``tests/call_counts.py``)."""
        return [(m, endpoint_template(p)) for m, p in glpi_calls(self.sim)]

    def reset_calls(self) -> None:
        self.sim.reset_calls()

    @contextlib.contextmanager
    def new_entity(self, name: str = "New entity", parent: int = 0) -> Iterator[int]:
        """An entity created under ``parent`` for the ``with`` block, as an administrator
        would: through GLPI's API, in a session of GLPI's own ``glpi`` account (not the
        bridge's); removed from the simulator afterwards, without a call in its log. The
        same helper exists on the real lane's bridge."""
        admin = GlpiClient(
            self.running.url, app_token=self.running.app_token,
            user_token=self.running.user_token,
        )
        try:
            entity_id = int(admin.add("Entity", {"name": name, "entities_id": parent}))
        finally:
            admin.close()
        try:
            yield entity_id
        finally:
            self.sim.delete_row("Entity", entity_id)

    def glpi_row(self, itemtype: str, **match: Any) -> list[dict]:
        """Rows of the simulator's table whose columns equal ``match``."""
        return [r for r in self.sim.rows(itemtype) if all(r.get(k) == v for k, v in match.items())]


def glpi_calls(sim: Any) -> list[tuple[str, str]]:
    """The (method, path after apirest.php) of every GLPI call since the last reset."""
    return [(c.method, c.path.split("apirest.php", 1)[-1]) for c in sim.calls]


def visible_users(bridge: UserBridge) -> list[dict]:
    """The simulator's live users that SCIM lists: GLPI's own accounts are not among them."""
    return [r for r in bridge.glpi_row("User", is_deleted=0) if r["name"] not in RESERVED]
