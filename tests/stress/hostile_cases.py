"""The handcrafted hostile requests: one :class:`Case` per row, grouped by what they attack.

Paths and bodies may name ``{uid}``/``{gid}`` (a user and a group of tenant
``acme``) and ``{other_uid}``/``{other_gid}`` (tenant ``other``'s); see
:meth:`tests.stress.world.World.fill`. ``expect`` is ``reject`` (a 4xx is
required), ``safe`` (any non-5xx; GLPI unchanged even on success: reads and
routing) or ``any`` (any non-5xx; GLPI unchanged when rejected).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import PATCH_OP
from tests.stress.helpers import USER_SCHEMA

V2 = "/scim/v2"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: Any = None
    headers: dict = field(default_factory=dict)
    query: Any = None
    expect: str = "reject"
    token: str | None = None


def _user(**fields: Any) -> dict:
    return {"schemas": [USER_SCHEMA], "userName": "hostile@acme.example", **fields}


def _group(**fields: Any) -> dict:
    return {"schemas": [GROUP_SCHEMA], "displayName": "Hostile group", **fields}


def _ops(*operations: Any) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


# -- broken JSON, on every endpoint that reads a body --------------------------------------

BODY_TARGETS = [
    ("POST", V2 + "/Users"),
    ("POST", V2 + "/Groups"),
    ("PUT", V2 + "/Users/{uid}"),
    ("PUT", V2 + "/Groups/{gid}"),
    ("PATCH", V2 + "/Users/{uid}"),
    ("PATCH", V2 + "/Groups/{gid}"),
    ("POST", V2 + "/Users/.search"),
    ("POST", V2 + "/Bulk"),
]

BROKEN = {
    "empty": b"",
    "blank": b"   \n",
    "open brace": b"{",
    "close brace": b"}",
    "cut value": b'{"userName":',
    "single quotes": b"{'userName': 'x'}",
    "trailing comma": b'{"schemas": [],}',
    "open array": b"[1, 2",
    "bare word": b"nul",
    "NaN": b"NaN",
    "broken array": b'{"schemas": [}',
    "comment": b"/* c */ {}",
    "trailing text": b'{"schemas": []} trailing',
    "NUL byte": b"\x00",
    "invalid UTF-8": b'{"userName": "\xff\xfe"}',
    "overlong UTF-8": b'{"userName": "\xc0\xaf"}',
    "truncated UTF-8": b'{"userName": "\xc3"}',
    "UTF-16": '{"userName": "x"}'.encode("utf-16"),
    "string": b'"just a string"',
    "number": b"123",
    "null": b"null",
    "array": b"[]",
    "true": b"true",
    "deep arrays": b"[" * 100_000 + b"]" * 100_000,
    "deep objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "huge number": b'{"userName": ' + b"9" * 5000 + b"}",
}

BROKEN_CASES = [
    Case(f"{method} {path} {label}", method, path, raw)
    for method, path in BODY_TARGETS
    for label, raw in BROKEN.items()
]

# -- wrong types, per attribute ------------------------------------------------------------

WRONG_USER = {
    "userName null": _user(userName=None),
    "userName number": _user(userName=123),
    "userName true": _user(userName=True),
    "userName list": _user(userName=["a@acme.example"]),
    "userName object": _user(userName={"value": "a@acme.example"}),
    "userName empty": _user(userName=""),
    "userName blank": _user(userName="   "),
    "no userName": {"schemas": [USER_SCHEMA], "displayName": "x"},
    "active maybe": _user(active="maybe"),
    "active 2": _user(active=2),
    "active list": _user(active=[True]),
    "active object": _user(active={}),
    "emails string": _user(emails="a@acme.example"),
    "emails numbers": _user(emails=[1, 2]),
    "emails value number": _user(emails=[{"value": 1}]),
    "emails value list": _user(emails=[{"value": ["a@acme.example"]}]),
    "emails nested list": _user(emails=[[]]),
    "emails primary yes": _user(emails=[{"value": "a@acme.example", "primary": "yes"}]),
    "two primaries": _user(
        emails=[
            {"value": "a@acme.example", "primary": True},
            {"value": "b@acme.example", "primary": True},
        ]
    ),
    "name string": _user(name="Ada Lovelace"),
    "givenName number": _user(name={"givenName": 5}),
    "schemas missing": {"userName": "hostile@acme.example"},
    "schemas string": _user(schemas=USER_SCHEMA),
    "schemas empty": _user(schemas=[]),
    "schemas numbers": _user(schemas=[1]),
    "schemas bogus": _user(schemas=["urn:bogus"]),
    "schemas group": _user(schemas=[GROUP_SCHEMA]),
    "externalId number": _user(externalId=7),
    "externalId list": _user(externalId=["x"]),
    "displayName list": _user(displayName=["x"]),
    "title object": _user(title={"value": "x"}),
    "password number": _user(password=12345678),
    "phoneNumbers string": _user(phoneNumbers="+1 555"),
    "phoneNumbers numbers": _user(phoneNumbers=[15555]),
    "manager string id": _user(
        **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "abc"}}
    ),
    "manager unknown": _user(
        schemas=[USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        **{
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "999999"}
            }
        },
    ),
    "manager other tenant": _user(
        schemas=[USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        **{
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "{other_uid}"}
            }
        },
    ),
    "taken userName": _user(userName="a%b@acme.example"),
    "taken userName other case": _user(userName="A%B@ACME.EXAMPLE"),
    "taken userName with a new title": _user(userName="a%b@acme.example", title="Brand New Title"),
    "invalid login": _user(userName="DOMAIN\\user"),
    "login with NUL": _user(userName="nul\u0000byte@acme.example"),
    "login with escape": _user(userName="\u001b[2J@acme.example"),
    "login lone surrogate": _user(userName="\ud800@acme.example"),
    "login too long": _user(userName="a" * 300 + "@acme.example"),
    "login huge": _user(userName="a" * 200_000 + "@acme.example"),
    "givenName too long": _user(name={"givenName": "g" * 300}),
    "a thousand emails on a taken login": _user(
        userName="a%b@acme.example",
        emails=[{"value": f"e{i}@acme.example", "type": "work"} for i in range(1000)],
    ),
    "invalid email": _user(emails=[{"value": "not an address", "primary": True}]),
}

WRONG_GROUP = {
    "displayName null": _group(displayName=None),
    "displayName number": _group(displayName=1),
    "displayName list": _group(displayName=["x"]),
    "displayName object": _group(displayName={}),
    "displayName empty": _group(displayName=""),
    "displayName blank": _group(displayName="  "),
    "displayName taken": _group(displayName="a%b"),
    "displayName taken other case": _group(displayName="A%B"),
    "displayName NUL": _group(displayName="nul\u0000"),
    "displayName lone surrogate": _group(displayName="\udfff"),
    "displayName huge": _group(displayName="g" * 300_000),
    "members string": _group(members="1"),
    "members numbers list": _group(members=[[1]]),
    "member value list": _group(members=[{"value": []}]),
    "member not an id": _group(members=[{"value": "abc"}]),
    "member negative": _group(members=[{"value": "-1"}]),
    "member zero": _group(members=[{"value": "0"}]),
    "member huge id": _group(members=[{"value": "9" * 40}]),
    "member unknown": _group(members=[{"value": "99999"}]),
    "member of other tenant": _group(members=[{"value": "{other_uid}"}]),
    "member is a group": _group(members=[{"value": "{gid}", "type": "Group"}]),
    "member arabic digit": _group(members=[{"value": "\u0663"}]),
    "member fullwidth digit": _group(members=[{"value": "\uff11"}]),
    "fifty thousand unknown members": _group(
        members=[{"value": str(10_000_000 + i)} for i in range(50_000)]
    ),
    "externalId list": _group(externalId=["x"]),
    "no schemas": {"displayName": "Hostile group"},
}


def _unique(body: dict, index: int) -> dict:
    """Give a case its own login, so a wrongly accepted body cannot hide the next case's answer."""
    if body.get("userName") == "hostile@acme.example":
        return {**body, "userName": f"hostile{index}@acme.example"}
    return body


