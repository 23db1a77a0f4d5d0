"""The GLPI calls of each SCIM operation: ONE table, asserted by both lanes, rendered in the docs.

:data:`CALLS` maps an operation to the exact sequence of ``(method, endpoint)``
GLPI calls the bridge makes for it (ids replaced by ``:id``, as in
:func:`app.glpi.client.session.endpoint_template`), once the per-process look-ups are
warm (one ``initSession``, the entity tree, the default profile and the bridge
account's id). Each entry has a scenario in :data:`SCENARIOS` that prepares the
state and then performs the operation, so that the same table is asserted:

* on the simulator by ``tests/backend/test_call_table.py`` (and by the older
  call tests, which quote it);
* on a real GLPI 10.0.12 and 11.0.6 by ``tests/real/test_call_counts.py``.

``docs/mapping.md`` (users) and ``docs/groups.md`` (groups) show the table
between ``<!-- call-counts:... -->`` markers, rendered by :func:`render`;
``tests/test_call_counts_docs.py`` fails when they disagree. Rewrite them with
``python -m tests.call_counts``.

"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Call = tuple[str, str]

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ROOT = Path(__file__).resolve().parents[1]

SEARCH_USER: Call = ("GET", "/search/User")
SEARCH_GROUP: Call = ("GET", "/search/Group")
GROUP_BY_ID: Call = ("GET", "/Group/:id")
LIST_GROUP: Call = ("GET", "/Group/")
#: ``nickname`` (the default home of ``displayName``) has no search option: one read per 50 users.
NICKNAMES: Call = ("GET", "/getMultipleItems")


@dataclass(frozen=True)
class Budget:
    """The GLPI calls of one SCIM operation.

    :ivar doc: ``users`` (docs/mapping.md) or ``groups`` (docs/groups.md).
    :ivar label: the operation as the docs table names it.
    :ivar calls: the exact GLPI calls, in order.
    :ivar note: what the calls are, and what adds more.
    :ivar status: the SCIM status the operation answers.
    :ivar glpi10: GLPI 10's calls when they differ: its groups keep ``externalId`` in
        ``ldap_group_dn``, which has no search option without LDAP, so they are read
        with ``GET /Group/:id`` and ``GET /Group`` (docs/groups.md).
    """

    doc: str
    label: str
    calls: tuple[Call, ...]
    note: str
    status: int = 200
    glpi10: tuple[Call, ...] | None = None

    def on(self, version: str) -> tuple[Call, ...]:
        """The calls on GLPI ``version`` (``"10"`` or ``"11"``)."""
        return self.glpi10 if version == "10" and self.glpi10 is not None else self.calls


CALLS: dict[str, Budget] = {
    "user.get": Budget(
        "users", "`GET /Users/{id}`", (SEARCH_USER, NICKNAMES),
        "`/search/User` with every column, e-mails included; its `nickname`",
    ),
    "user.get.groups": Budget(
        "users", "`GET /Users/{id}` of a group member, `groups` asked for",
        (SEARCH_USER, NICKNAMES, ("GET", "/search/Group")),
        "the user and its `nickname`, then the ids and names of its groups",
    ),
    "user.filter.hit": Budget(
        "users", '`GET /Users?filter=userName eq "x"`, found', (SEARCH_USER, NICKNAMES),
        "criteria that cannot widen, ANDed with the scope; the `nickname` of the hit",
    ),
    "user.filter.miss": Budget(
        "users", '`GET /Users?filter=userName eq "x"`, not found', (SEARCH_USER,),
        "an empty ListResponse",
    ),
    "user.page": Budget(
        "users", "a page of up to 100 users (`count=100`, an exact filter)",
        (SEARCH_USER, NICKNAMES),
        "GLPI pages and counts; one `nickname` read per 50 users answered; +1 when a user of the page is in a group (the groups of the"
        " whole page, in one call)",
    ),
    "user.create": Budget(
        "users", "`POST /Users` with an e-mail",
        (SEARCH_USER, SEARCH_USER, ("POST", "/User/"), ("GET", "/User/:id")),
        "the login looked up across authtypes among live users, then in the trash (GLPI's"
        " search shows one or the other; a user trashed with another authtype would not stop"
        " GLPI's create), the create (e-mails, static profile and dates included), then"
        " `date_mod`, which GLPI sets anew when it adds the e-mails; without e-mails the create"
        " is the last call (as with a `title` below)",
        201,
    ),
    "user.create.title.new": Budget(
        "users", "`POST /Users` with a `title` GLPI does not have yet",
        (SEARCH_USER, SEARCH_USER, ("GET", "/search/UserTitle"), ("POST", "/UserTitle/"),
         ("POST", "/User/")),
        "the title is looked up, then created",
        201,
    ),
    "user.create.title.cached": Budget(
        "users", "`POST /Users` with a `title` already used",
        (SEARCH_USER, SEARCH_USER, ("GET", "/UserTitle/:id"), ("POST", "/User/")),
        "the cached title id is verified before it is written",
        201,
    ),
    "user.patch.active": Budget(
        "users", "`PATCH` `active`", (SEARCH_USER, NICKNAMES, ("PUT", "/User/:id")),
        "the PATCH flow's read and its `nickname`, one `PUT /User`",
    ),
    "user.patch.active.member": Budget(
        "users", "`PATCH` `active` of a group member",
        (SEARCH_USER, NICKNAMES, ("PUT", "/User/:id"), ("GET", "/search/Group")),
        "as above, then the ids of `groups` for the answer",
    ),
    "user.put": Budget(
        "users", "`PUT /Users/{id}` (Okta) changing names and e-mail",
        (SEARCH_USER, ("PUT", "/User/:id"), ("GET", "/User/:id/UserEmail"),
         ("POST", "/UserEmail/"), ("DELETE", "/UserEmail/:id")),
        "the read, the changed columns, then the e-mails diffed: their rows, the new one, the old"
        " one",
    ),
    "user.delete.warm": Budget(
        "users", "`DELETE /Users/{id}` after a recent read", (("DELETE", "/User/:id"),),
        "the row read within the last minute proves the scope",
        204,
    ),
    "user.delete.cold": Budget(
        "users", "`DELETE /Users/{id}` without a recent read",
        (SEARCH_USER, ("DELETE", "/User/:id")),
        "the scope check, then the trash",
        204,
    ),
    "user.delete.new_entity": Budget(
        "users",
        "`DELETE /Users/{id}` after an entity was created in GLPI since the bridge's login",
        (("DELETE", "/User/:id"), ("GET", "/initSession"), ("DELETE", "/User/:id")),
        "GLPI refuses it to the older session (`Session::canViewAllEntities` counts the"
        " entities frozen at login), so one new login and the same call again; at most one"
        " login per 10 s",
        204,
    ),
    "user.create.new_entity": Budget(
        "users", "`POST /Users` of a login an admin put in a sub-entity created since the"
        " login of a bridge whose account is limited to the tenant's entity",
        (SEARCH_USER, SEARCH_USER, ("POST", "/User/"), SEARCH_USER, SEARCH_USER, SEARCH_USER,
         SEARCH_USER, ("GET", "/initSession"), SEARCH_USER),
        "GLPI restricts the older session's searches to the entities frozen at its login:"
        " the look-ups miss the user, GLPI's unique key refuses the create, and the look-ups"
        " after the refusal miss it too; one new login (at most one per 10 s, with the"
        " renewals for rights) and the scoped look-up finds it: 409 `uniqueness`. Asserted by"
        " `tests/backend/test_new_entity.py` and `tests/real/test_entities.py` (the bridge of"
        " this table acts as a root account, whose searches are not restricted)",
        409,
    ),
    "user.reprovision": Budget(
        "users", "`POST /Users` of a trashed login, e-mail dropped",
        (SEARCH_USER, SEARCH_USER, SEARCH_USER, ("PUT", "/User/:id"),
         ("GET", "/User/:id/UserEmail"), ("DELETE", "/UserEmail/:id")),
        "the live look-up, the trash looked up across GLPI, then in the tenant's scope, the"
        " restore with the update and the create's authtype, the e-mails diffed; no create,"
        " nothing read back",
        201,
    ),
    "user.reprovision.password": Budget(
        "users", "`POST /Users` of a trashed login, with a new password",
        (SEARCH_USER, SEARCH_USER, SEARCH_USER, ("PUT", "/User/:id")),
        "as above, e-mails unchanged (GLPI 11 refusing the password the user already holds"
        " adds `GET /getGlpiConfig` once per cache lifetime and the `PUT` again without it)",
        201,
    ),
    "group.filter": Budget(
        "groups", '`GET /Groups?excludedAttributes=members&filter=displayName eq "x"`',
        (SEARCH_GROUP,), "no `Group_User` read", glpi10=(LIST_GROUP,),
    ),
    "group.get.lean": Budget(
        "groups", "`GET /Groups/{id}?excludedAttributes=members`", (SEARCH_GROUP,),
        "never a `Group_User` read", glpi10=(GROUP_BY_ID,),
    ),
    "group.get.members": Budget(
        "groups", "`GET /Groups/{id}` with members", (SEARCH_GROUP, ("GET", "/Group/:id/Group_User")),
        "+ one `Group_User` page per further 1,000 members (GLPI's count comes with the first;"
        " the others are read `groups.membership.concurrency` at a time); + one `/search/User`"
        " per 1,000 members when `members.display` is asked for",
        glpi10=(GROUP_BY_ID, ("GET", "/Group/:id/Group_User")),
    ),
    "group.get.not_modified": Budget(
        "groups", "`GET /Groups/{id}` with `If-None-Match` of its version",
        (SEARCH_GROUP,),
        "the version comes with the group's row: a `304` reads no `Group_User`",
        304,
        glpi10=(GROUP_BY_ID,),
    ),
    "group.create": Budget(
        "groups", "`POST /Groups` (no Redis)",
        (SEARCH_GROUP, ("POST", "/Group/"), SEARCH_GROUP),
        "uniqueness search, `POST /Group`, the check after the write, which brings the new row"
        " (with Redis: the read back instead)",
        201,
    ),
    "group.create.members": Budget(
        "groups", "`POST /Groups` with members (no Redis)",
        (SEARCH_USER, SEARCH_GROUP, ("POST", "/Group/"), SEARCH_GROUP, ("POST", "/Group_User/")),
        "the member ids verified first, then as above with the members added in one array call;"
        " the answer lists them without reading them back",
        201,
    ),
    "group.patch.add": Budget(
        "groups", "`PATCH` adding k members, k ≤ r",
        (SEARCH_GROUP, SEARCH_USER, ("POST", "/Group_User/")),
        "the view's read of the group, one verification search, one array `POST /Group_User`;"
        " for k > r, see below the table",
        204,
        glpi10=(GROUP_BY_ID, SEARCH_USER, ("POST", "/Group_User/")),
    ),
    "group.patch.remove": Budget(
        "groups", "`PATCH` removing k members, k ≤ r",
        (SEARCH_GROUP, ("GET", "/Group/:id/Group_User"), ("DELETE", "/Group_User/")),
        "the view's read, one read of the row ids, one array `DELETE /Group_User`;"
        " for k > r, see below the table",
        204,
        glpi10=(GROUP_BY_ID, ("GET", "/Group/:id/Group_User"), ("DELETE", "/Group_User/")),
    ),
    "group.patch.rename": Budget(
        "groups", "`PATCH` rename", (SEARCH_GROUP, SEARCH_GROUP, ("PUT", "/Group/:id")),
        "the view's read, the uniqueness search, `PUT /Group/:id`",
        204,
        glpi10=(GROUP_BY_ID, SEARCH_GROUP, ("PUT", "/Group/:id")),
    ),
    "group.delete": Budget(
        "groups", "`DELETE /Groups/{id}`", (SEARCH_GROUP, ("DELETE", "/Group/:id")),
        "the scope check, the purge",
        204,
        glpi10=(GROUP_BY_ID, ("DELETE", "/Group/:id")),
    ),
}



def calls_on(key: str, version: str) -> list[Call]:
    """The calls of ``key`` on GLPI ``version``."""
    return list(CALLS[key].on(version))


# -- memberships in chunks (docs/groups.md, "Call budget"): r = groups.membership.chunk_rows (50)

GROUP_ROWS: Call = ("GET", "/Group/:id/Group_User")


def chunks(rows: int, size: int) -> int:
    """``ceil(rows / size)``: the array calls that write ``rows`` rows in chunks of ``size``."""
    return -(-rows // size) if rows > 0 else 0


def _view_read(version: str) -> Call:
    """The PATCH view's read of the group: by id on GLPI 10 (``externalId`` has no search
    option there without LDAP), a ``/search/Group`` on 11."""
    return GROUP_BY_ID if version == "10" else SEARCH_GROUP


def group_patch_add(asked: int, new: int | None = None, r: int = 50,
                    searches: int = 1, version: str = "11") -> list[Call]:
    """A PATCH adding ``asked`` users, of whom ``new`` (default: all) are not members yet.

    k ≤ r: the view's read, the verification, one array POST (``group.patch.add``).
    k > r: the view's read, one read of the group's rows, the verification of the ``new``
    ids (none when there are none), ``ceil(new / r)`` array POSTs; a retry after a 429 has
    a smaller ``new``. The verification is ``searches`` ``/search/User``: one per run of
    ids spanning under 200 (more than 20 ids), plus one per 20 scattered ids
    (``app.glpi.groups.criteria.user_id_searches``); 1 for up to 20 ids or a run of ids.
    """
    new = asked if new is None else new
    if asked <= r:
        return [_view_read(version)] + [SEARCH_USER] * searches + [("POST", "/Group_User/")]
    return ([_view_read(version), GROUP_ROWS] + [SEARCH_USER] * (searches if new > 0 else 0)
            + [("POST", "/Group_User/")] * chunks(new, r))


def group_patch_remove(present: int, r: int = 50, version: str = "11") -> list[Call]:
    """A PATCH removing members of whom ``present`` have a row: the view's read, one read of
    the row ids, ``ceil(present / r)`` array DELETEs."""
    return [_view_read(version), GROUP_ROWS] + [("DELETE", "/Group_User/")] * chunks(present, r)



def expected(key: str, *ids: Any, version: str = "11") -> list[Call]:
    """The calls of ``key`` with its ``:id`` placeholders filled by ``ids`` in order (for a call
    log that keeps the ids, like the simulator's)."""
    fill = iter(str(i) for i in ids)
    return [(m, re.sub(":id", lambda _: next(fill, ":id"), e)) for m, e in CALLS[key].on(version)]


def version_of(b: Any) -> str:
    """The GLPI version (``"10"``/``"11"``) bridge ``b`` talks to."""
    return b.app.extensions["tenants"].get("acme").storage.client.version


# -- scenarios ----------------------------------------------------------------------------------
# Each takes a bridge (tests/backend/users_app.UserBridge or tests/real/bridge.RealBridge: the same
# request helpers, plus calls() and reset_calls()), prepares the state, resets the call log and
# performs the operation, whose answer it returns.


def unique(prefix: str) -> str:
    return f"cc-{prefix}-{secrets.token_hex(4)}"


def _group(b: Any, members: list[str] = ()) -> dict:
    body = {"schemas": [GROUP_SCHEMA], "displayName": unique("group"),
            "members": [{"value": m} for m in members]}
    answer = b.request("POST", "/Groups", body)
    assert answer.status_code == 201, answer.json
    return answer.json


def _user(b: Any, **fields: Any) -> dict:
    return b.create(unique("user"), **fields)


def _then(b: Any, method: str, path: str, body: Any = None, **kwargs: Any):
    b.reset_calls()
    return b.request(method, path, body, **kwargs)


def _patch(ops: list[dict]) -> dict:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}


