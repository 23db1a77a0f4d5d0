"""An in-memory :class:`~app.scim.storage.Storage`, to test the protocol layer alone.

It is a test double, not a product mode, but an honest one:

- filtering is exact (the protocol layer's own evaluator, ``filter.matches``);
- ``userName`` (case-insensitively) and Group ``displayName``
  (case-insensitively, as Entra requires) are unique: 409 ``uniqueness``;
- sorting follows ``caseExact`` (strings compare case-insensitively unless
  case-exact), paging is 1-based and ``total`` counts every match;
- Group members must be existing Users (400 ``invalidValue`` naming the
  unknown ids); member ``display`` and User ``groups`` are derived;
- the password is kept apart and never returned, like a real backend;
- PATCH results are applied as the protocol layer computed them, ``members``
  through their deltas;
- ``calls`` records every call with its context, so tests can check what the
  protocol layer asked for (e.g. that a Group PATCH did not load members).
"""

from __future__ import annotations

import copy
import itertools
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from app.scim.errors import ConflictError
from app.scim.errors import InvalidValueError
from app.scim.errors import NotFoundError
from app.scim.filter.parser import matches
from app.scim.patch.engine import PatchResult
from app.scim.schema import RESOURCES
from app.scim.storage import Context
from app.scim.storage import SearchQuery
from app.scim.storage import SearchResult
from app.scim.storage import Storage

UNIQUE = {"User": "userName", "Group": "displayName"}