#: Bodies the tolerant reader accepts by design (app/scim/payload.py: a multi-valued attribute
#: sent as a single object is wrapped, a single complex attribute sent as a one-element list is
#: unwrapped, as Entra sends ``manager``).
TOLERATED_USER = {
    "name list": _user(userName="tolerated2@acme.example", name=[{"givenName": "Ada"}]),
    "emails object": _user(userName="tolerated1@acme.example", emails={"value": "t@acme.example"}),
}

WRONG_TYPE_CASES = (
    [
        Case(f"POST Users {label}", "POST", V2 + "/Users", body, expect="any")
        for label, body in TOLERATED_USER.items()
    ]
    + [
        Case(f"POST Users {label}", "POST", V2 + "/Users", _unique(body, i))
        for i, (label, body) in enumerate(WRONG_USER.items())
    ]
    + [
        Case(f"POST Groups {label}", "POST", V2 + "/Groups", body)
        for label, body in WRONG_GROUP.items()
    ]
)

# -- PATCH documents -----------------------------------------------------------------------

BAD_USER_PATCHES = {
    "Operations null": {"schemas": [PATCH_OP], "Operations": None},
    "Operations string": {"schemas": [PATCH_OP], "Operations": "replace"},
    "Operations object": {"schemas": [PATCH_OP], "Operations": {}},
    "no Operations": {"schemas": [PATCH_OP]},
    "no schemas": {"Operations": [{"op": "replace", "path": "active", "value": False}]},
    "wrong schema": {"schemas": [USER_SCHEMA], "Operations": []},
    "operation number": _ops(1),
    "op number": _ops({"op": 1, "path": "active", "value": False}),
    "op unknown": _ops({"op": "merge", "path": "active", "value": False}),
    "op missing": _ops({"path": "active", "value": False}),
    "replace without value": _ops({"op": "replace", "path": "active"}),
    "remove without path": _ops({"op": "remove"}),
    "path number": _ops({"op": "replace", "path": 5, "value": "x"}),
    "path unknown": _ops({"op": "replace", "path": "nosuch", "value": "x"}),
    "path unknown sub": _ops({"op": "replace", "path": "name.nosuch", "value": "x"}),
    "path open bracket": _ops({"op": "replace", "path": "emails[", "value": "x"}),
    "path unclosed filter": _ops({"op": "replace", "path": 'emails[type eq "work"', "value": "x"}),
    "path bad filter": _ops({"op": "replace", "path": "emails[type zz 1].value", "value": "x"}),
    "path no match": _ops({"op": "replace", "path": 'emails[type eq "fax"].value', "value": "x"}),
    "path empty": _ops({"op": "replace", "path": "", "value": "x"}),
    "path dots": _ops({"op": "replace", "path": "..", "value": "x"}),
    "path urn only": _ops({"op": "replace", "path": USER_SCHEMA + ":", "value": "x"}),
    "id readOnly": _ops({"op": "replace", "path": "id", "value": "1"}),
    "meta readOnly": _ops({"op": "replace", "path": "meta.created", "value": "2020"}),
    "groups readOnly": _ops({"op": "add", "path": "groups", "value": [{"value": "{gid}"}]}),
    "userName number": _ops({"op": "replace", "path": "userName", "value": 1}),
    "userName taken": _ops({"op": "replace", "path": "userName", "value": "axb@acme.example"}),
    "userName invalid login": _ops({"op": "replace", "path": "userName", "value": "a<b"}),
    "userName removed": _ops({"op": "remove", "path": "userName"}),
    "active perhaps": _ops({"op": "replace", "path": "active", "value": "perhaps"}),
    "active list": _ops({"op": "replace", "path": "active", "value": [False]}),
    "pathless value string": _ops({"op": "replace", "value": "x"}),
    "pathless value list": _ops({"op": "replace", "value": [1, 2]}),
    "pathless unknown key": _ops({"op": "replace", "value": {"nosuch": 1}}),
    "pathless bad dotted key": _ops({"op": "replace", "value": {"name.nosuch": 1}}),
    "members on a user": _ops({"op": "add", "path": "members", "value": [{"value": "1"}]}),
    "emails value object": _ops({"op": "add", "path": "emails", "value": {"value": 1}}),
    "manager unknown": _ops(
        {
            "op": "replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "value": {"value": "999999"},
        }
    ),
    "ten thousand operations": _ops(
        *[{"op": "replace", "path": "name.givenName", "value": f"g{i}"} for i in range(10_000)]
        + [{"op": "replace", "path": "nosuch", "value": 1}]
    ),
}


