"""The bridge built the production way against a real GLPI, for the real lane.

:class:`RealBridge` has the helper methods of
:class:`tests.backend.users_app.UserBridge` (``request``, ``get``, ``post``,
``put``, ``patch``, ``delete``, ``find``, ``create``) plus group helpers,
and counts the GLPI calls the bridge makes through the client's call hooks
(:class:`app.glpi.client.session.CallRecord`): :meth:`RealBridge.calls` lists
``(method, endpoint)`` since :meth:`RealBridge.reset_calls`, with numeric
ids replaced by ``:id`` (``("GET", "/search/User")``, ``("PUT", "/User/:id")``).

Every user, group, title or category the bridge adds to GLPI (through the
test client or :meth:`RealBridge.serve`, scim2-tester included: the GLPI
client's ``add`` is wrapped) is purged from GLPI on :meth:`RealBridge.close`;
:meth:`RealBridge.adopt` adds others (a create that GLPI stored although the
bridge saw an error).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from typing import Any

from app import create_app
from app.glpi.client.session import CallRecord
from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import serve_app
from tests.backend.users_app import ENTERPRISE
from tests.backend.users_app import PATCH_OP
from tests.backend.users_app import USER_SCHEMA
from tests.backend.users_app import ScimUsers

TOKEN = "real-lane-token-00000001"
__all__ = ["ENTERPRISE", "GROUP_SCHEMA", "PATCH_OP", "USER_SCHEMA", "RealBridge", "unique_name"]

#: Item types whose rows the bridge creates one by one; purged (in this order) on close.
#: Their relations (e-mails, profile rows, memberships) go with them.
TRACKED = ("Group", "User", "UserTitle", "UserCategory")


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


class RealBridge(ScimUsers):
    """The Flask test client of a bridge over the real GLPI ``real`` (a ``RealGlpi``).

    :param top: top-level configuration sections (``ledger``, ``redis``...).
    :param tenant: options of the tenant (``deprovisioning``, ``entity``, ``glpi``...).
    """

    def __init__(self, real: Any, top: dict | None = None, **tenant: Any):
        self.token = TOKEN
        self.real = real
        self.api = real.api
        self.app = create_app(bridge_config(real, top, **tenant))
        self.client = self.app.test_client()
        self.storage = self.app.extensions["tenants"].get("acme").storage
        self.glpi = self.storage.client
        self._lock = threading.Lock()
        self._calls: list[CallRecord] = []
        self.glpi.hooks.append(self._record)
        self.created: dict[str, set[str]] = {kind: set() for kind in TRACKED}
        self._closed = False
        self._add = self.glpi.add
        self.glpi.add = self._tracked_add  # type: ignore[method-assign]

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

    def _tracked_add(self, itemtype: str, inputs: Any) -> Any:
        """The client's ``add``, noting each new row of :data:`TRACKED` for :meth:`close`."""
        result = self._add(itemtype, inputs)
        if itemtype in TRACKED and not isinstance(inputs, list):
            with self._lock:
                self.created[itemtype].add(str(result))
        return result

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

    def new_entity(
        self, name: str | None = None, parent: int = 0
    ) -> contextlib.AbstractContextManager[int]:
        """An entity created under ``parent`` by GLPI's administrator (the test reader, not
        the bridge) for the ``with`` block, purged afterwards."""
        return self.api.entity(name or unique_name("rl-entity"), parent)

    # -- serving and clean-up ----------------------------------------------------------------

    def serve(self) -> contextlib.AbstractContextManager[str]:
        """Serve the bridge on a loopback port with threads; yields its ``.../scim/v2`` URL.

        What it adds to GLPI is purged on :meth:`close` as well.
        """
        return serve_app(self.app)

    def adopt(self, kind: str, *ids: Any) -> None:
        """Purge these ids of a :data:`TRACKED` item type on :meth:`close` too."""
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
        for kind in TRACKED:
            with self._lock:
                ids = sorted(i for i in self.created[kind] if i.isdigit())
                self.created[kind].clear()
            if ids:
                self.api.purge(kind, *ids)
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.glpi.kill_session()
        with contextlib.suppress(Exception):
            self.app.extensions["tenants"].close()
