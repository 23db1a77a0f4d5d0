"""A simulator with two tenants and values made of LIKE and HTML metacharacters.

Tenant ``acme`` (entity 1) holds users and groups whose every filterable
value contains ``%``, ``_``, ``^``, ``$``, HTML entities, ``<>&`` or quotes,
next to look-alikes that GLPI's ``LIKE`` would wrongly match (``a%b`` and
``axb``). Tenant ``other`` (entity 2) holds one user and one group: their
ids are "another tenant's" for ``acme``. ``World.ask`` sends a request and
checks the rules of issue 8 on its answer; ``oracle`` evaluates a simple
filter in plain Python over a full listing, independently of the bridge.
"""

from __future__ import annotations

import json
from typing import Any

from app.simulator.schema import entity_defaults
from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import TOKEN
from tests.stress.helpers import USER_SCHEMA
from tests.stress.helpers import StressBridge
from tests.stress.helpers import check_error
from tests.stress.helpers import tenant_config

OTHER_TOKEN = "stress-other-tenant-token-01"

#: Values built from what GLPI's LIKE, GLPI 10's HTML encoding and SCIM's filter
#: grammar treat specially, with the look-alikes a widening match would return.
TRICKY = [
    "a%b",
    "axb",
    "a_b",
    "a-b",
    "^ab",
    "ab$",
    "a&lt;b",
    "a<b",
    "a&amp;b",
    "a&b",
    "&#60;x",
    "<x>",
    "O'Neil",
    'say "hi"',
    "back\\slash",
    "a*b",
    "50%_off",
    "(paren) or x",
    "UPPER lower",
    "ünïcødé",
]

#: One value per kind of trap, for the default run (``GSB_STRESS_HEAVY=1`` runs them all).
TRICKY_CORE = ["a%b", "a_b", "^ab", "a&lt;b", "a<b", 'say "hi"']


def _entity(sim: Any, entity_id: int, name: str) -> None:
    sim.insert(
        "Entity",
        {
            **entity_defaults(),
            "id": entity_id,
            "name": name,
            "entities_id": 0,
            "completename": f"Root entity > {name}",
            "level": 2,
        },
    )