def _nest(depth: int) -> dict:
    node: dict = {"leaf": 1}
    for _ in range(depth):
        node = {"a": node}
    return node


BAD_USER_PATCHES["deep value"] = _ops({"op": "replace", "path": "displayName", "value": _nest(500)})

BAD_GROUP_PATCHES = {
    "add unknown member": _ops({"op": "add", "path": "members", "value": [{"value": "99999"}]}),
    "add other tenant's member": _ops(
        {"op": "add", "path": "members", "value": [{"value": "{other_uid}"}]}
    ),
    "add a group as member": _ops(
        {"op": "add", "path": "members", "value": [{"value": "{gid}", "type": "Group"}]}
    ),
    "add member not an id": _ops({"op": "add", "path": "members", "value": [{"value": "x"}]}),
    "add member value missing": _ops({"op": "add", "path": "members", "value": [{}]}),
    "add members object": _ops({"op": "add", "path": "members", "value": {"value": []}}),
    "remove bad member filter": _ops({"op": "remove", "path": "members[value zz 1]"}),
    "remove unclosed filter": _ops({"op": "remove", "path": 'members[value eq "1"'}),
    "replace displayName number": _ops({"op": "replace", "path": "displayName", "value": 5}),
    "replace displayName empty": _ops({"op": "replace", "path": "displayName", "value": ""}),
    "rename to a taken name": _ops({"op": "replace", "path": "displayName", "value": "axb"}),
    "rename to a taken name other case": _ops(
        {"op": "replace", "path": "displayName", "value": "AXB"}
    ),
    "remove displayName": _ops({"op": "remove", "path": "displayName"}),
    "path unknown": _ops({"op": "replace", "path": "nosuch", "value": 1}),
    "userName on a group": _ops({"op": "replace", "path": "userName", "value": "x"}),
    "add with new member and unknown one": _ops(
        {"op": "add", "path": "members", "value": [{"value": "{uid}"}, {"value": "99999"}]}
    ),
}

