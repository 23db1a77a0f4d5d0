"""The bridge built the production way against a real GLPI, for the real lane.

:class:`RealBridge` has the helper methods of
:class:`tests.backend.users_app.UserBridge` (``request``, ``get``, ``post``,
``put``, ``patch``, ``delete``, ``find``, ``create``) plus group helpers,
and counts the GLPI calls the bridge makes through the client's call hooks
(:class:`app.glpi.session.CallRecord`): :meth:`RealBridge.calls` lists
``(method, endpoint)`` since :meth:`RealBridge.reset_calls`, with numeric
ids replaced by ``:id`` (``("GET", "/search/User")``, ``("PUT", "/User/:id")``).

Every user and group it answers 201 for (through the test client or
:meth:`RealBridge.serve`, scim2-tester included) is purged from GLPI on
:meth:`RealBridge.close`; :meth:`RealBridge.adopt` adds others (a create
that GLPI stored although the bridge answered an error).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.serving import make_server

from app import create_app
from app.glpi.session import CallRecord

TOKEN = "real-lane-token-00000001"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def unique_name(prefix: str = "rl") -> str:
    """A name no other run or helper uses: ``prefix`` + 10 random hex digits (lower case)."""
    return f"{prefix}-{secrets.token_hex(5)}"


def bridge_config(real: Any, top: dict | None = None, *, token: str = TOKEN, **tenant: Any) -> dict:
    """One tenant ``acme`` on the real GLPI ``real``; ``top`` adds top-level sections."""
    glpi = {
        "url": real.url,
        "app_token": real.app_token,
        "user_token": real.user_token,
        "version": real.major,
        **tenant.pop("glpi", {}),
    }
    return {
        "scim": {"max_results": 200},
        **(top or {}),
        "tenants": [{"name": "acme", "tokens": [token], "glpi": glpi, **tenant}],
    }


class RealBridge:
    """The Flask test client of a bridge over the real GLPI ``real`` (a ``RealGlpi``).

    :param top: top-level configuration sections (``ledger``, ``redis``...).
    :param tenant: options of the tenant (``deprovisioning``, ``entity``, ``glpi``...).
    """

    def __init__(self, real: Any, top: dict | None = None, **tenant: Any):
        self.real = real
        self.api = real.api
        self.app = create_app(bridge_config(real, top, **tenant))
        self.client = self.app.test_client()
        self.storage = self.app.extensions["tenants"].get("acme").storage
        self.glpi = self.storage.client
        self._lock = threading.Lock()
        self._calls: list[CallRecord] = []
        self.glpi.hooks.append(self._record)
        self.created: dict[str, set[str]] = {"User": set(), "Group": set(), "UserTitle": set()}
        self.app.after_request(self._note_created)

    # -- GLPI call counting ------------------------------------------------------------------

    def _record(self, record: CallRecord) -> None:
        with self._lock:
            self._calls.append(record)

    def calls(self) -> list[tuple[str, str]]:
        """``(method, endpoint)`` of every GLPI call since :meth:`reset_calls`."""
        with self._lock:
            return [(c.method, c.endpoint) for c in self._calls]

    def records(self) -> list[CallRecord]:
        """The full call records (with status and duration) since :meth:`reset_calls`."""
        with self._lock:
            return list(self._calls)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    # -- SCIM --------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any):
        headers = {"Authorization": f"Bearer {TOKEN}", **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
            headers["Content-Type"] = "application/scim+json"
        return self.client.open(f"/scim/v2{path}", method=method, headers=headers, **kwargs)

    def _note_created(self, response: Any) -> Any:
        """Remember every user or group this app answered 201 for (test client, served, Bulk)."""
        if response.status_code == 201 and response.is_json:
            body = response.get_json(silent=True) or {}
            kind = {"User": "User", "Group": "Group"}.get((body.get("meta") or {}).get(
                "resourceType", ""))
            if kind and body.get("id"):
                with self._lock:
                    self.created[kind].add(str(body["id"]))
        return response

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

    # -- groups ------------------------------------------------------------------------------

    def post_group(self, body: Any):
        return self.request("POST", "/Groups", {"schemas": [GROUP_SCHEMA], **body})

    def patch_group(self, group_id: str, operations: list[dict]):
        return self.request(
            "PATCH", f"/Groups/{group_id}", {"schemas": [PATCH_OP], "Operations": operations}
        )

    def put_group(self, group_id: str, body: Any):
        return self.request("PUT", f"/Groups/{group_id}", {"schemas": [GROUP_SCHEMA], **body})

    def delete_group(self, group_id: str):
        return self.request("DELETE", f"/Groups/{group_id}")

    def create_group(self, display_name: str, **fields: Any) -> dict:
        answer = self.post_group({"displayName": display_name, **fields})
        assert answer.status_code == 201, answer.json
        return answer.json

    # -- serving and clean-up ----------------------------------------------------------------

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the bridge on a loopback port with threads; yields its ``.../scim/v2`` URL.

        What it answers 201 for is purged on :meth:`close` as well.
        """
        server = make_server("127.0.0.1", 0, self.app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.socket.getsockname()[1]}/scim/v2"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

    def adopt(self, kind: str, *ids: Any) -> None:
        """Purge these ``User``, ``Group`` or ``UserTitle`` ids on :meth:`close` too."""
        with self._lock:
            self.created[kind].update(str(i) for i in ids)

    def adopt_named(self, kind: str, name: str) -> None:
        """Purge on :meth:`close` every ``kind`` row named ``name`` (trash included)."""
        self.adopt(kind, *(row["id"] for row in self.api.rows(kind, name=name)))

    @property
    def headers(self) -> dict[str, str]:
        """Headers for a served bridge (see :meth:`serve`)."""
        return {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}

    def close(self) -> None:
        """Purge from GLPI what this bridge created, then end its GLPI session."""
        for kind in ("Group", "User", "UserTitle"):
            ids = sorted(i for i in self.created[kind] if i.isdigit())
            if ids:
                self.api.purge(kind, *ids)
        with contextlib.suppress(Exception):
            self.glpi.kill_session()
        with contextlib.suppress(Exception):
            self.app.extensions["tenants"].close()