def _user_get(b):
    user = _user(b, emails=[{"value": "cc@example.org", "primary": True}])
    return _then(b, "GET", f"/Users/{user['id']}")


def _user_get_groups(b):
    user = _user(b)
    _group(b, [user["id"]])
    return _then(b, "GET", f"/Users/{user['id']}", query_string={"attributes": "groups"})


def _user_filter(hit: bool):
    def run(b):
        user = _user(b)
        login = user["userName"] if hit else unique("nobody")
        return _then(b, "GET", "/Users", query_string={"filter": f'userName eq "{login}"'})
    return run


def _user_page(b):
    prefix = unique("page")
    for i in range(3):
        b.create(f"{prefix}-{i}")
    return _then(b, "GET", "/Users", query_string={
        "filter": f'userName sw "{prefix}"', "count": 100, "startIndex": 1})


def _user_create(b):
    return _then(b, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": unique("new"),
                                       "emails": [{"value": "n@example.org", "primary": True}]})


def _user_create_title(cached: bool):
    def run(b):
        title = unique("Title")
        if cached:
            _user(b, title=title)
        return _then(b, "POST", "/Users",
                     {"schemas": [USER_SCHEMA], "userName": unique("titled"), "title": title})
    return run


def _user_patch_active(member: bool):
    def run(b):
        user = _user(b)
        if member:
            _group(b, [user["id"]])
        return _then(b, "PATCH", f"/Users/{user['id']}",
                     _patch([{"op": "Replace", "path": "active", "value": "False"}]))
    return run