PATCH_CASES = [
    Case(f"PATCH user {label}", "PATCH", V2 + "/Users/{uid}", body)
    for label, body in BAD_USER_PATCHES.items()
] + [
    Case(f"PATCH group {label}", "PATCH", V2 + "/Groups/{gid}", body)
    for label, body in BAD_GROUP_PATCHES.items()
]

# -- wrong Content-Type (with bodies that would otherwise be accepted) ---------------------

MEDIA_TYPES = [
    "text/plain",
    "application/xml",
    "text/html",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "application/json-patch+json",
    "text/json",
    "application/octet-stream",
    "image/png",
]

CONTENT_TYPE_CASES = [
    Case(
        f"POST Users as {media}",
        "POST",
        V2 + "/Users",
        _user(userName=f"ctype{i}@acme.example"),
        headers={"Content-Type": media},
    )
    for i, media in enumerate(MEDIA_TYPES)
] + [
    Case(
        f"PATCH group as {media}",
        "PATCH",
        V2 + "/Groups/{gid}",
        _ops({"op": "replace", "path": "displayName", "value": f"ctype {i}"}),
        headers={"Content-Type": media},
    )
    for i, media in enumerate(MEDIA_TYPES)
]

# -- duplicated keys (RFC 8259: names SHOULD be unique; the outcome must stay safe) --------


