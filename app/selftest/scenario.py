"""The scenario of ``glpi-scim-bridge selftest``: what an IdP does, on throwaway objects.

Every step is a SCIM request through the bridge's own application (routes,
payload validation, the tenant's storage, GLPI), checked as an IdP would
check the answer. The same steps run from the command line and in the
real-GLPI test lane (``tests/real/test_selftest.py``): there is one scenario.

The objects are named ``scim-selftest-`` plus a random part
(:class:`Throwaway`), so a leftover is obvious and no other object can be
mistaken for one. The ids GLPI gives them are noted in :class:`Made` as soon
as an answer carries them, for the clean-up (:mod:`app.selftest.cleanup`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

#: The start of every name the self-test gives (users, groups, e-mails).
PREFIX = "scim-selftest-"

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class StepFailed(Exception):
    """A step's answer is not what an IdP expects; the message says what came instead."""


@dataclass(frozen=True)
class Throwaway:
    """The names of one run: recognisable (:data:`PREFIX`) and unique (10 random hex digits)."""

    tag: str

    @classmethod
    def new(cls) -> Throwaway:
        return cls(PREFIX + secrets.token_hex(5))

    @property
    def login(self) -> str:
        return self.tag

    @property
    def group(self) -> str:
        return self.tag

    @property
    def email(self) -> str:
        """An address of the reserved ``.invalid`` domain (RFC 2606): no mail can reach it."""
        return f"{self.tag}@selftest.invalid"


@dataclass
class Made:
    """What this run created: SCIM ids (GLPI ids) per resource type, noted as they come."""

    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


@dataclass
class Scim:
    """SCIM requests of one tenant through the bridge's WSGI application (Flask test client)."""

    client: Any
    token: str

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/scim+json"}
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["json"] = body
            headers["Content-Type"] = "application/scim+json"
        answer = self.client.open(f"/scim/v2{path}", method=method, **kwargs)
        return answer.status_code, answer.get_json(silent=True) or {}


@dataclass
class Run:
    """The state the steps share."""

    scim: Scim
    names: Throwaway
    made: Made
    policy: str


def _expect(status: int, body: dict, wanted: tuple[int, ...], what: str) -> dict:
    if status not in wanted:
        detail = body.get("detail") or body.get("scimType") or ""
        expected = "/".join(map(str, wanted))
        raise StepFailed(f"{what}: expected HTTP {expected}, got {status} {detail}")
    return body


def _filter(run: Run) -> list[dict]:
    query = f'/Users?filter=userName%20eq%20%22{run.names.login}%22'
    body = _expect(*run.scim.request("GET", query), (200,), "filter userName eq")
    return list(body.get("Resources") or [])


def _user(run: Run) -> dict:
    status, body = run.scim.request("GET", f"/Users/{run.made.users[0]}")
    return _expect(status, body, (200,), "read the user back")


def filter_miss(run: Run) -> str:
    found = _filter(run)
    if found:
        raise StepFailed(
            f"userName eq {run.names.login!r} found {len(found)} user(s) before the create"
        )
    return "no user has the login yet"


def create_user(run: Run) -> str:
    body = {
        "schemas": [USER_SCHEMA],
        "userName": run.names.login,
        "name": {"givenName": "Selftest", "familyName": "Provisioning"},
        "emails": [{"value": run.names.email, "type": "work", "primary": True}],
        "active": True,
    }
    created = _expect(*run.scim.request("POST", "/Users", body), (201,), "POST /Users")
    if not created.get("id"):
        raise StepFailed("POST /Users answered 201 without an id")
    run.made.users.append(str(created["id"]))
    emails = [e.get("value") for e in created.get("emails") or []]
    if emails[:1] != [run.names.email]:
        raise StepFailed(f"the created user has e-mails {emails}, not [{run.names.email!r}]")
    return f"user {created['id']} {run.names.login} with an e-mail"