def _user_put(b):
    user = _user(b, emails=[{"value": "old@example.org", "primary": True}])
    body = {"schemas": [USER_SCHEMA], "userName": user["userName"], "active": True,
            "name": {"givenName": "Put", "familyName": "Okta"},
            "emails": [{"value": "new@example.org", "primary": True, "type": "work"}]}
    return _then(b, "PUT", f"/Users/{user['id']}", body)


def _user_delete(warm: bool):
    def run(b):
        user = _user(b)
        if not warm:
            b.storage.caches.user_facts.clear()
        return _then(b, "DELETE", f"/Users/{user['id']}")
    return run


def age_session(b: Any) -> None:
    """Move the bridge's session clock past ``RIGHTS_RELOGIN_INTERVAL``, so that a renewal for
    rights made earlier by the same (long-lived, warm) bridge does not hold the next one back."""
    from app.glpi.client.session import RIGHTS_RELOGIN_INTERVAL

    session = b.storage.client.session
    clock = session.clock
    session.clock = lambda: clock() + RIGHTS_RELOGIN_INTERVAL + 1


def _user_delete_new_entity(b):
    user = _user(b)
    with b.new_entity(unique("entity")):
        age_session(b)
        return _then(b, "DELETE", f"/Users/{user['id']}")


def _user_reprovision(password: bool):
    def run(b):
        fields = {"password": "Fir5t-Secret!pass"} if password else {
            "emails": [{"value": "gone@example.org", "primary": True}]}
        user = _user(b, **fields)
        assert b.delete(user["id"]).status_code == 204
        body = {"schemas": [USER_SCHEMA], "userName": user["userName"]}
        if password:
            body["password"] = "N3w-Secret!pass"
        return _then(b, "POST", "/Users", body)
    return run