def _raw(schema: str, members: str) -> bytes:
    """A JSON object written by hand, so that a key can appear twice."""
    return ('{"schemas": ["' + schema + '"], ' + members + "}").encode()


DUPLICATE_CASES = [
    Case(
        "POST Users duplicated userName",
        "POST",
        V2 + "/Users",
        _raw(USER_SCHEMA, '"userName": "dup1@acme.example", "userName": "dup2@acme.example"'),
        expect="any",
    ),
    Case(
        "POST Users userName twice in two cases",
        "POST",
        V2 + "/Users",
        _raw(USER_SCHEMA, '"userName": "dup3@acme.example", "USERNAME": "dup4@acme.example"'),
        expect="any",
    ),
    Case(
        "POST Users duplicated schemas",
        "POST",
        V2 + "/Users",
        _raw(USER_SCHEMA, '"schemas": 5, "userName": "dup5@acme.example"'),
    ),
    Case(
        "PATCH duplicated Operations, the last invalid",
        "PATCH",
        V2 + "/Users/{uid}",
        _raw(
            PATCH_OP,
            '"Operations": [{"op": "replace", "path": "active", "value": true}], "Operations": "x"',
        ),
    ),
    Case(
        "PATCH duplicated op, the last invalid",
        "PATCH",
        V2 + "/Users/{uid}",
        _raw(
            PATCH_OP,
            '"Operations": [{"op": "replace", "op": "explode", "path": "active", "value": true}]',
        ),
    ),
    Case(
        "POST Groups duplicated members, the last invalid",
        "POST",
        V2 + "/Groups",
        _raw(
            GROUP_SCHEMA, '"displayName": "dup group", "members": [], "members": [{"value": "x"}]'
        ),
    ),
]

# -- startIndex and count out of range -----------------------------------------------------

PAGING = {
    "startIndex": ["0", "-1", "-99999999999999999999", "99999999999999999999", "abc", "", "1.5"],
    "count": ["-1", "0", "99999999999999999999", "abc", "", "1e3", "\uff11"],
}

PAGING_CASES = [
    Case(
        f"GET {resource} {param}={value!r}",
        "GET",
        V2 + "/" + resource,
        query={param: value},
        expect="safe",
    )
    for resource in ("Users", "Groups")
    for param, values in PAGING.items()
    for value in values
] + [
    Case(
        f"search {resource} {param}={value!r}",
        "POST",
        V2 + f"/{resource}/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], param: value},
        expect="safe",
    )
    for resource in ("Users", "Groups")
    for param, value in (
        ("startIndex", -5),
        ("startIndex", "1"),
        ("startIndex", 10**30),
        ("count", -5),
        ("count", 10**30),
        ("count", [1]),
        ("startIndex", None),
    )
]

# -- invalid ids ---------------------------------------------------------------------------

BAD_IDS = [
    "abc",
    "-1",
    "0",
    "9" * 25,
    "1e3",
    "%00",
    "%20{uid}",
    "{uid}%20",
    "\u0663",
    "\uff11",
    "{uid}.0",
    "0x1",
    "{uid};DROP TABLE glpi_users",
]

ID_BODIES = {
    "GET": None,
    "DELETE": None,
    "PUT": {"Users": _user(userName="a%b@acme.example"), "Groups": _group(displayName="a%b")},
    "PATCH": {
        "Users": _ops({"op": "replace", "path": "active", "value": False}),
        "Groups": _ops({"op": "replace", "path": "displayName", "value": "renamed"}),
    },
}


def _id_cases() -> list[Case]:
    cases = []
    for method, bodies in ID_BODIES.items():
        for resource, other in (("Users", "{other_uid}"), ("Groups", "{other_gid}")):
            body = bodies[resource] if bodies else None
            for value in BAD_IDS + [other]:
                cases.append(
                    Case(f"{method} {resource}/{value}", method, f"{V2}/{resource}/{value}", body)
                )
    return cases


ID_CASES = _id_cases()

# -- method and URL confusion, path traversal, authentication ------------------------------