def filter_hit(run: Run) -> str:
    found = [str(u.get("id")) for u in _filter(run)]
    if found != run.made.users[:1]:
        raise StepFailed(
            f"userName eq {run.names.login!r} found ids {found}, not {run.made.users[:1]}"
        )
    return f"found user {found[0]}"


def patch_user(run: Run) -> str:
    ops = [{"op": "replace", "path": "name.familyName", "value": "Patched"}]
    body = {"schemas": [PATCH_OP], "Operations": ops}
    path = f"/Users/{run.made.users[0]}"
    _expect(*run.scim.request("PATCH", path, body), (200, 204), "PATCH name.familyName")
    family = (_user(run).get("name") or {}).get("familyName")
    if family != "Patched":
        raise StepFailed(f"name.familyName reads back {family!r} after the PATCH, not 'Patched'")
    return "name.familyName replaced and read back"


def deactivate_user(run: Run) -> str:
    ops = [{"op": "replace", "path": "active", "value": False}]
    body = {"schemas": [PATCH_OP], "Operations": ops}
    path = f"/Users/{run.made.users[0]}"
    _expect(*run.scim.request("PATCH", path, body), (200, 204), "PATCH active false")
    if _user(run).get("active") is not False:
        raise StepFailed("the user still reads active after PATCH active false")
    return "active false, read back"


def create_group(run: Run) -> str:
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": run.names.group,
        "members": [{"value": run.made.users[0]}],
    }
    created = _expect(*run.scim.request("POST", "/Groups", body), (201,), "POST /Groups")
    if not created.get("id"):
        raise StepFailed("POST /Groups answered 201 without an id")
    run.made.groups.append(str(created["id"]))
    members = _members(run)
    if members != run.made.users[:1]:
        raise StepFailed(f"the new group has members {members}, not {run.made.users[:1]}")
    return f"group {created['id']} with the user as member"


def _members(run: Run) -> list[str]:
    status, body = run.scim.request("GET", f"/Groups/{run.made.groups[0]}")
    _expect(status, body, (200,), "read the group back")
    return [str(m.get("value")) for m in body.get("members") or []]


def remove_member(run: Run) -> str:
    path = f'members[value eq "{run.made.users[0]}"]'
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": path}]}
    group = f"/Groups/{run.made.groups[0]}"
    _expect(*run.scim.request("PATCH", group, body), (200, 204), "PATCH remove member")
    members = _members(run)
    if members:
        raise StepFailed(f"the group still has members {members} after the remove")
    return "member removed, read back"


def delete_group(run: Run) -> str:
    group = f"/Groups/{run.made.groups[0]}"
    _expect(*run.scim.request("DELETE", group), (204,), "DELETE /Groups")
    status, _ = run.scim.request("GET", group)
    if status != 404:
        raise StepFailed(f"GET of the deleted group answered {status}, not 404")
    return "deleted, 404 after"


def delete_user(run: Run) -> str:
    path = f"/Users/{run.made.users[0]}"
    _expect(*run.scim.request("DELETE", path), (204,), "DELETE /Users")
    status, body = run.scim.request("GET", path)
    if run.policy == "deactivate":
        if status != 200 or body.get("active") is not False:
            raise StepFailed(
                f"deprovisioning is deactivate, but GET answered {status} {body.get('active')}"
            )
        return "deprovisioning deactivate: inactive, still readable"
    if status != 404:
        raise StepFailed(f"deprovisioning is {run.policy}, but GET after DELETE answered {status}")
    return f"deprovisioning {run.policy}: 404 after"


#: The steps, in order: (name, function). Each returns a short note or raises StepFailed.
STEPS: tuple[tuple[str, Callable[[Run], str]], ...] = (
    ("filter miss", filter_miss),
    ("create user with e-mail", create_user),
    ("filter hit", filter_hit),
    ("patch user", patch_user),
    ("deactivate user", deactivate_user),
    ("create group with member", create_group),
    ("remove member", remove_member),
    ("delete group", delete_group),
    ("delete user (policy)", delete_user),
)