def _group_filter(b):
    group = _group(b)
    return _then(b, "GET", "/Groups", query_string={
        "excludedAttributes": "members", "filter": f'displayName eq "{group["displayName"]}"'})


def _group_get(lean: bool):
    def run(b):
        group = _group(b, [_user(b)["id"]])
        query = {"excludedAttributes": "members"} if lean else {}
        return _then(b, "GET", f"/Groups/{group['id']}", query_string=query)
    return run


def _group_not_modified(b):
    group = _group(b, [_user(b)["id"]])
    etag = b.request("GET", f"/Groups/{group['id']}").headers["ETag"]
    return _then(b, "GET", f"/Groups/{group['id']}", headers={"If-None-Match": etag})


def _group_create(members: int):
    def run(b):
        ids = [_user(b)["id"] for _ in range(members)]
        body = {"schemas": [GROUP_SCHEMA], "displayName": unique("created"),
                "members": [{"value": i} for i in ids]}
        return _then(b, "POST", "/Groups", body)
    return run


def _group_patch_members(op: str):
    def run(b):
        ids = [_user(b)["id"] for _ in range(3)]
        group = _group(b, ids if op == "remove" else [])
        return _then(b, "PATCH", f"/Groups/{group['id']}", _patch(
            [{"op": op, "path": "members", "value": [{"value": i} for i in ids[:2]]}]))
    return run