ROUTING_CASES = [
    Case("PUT collection", "PUT", V2 + "/Users", _user()),
    Case("DELETE collection", "DELETE", V2 + "/Users"),
    Case("PATCH collection", "PATCH", V2 + "/Groups", _ops()),
    Case("POST to a user", "POST", V2 + "/Users/{uid}", _user()),
    Case("POST to a group", "POST", V2 + "/Groups/{gid}", _group()),
    Case("GET .search", "GET", V2 + "/Users/.search"),
    Case("DELETE ServiceProviderConfig", "DELETE", V2 + "/ServiceProviderConfig"),
    Case("POST Schemas", "POST", V2 + "/Schemas", {"x": 1}),
    Case("PUT ResourceTypes", "PUT", V2 + "/ResourceTypes", {"x": 1}),
    Case("GET Bulk", "GET", V2 + "/Bulk"),
    Case("PATCH Bulk", "PATCH", V2 + "/Bulk", _ops()),
    Case("unknown method", "FROB", V2 + "/Users"),
    Case("TRACE", "TRACE", V2 + "/Users"),
    Case("dot-dot to Groups", "GET", V2 + "/Users/../Groups", expect="safe"),
    Case("encoded dot-dot", "GET", V2 + "/Users/%2e%2e/Groups", expect="safe"),
    Case("encoded slash dot-dot", "GET", V2 + "/Users/..%2f..%2fadmin", expect="safe"),
    Case("dot-dot out of the tenant", "GET", V2 + "/t/acme/../other/Users", expect="safe"),
    Case("dot-dot to the other tenant's user", "GET", V2 + "/Users/{uid}/../{other_uid}"),
    Case("double slash", "GET", V2 + "//Users", expect="safe"),
    Case("double slash in id", "GET", V2 + "/Users//{uid}", expect="safe"),
    Case("trailing slash on an id", "GET", V2 + "/Users/{uid}/", expect="safe"),
    Case("extra segment", "GET", V2 + "/Users/{uid}/extra"),
    Case("lower-case collection", "GET", V2 + "/users", expect="safe"),
    Case("upper-case collection", "GET", V2 + "/USERS", expect="safe"),
    Case("matrix parameter", "GET", V2 + "/Users;id={uid}", expect="safe"),
    Case("NUL in path", "GET", V2 + "/Users/%00"),
    Case("other tenant's prefix", "GET", V2 + "/t/other/Users"),
    Case("unknown tenant prefix", "GET", V2 + "/t/nobody/Users"),
    Case("another version", "GET", "/scim/v3/Users"),
    Case("no version", "GET", "/scim/Users"),
    Case("delete via dot-dot", "DELETE", V2 + "/Groups/{gid}/../{other_gid}"),
    Case("no token", "GET", V2 + "/Users", headers={"Authorization": None}),
    Case("empty bearer", "GET", V2 + "/Users", headers={"Authorization": "Bearer "}),
    Case("basic auth", "GET", V2 + "/Users", headers={"Authorization": "Basic YTpi"}),
    Case("wrong token", "DELETE", V2 + "/Users/{uid}", token="not-the-token-0000000000"),
    Case("token with NUL", "GET", V2 + "/Users", headers={"Authorization": "Bearer a\u0000b"}),
    Case("other tenant reads acme's user", "GET", V2 + "/Users/{uid}", token="OTHER"),
    Case("other tenant deletes acme's group", "DELETE", V2 + "/Groups/{gid}", token="OTHER"),
    Case(
        "other tenant patches acme's group",
        "PATCH",
        V2 + "/Groups/{gid}",
        _ops({"op": "add", "path": "members", "value": [{"value": "{other_uid}"}]}),
        token="OTHER",
    ),
]

HANDCRAFTED = (
    BROKEN_CASES
    + WRONG_TYPE_CASES
    + PATCH_CASES
    + CONTENT_TYPE_CASES
    + DUPLICATE_CASES
    + PAGING_CASES
    + ID_CASES
    + ROUTING_CASES
)
