"""The bridge served over the GLPI simulator, for the group tests.

``served_bridge`` builds the Flask app the production way (the GLPI backend
of :func:`app.create_app`) against a running simulator; ``Scim`` is a small
authenticated client for the Flask test client; ``calls`` filters the
simulator's call log.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.glpi.client.session import endpoint_template
from tests.backend import users_app

TOKEN = "groups-test-token-000001"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def bridge_config(running: Any, **tenant: Any) -> dict:
    """A one-tenant configuration pointing at the simulator ``running``."""
    return users_app.bridge_config(running, {"scim": {"max_results": 200}}, token=TOKEN, **tenant)


@contextlib.contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a loopback port with threads; yields its ``.../scim/v2`` URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}/scim/v2"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def served_bridge(running: Any, **tenant: Any) -> Flask:
    """The bridge app over the simulator, with the production GLPI backend."""
    return create_app(bridge_config(running, **tenant))


class Scim:
    """Flask test client speaking SCIM with the tenant's bearer token."""

    def __init__(self, app: Flask):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {TOKEN}"}

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
            headers["Content-Type"] = "application/scim+json"
        return self.client.open(f"/scim/v2{path}", method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any):
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any):
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, operations: list[dict], **kwargs: Any):
        return self.request(
            "PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, **kwargs
        )

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)


def calls(sim: Any, method: str | None = None, contains: str = "") -> list:
    """The simulator's recorded calls, filtered by method and a path fragment."""
    return [c for c in sim.calls if (method is None or c.method == method) and contains in c.path]


def call_sequence(sim: Any) -> list[tuple[str, str]]:
    """``(method, endpoint)`` of the recorded calls, ids as ``:id`` (``tests/call_counts.py``)."""
    return [(c.method, endpoint_template(c.path.split("apirest.php", 1)[-1])) for c in sim.calls]


def seed_users(sim: Any, count: int, prefix: str = "member", entity: int = 0) -> list[int]:
    """Create ``count`` users with a Self-Service profile in ``entity``, directly in GLPI."""
    return [sim.seed_user(name=f"{prefix}{i}", _entity=entity) for i in range(count)]


def group_user_rows(sim: Any, group_id: int) -> list[dict]:
    return [row for row in sim.rows("Group_User") if row["groups_id"] == group_id]


def member_ids(sim: Any, group_id: int) -> set[int]:
    return {row["users_id"] for row in group_user_rows(sim, group_id)}