def _group_rename(b):
    group = _group(b)
    return _then(b, "PATCH", f"/Groups/{group['id']}", _patch(
        [{"op": "Replace", "path": "displayName", "value": unique("renamed")}]))


def _group_delete(b):
    group = _group(b)
    return _then(b, "DELETE", f"/Groups/{group['id']}")


USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"

SCENARIOS: dict[str, Callable[[Any], Any]] = {
    "user.get": _user_get,
    "user.get.groups": _user_get_groups,
    "user.filter.hit": _user_filter(True),
    "user.filter.miss": _user_filter(False),
    "user.page": _user_page,
    "user.create": _user_create,
    "user.create.title.new": _user_create_title(False),
    "user.create.title.cached": _user_create_title(True),
    "user.patch.active": _user_patch_active(False),
    "user.patch.active.member": _user_patch_active(True),
    "user.put": _user_put,
    "user.delete.warm": _user_delete(True),
    "user.delete.cold": _user_delete(False),
    "user.delete.new_entity": _user_delete_new_entity,
    "user.reprovision": _user_reprovision(False),
    "user.reprovision.password": _user_reprovision(True),
    "group.filter": _group_filter,
    "group.get.lean": _group_get(True),
    "group.get.members": _group_get(False),
    "group.get.not_modified": _group_not_modified,
    "group.create": _group_create(0),
    "group.create.members": _group_create(2),
    "group.patch.add": _group_patch_members("add"),
    "group.patch.remove": _group_patch_members("remove"),
    "group.patch.rename": _group_rename,
    "group.delete": _group_delete,
}