@dataclass
class Call:
    operation: str
    resource_type: str
    ctx: Context
    resource_id: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MemoryStorage(Storage):
    """Users and Groups in dicts, guarded by one lock."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, dict]] = {"User": {}, "Group": {}}
        self.passwords: dict[str, str] = {}
        self.calls: list[Call] = []
        self._lock = threading.RLock()
        self._versions = itertools.count(1)

    # -- Storage interface -------------------------------------------------

    def get(self, ctx: Context, resource_type: str, resource_id: str) -> dict:
        with self._lock:
            self.calls.append(Call("get", resource_type, ctx, resource_id))
            return self._view(ctx, resource_type, self._stored(resource_type, resource_id))

    def search(self, ctx: Context, resource_type: str, query: SearchQuery) -> SearchResult:
        with self._lock:
            self.calls.append(Call("search", resource_type, ctx))
            full = [self._full(resource_type, r) for r in self.data[resource_type].values()]
            found = [r for r in full if query.filter is None or matches(query.filter, r)]
            if query.sort_by:
                found.sort(
                    key=lambda r: self._sort_key(resource_type, r, query.sort_by),
                    reverse=query.sort_order == "descending",
                )
            page = found[query.start_index - 1 : query.start_index - 1 + query.count]
            return SearchResult(len(found), [self._view(ctx, resource_type, r) for r in page])

    def create(self, ctx: Context, resource_type: str, resource: dict) -> dict:
        with self._lock:
            self.calls.append(Call("create", resource_type, ctx))
            stored = copy.deepcopy(resource)
            stored["id"] = uuid.uuid4().hex
            self._check(resource_type, stored)
            now = _now()
            stored["meta"] = {"created": now, "lastModified": now}
            self._save(resource_type, stored)
            return self._view(ctx, resource_type, stored)

    def replace(self, ctx: Context, resource_type: str, resource_id: str, resource: dict) -> dict:
        with self._lock:
            self.calls.append(Call("replace", resource_type, ctx, resource_id))
            old = self._stored(resource_type, resource_id)
            new = copy.deepcopy(resource)
            new["id"] = resource_id
            new["meta"] = dict(old["meta"])
            self._check(resource_type, new)
            self._save(resource_type, new)
            return self._view(ctx, resource_type, new)

    def patch(
        self, ctx: Context, resource_type: str, resource_id: str, result: PatchResult
    ) -> dict:
        with self._lock:
            self.calls.append(Call("patch", resource_type, ctx, resource_id))
            old = self._stored(resource_type, resource_id)
            new = copy.deepcopy(result.resource)
            new["id"] = resource_id
            new["meta"] = dict(old["meta"])
            members = result.deltas.get("members")
            if members is not None:
                new["members"] = self._apply_delta(old.get("members", []), members)
            elif (
                resource_type == "Group"
                and "members" not in new
                and "members" not in result.changed
            ):
                new["members"] = old.get("members", [])
            self._check(resource_type, new)
            self._save(resource_type, new)
            return self._view(ctx, resource_type, new)

    def delete(self, ctx: Context, resource_type: str, resource_id: str) -> None:
        with self._lock:
            self.calls.append(Call("delete", resource_type, ctx, resource_id))
            self._stored(resource_type, resource_id)
            del self.data[resource_type][resource_id]
            self.passwords.pop(resource_id, None)
            for group in self.data["Group"].values():
                group["members"] = [
                    m for m in group.get("members", []) if m["value"] != resource_id
                ]

    # -- helpers -------------------------------------------------------------

    def _stored(self, resource_type: str, resource_id: str) -> dict:
        found = self.data[resource_type].get(resource_id)
        if found is None:
            raise NotFoundError(f"{resource_type} {resource_id!r} not found.")
        return found

    def _check(self, resource_type: str, resource: dict) -> None:
        key = UNIQUE[resource_type]
        wanted = str(resource.get(key, "")).lower()
        for other in self.data[resource_type].values():
            if other["id"] != resource["id"] and str(other.get(key, "")).lower() == wanted:
                raise ConflictError(f"{key} {resource.get(key)!r} is already taken.")
        if resource_type == "Group":
            unknown = [
                m.get("value")
                for m in resource.get("members", [])
                if m.get("value") not in self.data["User"]
            ]
            if unknown:
                raise InvalidValueError(
                    f"members: unknown user id(s) {', '.join(map(str, unknown))}."
                )

    def _save(self, resource_type: str, resource: dict) -> None:
        password = resource.pop("password", None)
        if password is not None:
            self.passwords[resource["id"]] = password
        if resource_type == "Group":
            resource["members"] = [
                {"value": m["value"], "type": "User"} for m in resource.get("members", [])
            ]
        resource["meta"]["lastModified"] = _now()
        resource["meta"]["version"] = f'W/"{next(self._versions)}"'
        self.data[resource_type][resource["id"]] = resource

    @staticmethod
    def _apply_delta(current: list[dict], delta: Any) -> list[dict]:
        members = [dict(m) for m in (delta.replaced if delta.replaced is not None else current)]
        removed = set(delta.removed)
        members = [m for m in members if m["value"] not in removed]
        have = {m["value"] for m in members}
        for added in delta.added:
            if added["value"] not in have:
                members.append({"value": added["value"]})
                have.add(added["value"])
        return members

    def _full(self, resource_type: str, stored: dict, display: bool = True) -> dict:
        """The stored resource with its derived attributes (member display, user groups)."""
        out = copy.deepcopy(stored)
        if resource_type == "Group":
            for member in out.get("members", []) if display else ():
                user = self.data["User"].get(member["value"], {})
                member["display"] = user.get("displayName") or user.get("userName")
        else:
            out["groups"] = [
                {"value": g["id"], "display": g["displayName"], "type": "direct"}
                for g in self.data["Group"].values()
                if any(m["value"] == stored["id"] for m in g.get("members", []))
            ]
        return out

    def _view(self, ctx: Context, resource_type: str, stored: dict) -> dict:
        """The resource as returned: what ``ctx`` wants; member ``display`` only when
        ``members.display`` is named (issue 5: "Member display comes from
        the user's name when it is asked for")."""
        named = {a.lower() for a in ctx.attributes.attributes}
        out = self._full(resource_type, stored, display="members.display" in named)
        for key in list(out):
            if key not in ("id", "schemas", "meta") and not ctx.attributes.wants(key):
                del out[key]
        return out

    @staticmethod
    def _sort_key(resource_type: str, resource: dict, path: str) -> tuple:
        resolved = RESOURCES[resource_type].resolve(path)
        value: Any = resource
        for part in _split(path):
            value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, list):
                primary = [v for v in value if isinstance(v, dict) and v.get("primary")]
                value = (primary or value or [None])[0]
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, str) and resolved is not None and not resolved.target.case_exact:
            value = value.lower()
        return (value is None, "" if value is None else value)


def _split(path: str) -> list[str]:
    if path.lower().startswith("urn:"):
        urn, _, rest = path.rpartition(":")
        return [urn, *rest.split(".")]
    return path.split(".")
