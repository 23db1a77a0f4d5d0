"""What the stress tests share: the bridge over a simulator, the SCIM Error check, GLPI views.

``StressBridge`` builds the app the production way (:func:`app.create_app`
with the GLPI backend) against a running simulator; the fault tests pass
:data:`SHORT_TIMEOUTS`, so that a latency spike is a timeout and not a long
wait, the others keep timeouts no loaded CI machine reaches.
``check_error`` is the contract every non-2xx answer must meet (RFC 7644
§3.12). ``Glpi`` reads what the simulator stores, for the model checks.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from app import create_app

TOKEN = "stress-test-token-00000001"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

#: ``GSB_STRESS_HEAVY=1`` runs the heavy variants (more operations, more examples).
HEAVY = os.environ.get("GSB_STRESS_HEAVY", "") == "1"


def heavy(light: int, heavy_value: int) -> int:
    """``heavy_value`` under ``GSB_STRESS_HEAVY=1``, else ``light``."""
    return heavy_value if HEAVY else light


#: GLPI timeouts of the fault tests: an answer later than 0.5 s is a read timeout.
SHORT_TIMEOUTS = {"connect": 0.5, "read": 0.5}


def tenant_config(running: Any, name: str = "acme", token: str = TOKEN, **extra: Any) -> dict:
    """A tenant on the simulator ``running`` (``glpi=...`` overrides GLPI settings)."""
    glpi = {
        "url": running.url,
        "app_token": running.app_token,
        "user_token": running.user_token,
        "version": running.sim.version,
        "timeouts": {"connect": 2, "read": 10},
        "retries": 1,
        **extra.pop("glpi", {}),
    }
    return {"name": name, "tokens": [token], "glpi": glpi, **extra}


class StressBridge:
    """The Flask test client of a bridge over ``running``, speaking SCIM with its token."""

    def __init__(
        self,
        running: Any,
        config: dict | None = None,
        token: str = TOKEN,
        top: dict | None = None,
        **tenant,
    ):
        self.running = running
        self.sim = running.sim
        self.token = token
        self.app = create_app(
            config
            or {
                "scim": {"max_results": 200},
                **(top or {}),
                "tenants": [tenant_config(running, **tenant)],
            }
        )
        self.client = self.app.test_client()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict | None = None,
        **kwargs: Any,
    ):
        sent = {"Authorization": f"Bearer {token or self.token}"}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            sent["Content-Type"] = "application/scim+json"
        sent.update(headers or {})
        return self.client.open(f"/scim/v2{path}", method=method, headers=sent, **kwargs)

    def patch_body(self, operations: list[dict]) -> dict:
        return {"schemas": [PATCH_OP], "Operations": operations}


def check_error(status: int, headers: Any, raw: bytes) -> dict:
    """Assert that an error answer is an RFC 7644 §3.12 Error; return its body.

    "status": "The HTTP status code ... expressed as a JSON string. REQUIRED";
    "detail": "A detailed human-readable message. OPTIONAL", which the bridge
    always gives. A stack trace never leaks.
    """
    content_type = headers.get("Content-Type", "")
    assert content_type.startswith("application/scim+json"), (status, content_type, raw[:200])
    body = json.loads(raw)
    assert body.get("schemas") == [ERROR_SCHEMA], body
    assert body.get("status") == str(status), body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    text = raw.decode("utf-8", "replace")
    assert "Traceback" not in text and 'File "' not in text, text
    return body


def check_answer(response: Any) -> None:
    """A Flask test response is either 2xx/304 or a proper SCIM Error."""
    if response.status_code >= 300 and response.status_code != 304:
        check_error(response.status_code, response.headers, response.get_data())


class Glpi:
    """Read-only views of the simulator's tables, for the model checks."""

    def __init__(self, sim: Any):
        self.sim = sim

    def users_named(self, login: str) -> list[dict]:
        """Rows whose login is ``login`` (case-insensitive; as stored: GLPI 10 encodes ``<>&``)."""
        wanted = self.sim.encode(login).casefold()
        return [u for u in self.sim.rows("User") if str(u["name"]).casefold() == wanted]

    def user(self, user_id: int | str) -> dict | None:
        return next((u for u in self.sim.rows("User") if u["id"] == int(user_id)), None)

    def emails(self, user_id: int | str) -> list[str]:
        return sorted(
            e["email"] for e in self.sim.rows("UserEmail") if e["users_id"] == int(user_id)
        )

    def groups_named(self, name: str) -> list[dict]:
        wanted = self.sim.encode(name).casefold()
        return [g for g in self.sim.rows("Group") if str(g["name"]).casefold() == wanted]

    def group(self, group_id: int | str) -> dict | None:
        return next((g for g in self.sim.rows("Group") if g["id"] == int(group_id)), None)

    def members(self, group_id: int | str) -> list[int]:
        """Member user ids, one per ``Group_User`` row (a duplicate row shows twice)."""
        return sorted(
            r["users_id"] for r in self.sim.rows("Group_User") if r["groups_id"] == int(group_id)
        )

    def duplicated_memberships(self) -> list[tuple[int, int]]:
        pairs = Counter((r["users_id"], r["groups_id"]) for r in self.sim.rows("Group_User"))
        return [pair for pair, count in pairs.items() if count > 1]