class World:
    """The two tenants on one simulator, provisioned through the bridge."""

    def __init__(self, running: Any):
        self.running = running
        self.sim = running.sim
        _entity(self.sim, 1, "Acme")
        _entity(self.sim, 2, "Other")
        config = {
            "scim": {"max_results": 500},
            "tenants": [
                tenant_config(running, entity={"id": 1, "recursive": True}),
                tenant_config(
                    running, name="other", token=OTHER_TOKEN, entity={"id": 2, "recursive": True}
                ),
            ],
        }
        self.bridge = StressBridge(running, config)
        self.users: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        for index, value in enumerate(TRICKY):
            self.users[value] = self._create_user(index, value)
        for index, value in enumerate(TRICKY):
            self.groups[value] = self._create_group(value, [self.users[value]], f"g-{index}{value}")
        self.uid = self.users["a%b"]
        self.gid = self.groups["a%b"]
        other = self.bridge.request(
            "POST",
            "/Users",
            {"schemas": [USER_SCHEMA], "userName": "outsider@other.example"},
            token=OTHER_TOKEN,
        )
        assert other.status_code == 201, other.get_json()
        self.other_uid = other.get_json()["id"]
        group = self.bridge.request(
            "POST",
            "/Groups",
            {"schemas": [GROUP_SCHEMA], "displayName": "Outsiders"},
            token=OTHER_TOKEN,
        )
        assert group.status_code == 201, group.get_json()
        self.other_gid = group.get_json()["id"]

    def _create_user(self, index: int, value: str) -> str:
        login = login_for(index, value)
        body = {
            "schemas": [USER_SCHEMA],
            "userName": login,
            "externalId": f"ext{value}",
            "displayName": f"Display {value}",
            "name": {"givenName": f"{value}", "familyName": f"fam{value}"},
            "emails": [{"value": login, "primary": True}],
        }
        answer = self.bridge.request("POST", "/Users", body)
        assert answer.status_code == 201, (value, answer.get_json())
        return answer.get_json()["id"]

    def _create_group(self, name: str, members: list[str], external: str) -> str:
        body = {
            "schemas": [GROUP_SCHEMA],
            "displayName": name,
            "externalId": external,
            "members": [{"value": m} for m in members],
        }
        answer = self.bridge.request("POST", "/Groups", body)
        assert answer.status_code == 201, (name, answer.get_json())
        return answer.get_json()["id"]

    def fill(self, text: str) -> str:
        """Put this world's ids into a path or body template."""
        return (
            text.replace("{uid}", self.uid)
            .replace("{gid}", self.gid)
            .replace("{other_uid}", self.other_uid)
            .replace("{other_gid}", self.other_gid)
        )

    def ask(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict | None = None,
        query: Any = None,
        token: str | None = None,
        expect: str = "reject",
    ) -> Any:
        """Send one request and check issue 8's rules; return the response.

        ``expect``: ``reject`` (a 4xx is required), ``safe`` (any non-5xx, and GLPI
        unchanged whatever the answer: reads) or ``any`` (any non-5xx; GLPI
        unchanged when rejected).
        """
        before = self.fingerprint()
        sent = {"Authorization": f"Bearer {token or TOKEN}"}
        kwargs: dict[str, Any] = {}
        if body is not None:
            raw = json.dumps(body).encode()
        if raw is not None:
            kwargs["data"] = raw
            sent["Content-Type"] = "application/scim+json"
        sent.update(headers or {})
        sent = {k: v for k, v in sent.items() if v is not None}
        if query is not None:
            kwargs["query_string"] = query
        answer = self.bridge.client.open(path, method=method, headers=sent, **kwargs)
        status = answer.status_code
        assert status < 500, (status, answer.get_data()[:300])
        if status >= 400:
            check_error(status, answer.headers, answer.get_data())
        if expect == "reject":
            assert 400 <= status < 500, (status, answer.get_data()[:300])
        if status >= 400 or expect in ("reject", "safe"):
            assert_unchanged(before, self.fingerprint())
        return answer

    def fingerprint(self) -> str:
        """Every GLPI table as canonical JSON (cheaper than a deep copy; same content)."""
        with self.sim.lock:
            tables = {name: list(rows.values()) for name, rows in self.sim.tables.items()}
            return json.dumps(tables, sort_keys=True, default=str)

    def listing(self, resource: str) -> list[dict]:
        """Every resource of the tenant, in full (for the oracle)."""
        answer = self.bridge.request("GET", f"/{resource}", query_string={"count": 500})
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["totalResults"] == len(body["Resources"])
        return body["Resources"]


def assert_unchanged(before: str, after: str) -> None:
    """Byte-for-byte equal GLPI tables (see :meth:`World.fingerprint`); else name what changed."""
    if before == after:
        return
    old, new = json.loads(before), json.loads(after)
    changed = {
        table: [row for row in new[table] if row not in old[table]]
        + [{"removed": row} for row in old[table] if row not in new[table]]
        for table in new
        if new[table] != old[table]
    }
    raise AssertionError(f"GLPI changed: {changed}")


#: Characters an e-mail local part may hold unquoted (RFC 5322 ``atext``), so a GLPI login.
_ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
)


def login_for(index: int, value: str) -> str:
    """A login GLPI accepts carrying ``value``: an e-mail address whose local part is it."""
    local = value if set(value) <= _ATEXT else f"user{index}"
    return f"{local}@acme.example"


def _values(resource: dict, path: str) -> list[Any]:
    node: Any = resource
    for part in path.split("."):
        if isinstance(node, list):
            node = [item.get(part) for item in node if isinstance(item, dict)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return []
    items = node if isinstance(node, list) else [node]
    return [item.get("value") if isinstance(item, dict) else item for item in items]


def oracle(resources: list[dict], path: str, op: str, value: str, case_exact: bool) -> list[str]:
    """Ids of the resources where ``path op value`` holds (RFC 7644 §3.4.2.2), in plain Python."""

    def norm(text: Any) -> str:
        return str(text) if case_exact else str(text).casefold()

    wanted = norm(value)
    tests = {
        "eq": lambda v: v == wanted,
        "ne": lambda v: v != wanted,
        "co": lambda v: wanted in v,
        "sw": lambda v: v.startswith(wanted),
        "ew": lambda v: v.endswith(wanted),
    }
    found = []
    for resource in resources:
        values = [norm(v) for v in _values(resource, path) if isinstance(v, str)]
        if op == "ne":
            hit = not any(v == wanted for v in values)
        else:
            hit = any(tests[op](v) for v in values)
        if hit:
            found.append(resource["id"])
    return sorted(found, key=int)