#: Entries asserted by tests of their own, whose bridge is not the table's (a root account).
OWN_TESTS: dict[str, tuple[str, ...]] = {
    "user.create.new_entity": ("tests/backend/test_new_entity.py", "tests/real/test_entities.py"),
}


def warm_up(b: Any) -> None:
    """Make the per-process look-ups (session, entities, profile, own id, group paths)."""
    user = _user(b)
    _then(b, "PATCH", f"/Users/{user['id']}",
          _patch([{"op": "replace", "path": "active", "value": False}]))
    group = _group(b, [user["id"]])
    b.request("GET", f"/Groups/{group['id']}")
    b.reset_calls()


def check(b: Any, key: str) -> list[Call]:
    """Run the scenario of ``key`` on bridge ``b``; assert its status and exact calls."""
    budget = CALLS[key]
    answer = SCENARIOS[key](b)
    assert answer.status_code == budget.status, (key, answer.status_code, answer.get_json())
    calls = b.calls()
    assert calls == list(budget.on(version_of(b))), (key, calls)
    return calls


# -- the docs ----------------------------------------------------------------------------------

DOCS = {"users": ROOT / "docs" / "mapping.md", "groups": ROOT / "docs" / "groups.md"}
BEGIN, END = "<!-- call-counts:begin (generated by python -m tests.call_counts) -->", \
    "<!-- call-counts:end -->"
_SECTION = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


def render(doc: str) -> str:
    """The docs table of ``doc`` (``users`` or ``groups``), with its markers."""
    lines = [BEGIN, "", "| SCIM operation | GLPI calls |", "|---|---|"]
    for budget in CALLS.values():
        if budget.doc == doc:
            sequence = ", ".join(f"`{m} {e}`" for m, e in budget.calls)
            text = f"{len(budget.calls)}: {budget.note} ({sequence})"
            if budget.glpi10 is not None:
                ten = ", ".join(f"`{m} {e}`" for m, e in budget.glpi10)
                text += f"; GLPI 10: {len(budget.glpi10)} ({ten})"
            lines.append(f"| {budget.label} | {text} |")
    return "\n".join([*lines, "", END])


def documented(doc: str) -> str | None:
    """The generated section as it stands in the docs page, or None."""
    found = _SECTION.search(DOCS[doc].read_text(encoding="utf-8"))
    return found.group(0) if found else None


def write_docs() -> None:
    for doc, path in DOCS.items():
        text = path.read_text(encoding="utf-8")
        if _SECTION.search(text) is None:
            raise SystemExit(f"{path}: no {BEGIN} ... {END} section")
        path.write_text(_SECTION.sub(lambda _: render(doc), text), encoding="utf-8")


if __name__ == "__main__":
    write_docs()
    sys.exit(0)
