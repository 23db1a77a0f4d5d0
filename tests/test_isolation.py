"""Tenant isolation, in both directions, on every endpoint.

Three layouts: tenants A and B on one simulator, in sibling entities ``A`` (1, with a
child ``A.sub``, 3) and ``B`` (2) under the root; nested, A on ``A`` without its
sub-entities and B on ``A.sub``; and A and B on two simulators. Each tenant
provisions a user and a group (the user a member) with its own credential; the other
tenant's credential then tries to list, filter, search, read, create over, replace, patch,
delete and take as member each of them, with static bearer tokens, with OAuth access
tokens, through the tenant prefix and through Bulk. Nothing may be seen, matched or
changed: the victim's GLPI rows are compared before and after.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest

from app import create_app
from app.simulator.server import start_simulator

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
TOKENS = {"a": "isolation-token-tenant-a", "b": "isolation-token-tenant-b"}
SECRETS = {"a": "secret-of-client-a", "b": "secret-of-client-b"}
#: layout → tenant → (entity id, recursive).
ENTITIES = {
    "one-simulator": {"a": (1, True), "b": (2, True)},
    "nested-entities": {"a": (1, False), "b": (3, True)},
    "two-simulators": {"a": (1, True), "b": (2, True)},
}
#: Users and groups seeded at the root of the second simulator (outside both tenants), so
#: that its ids differ from the first's: an id of B's is then nothing A could own.
PADDING = 20


def add_entity(sim: Any, entity_id: int, name: str, parent: int) -> None:
    from app.simulator.schema import entity_defaults

    sim.insert(
        "Entity",
        {
            **entity_defaults(),
            "id": entity_id,
            "name": name,
            "entities_id": parent,
            "completename": f"Root entity > {name}",
            "level": 2,
        },
    )


def prepare(sim: Any) -> None:
    add_entity(sim, 1, "A", 0)
    add_entity(sim, 2, "B", 0)
    add_entity(sim, 3, "A.sub", 1)


def tenant_config(name: str, running: Any, entity: tuple[int, bool]) -> dict:
    return {
        "name": name,
        "tokens": [TOKENS[name]],
        "glpi": {
            "url": running.url,
            "app_token": running.app_token,
            "user_token": running.user_token,
            "version": running.sim.version,
        },
        "entity": {"id": entity[0], "recursive": entity[1]},
        "oauth": {
            "clients": [
                {
                    "client_id": f"client-{name}",
                    "secrets": ["sha256:" + hashlib.sha256(SECRETS[name].encode()).hexdigest()],
                }
            ]
        },
    }


@dataclass
class Side:
    """One tenant: its simulator, and what it provisioned."""

    name: str
    sim: Any
    user_id: str = ""
    user_name: str = ""
    group_id: str = ""
    group_name: str = ""

    def snapshot(self) -> dict:
        keep = ("User", "UserEmail", "Group", "Group_User", "Profile_User")
        return {t: sorted(map(repr, self.sim.rows(t))) for t in keep}


class World:
    def __init__(self, layout: str):
        self.running = [start_simulator(version="10")]
        if layout == "two-simulators":
            self.running.append(start_simulator(version="10"))
            for i in range(PADDING):
                self.running[1].sim.seed_user(name=f"padding{i}")
                self.running[1].sim.seed_group(name=f"padding{i}", entities_id=0)
        for running in self.running:
            prepare(running.sim)
        sims = {"a": self.running[0], "b": self.running[-1]}
        config = {
            "oauth": {"signing_key": "s" * 40},
            "tenants": [tenant_config(n, sims[n], ENTITIES[layout][n]) for n in ("a", "b")],
        }
        self.app = create_app(config)
        self.client = self.app.test_client()
        self.sides = {n: Side(n, sims[n].sim) for n in ("a", "b")}
        self.auth = {n: TOKENS[n] for n in ("a", "b")}
        self.entities = {n: ENTITIES[layout][n][0] for n in ("a", "b")}

    def stop(self) -> None:
        self.app.extensions["tenants"].close()
        for running in self.running:
            running.stop()

    def send(
        self,
        tenant: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        prefix: str = "",
        token: str | None = None,
        **kwargs: Any,
    ):
        headers = {"Authorization": f"Bearer {token or self.auth[tenant]}"}
        if body is not None:
            kwargs["json"] = body
        return self.client.open(f"/scim/v2{prefix}{path}", method=method, headers=headers, **kwargs)

    def provision(self, name: str) -> Side:
        side = self.sides[name]
        side.user_name, side.group_name = f"{name}.person", f"Team {name.upper()}"
        user = self.send(
            name,
            "POST",
            "/Users",
            {
                "schemas": [USER],
                "userName": side.user_name,
                "emails": [{"value": f"{name}@example.com"}],
            },
        )
        assert user.status_code == 201, user.json
        side.user_id = user.json["id"]
        group = self.send(
            name,
            "POST",
            "/Groups",
            {
                "schemas": [GROUP],
                "displayName": side.group_name,
                "members": [{"value": side.user_id}],
            },
        )
        assert group.status_code == 201, group.json
        side.group_id = group.json["id"]
        return side

    def oauth_token(self, name: str) -> str:
        answer = self.client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": f"client-{name}",
                "client_secret": SECRETS[name],
            },
        )
        assert answer.status_code == 200, answer.json
        return answer.json["access_token"]


@pytest.fixture(scope="module", params=list(ENTITIES))
def world(request):
    built = World(request.param)
    built.provision("a")
    built.provision("b")
    yield built
    built.stop()


@pytest.fixture(params=[("a", "b"), ("b", "a")], ids=["A-on-B", "B-on-A"])
def roles(request, world):
    attacker, victim = request.param
    return attacker, world.sides[victim]


def _ids(body: dict) -> set[str]:
    return {r["id"] for r in body.get("Resources", [])}


def _names(body: dict) -> set[str]:
    return {r.get("userName") or r.get("displayName") for r in body.get("Resources", [])}


def test_lists_and_filters_never_show_the_other_tenant(world, roles):
    attacker, victim = roles
    own = world.sides[attacker]
    for path in ("/Users", "/Groups"):
        body = world.send(attacker, "GET", path, query_string={"count": 200}).json
        assert victim.user_id not in _ids(body) or path == "/Groups"
        assert not _names(body) & {victim.user_name, victim.group_name}
        assert _names(body) & {own.user_name, own.group_name}
    for path, expr in (
        ("/Users", f'userName eq "{victim.user_name}"'),
        ("/Users", f'emails.value eq "{victim.name}@example.com"'),
        ("/Users", 'userName co "person"'),
        ("/Users", 'userName pr and not (userName eq "x")'),
        ("/Groups", f'displayName eq "{victim.group_name}"'),
        ("/Groups", f'members[value eq "{victim.user_id}"]'),
    ):
        body = world.send(attacker, "GET", path, query_string={"filter": expr}).json
        assert "totalResults" in body, body
        assert not _names(body) & {victim.user_name, victim.group_name}, expr


def test_searches_never_show_the_other_tenant(world, roles):
    attacker, victim = roles
    for path, expr in (
        ("/Users/.search", f'userName eq "{victim.user_name}"'),
        ("/Groups/.search", f'displayName eq "{victim.group_name}"'),
        ("/.search", f'userName eq "{victim.user_name}"'),
        ("/.search", f'displayName eq "{victim.group_name}"'),
    ):
        body = world.send(attacker, "POST", path, {"schemas": [SEARCH], "filter": expr}).json
        assert body["totalResults"] == 0, (path, body)


def test_reads_by_id_are_404(world, roles):
    attacker, victim = roles
    assert world.send(attacker, "GET", f"/Users/{victim.user_id}").status_code == 404
    assert world.send(attacker, "GET", f"/Groups/{victim.group_id}").status_code == 404


def test_writes_by_id_are_404_and_change_nothing(world, roles):
    attacker, victim = roles
    before = victim.snapshot()
    rename = {"op": "replace", "path": "userName", "value": "stolen"}
    attempts = [
        ("PUT", f"/Users/{victim.user_id}", {"schemas": [USER], "userName": "stolen"}),
        ("PATCH", f"/Users/{victim.user_id}", {"schemas": [PATCH_OP], "Operations": [rename]}),
        (
            "PATCH",
            f"/Users/{victim.user_id}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
        ),
        ("DELETE", f"/Users/{victim.user_id}", None),
        (
            "PUT",
            f"/Groups/{victim.group_id}",
            {"schemas": [GROUP], "displayName": "stolen", "members": []},
        ),
        (
            "PATCH",
            f"/Groups/{victim.group_id}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "remove", "path": f'members[value eq "{victim.user_id}"]'}],
            },
        ),
        (
            "PATCH",
            f"/Groups/{victim.group_id}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "displayName", "value": "stolen"}],
            },
        ),
        ("DELETE", f"/Groups/{victim.group_id}", None),
    ]
    for method, path, body in attempts:
        answer = world.send(attacker, method, path, body)
        assert answer.status_code == 404, (method, path, answer.json)
    assert victim.snapshot() == before


def test_the_other_tenants_user_cannot_become_a_member(world, roles):
    attacker, victim = roles
    before = victim.snapshot()
    own = world.sides[attacker]
    added = world.send(
        attacker,
        "PATCH",
        f"/Groups/{own.group_id}",
        {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": victim.user_id}]}],
        },
    )
    assert added.status_code == 400, added.json
    created = world.send(
        attacker,
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "Grab", "members": [{"value": victim.user_id}]},
    )
    assert created.status_code == 400, created.json
    replaced = world.send(
        attacker,
        "PUT",
        f"/Groups/{own.group_id}",
        {
            "schemas": [GROUP],
            "displayName": own.group_name,
            "members": [{"value": own.user_id}, {"value": victim.user_id}],
        },
    )
    assert replaced.status_code == 400, replaced.json
    manager = world.send(
        attacker,
        "PATCH",
        f"/Users/{own.user_id}",
        {
            "schemas": [PATCH_OP],
            "Operations": [
                {
                    "op": "replace",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                    "value": victim.user_id,
                }
            ],
        },
    )
    assert manager.status_code == 400, manager.json
    assert victim.snapshot() == before
    members = world.send(attacker, "GET", f"/Groups/{own.group_id}").json["members"]
    assert [m["value"] for m in members] == [own.user_id]


def test_creating_the_other_tenants_login_never_touches_it_and_leaves_no_way_in(world, roles):
    """A refused create looks the login up outside the tenant; what it saw must not
    become a way to write the other tenant's user afterwards."""
    attacker, victim = roles
    before = victim.snapshot()
    answer = world.send(
        attacker, "POST", "/Users", {"schemas": [USER], "userName": victim.user_name}
    )
    same_glpi = world.sides[attacker].sim is victim.sim
    assert answer.status_code == (409 if same_glpi else 201), answer.json
    if not same_glpi:
        assert answer.json["id"] != victim.user_id
        assert world.send(attacker, "DELETE", f"/Users/{answer.json['id']}").status_code == 204
    for method, body in (
        ("PUT", {"schemas": [USER], "userName": victim.user_name, "title": "x"}),
        ("DELETE", None),
    ):
        again = world.send(attacker, method, f"/Users/{victim.user_id}", body)
        assert again.status_code == 404, (method, again.json)
    assert victim.snapshot() == before


def test_bulk_cannot_reach_the_other_tenant(world, roles):
    attacker, victim = roles
    before = victim.snapshot()
    operations = [
        {"method": "DELETE", "path": f"/Users/{victim.user_id}"},
        {
            "method": "PATCH",
            "path": f"/Groups/{victim.group_id}",
            "data": {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "displayName", "value": "x"}],
            },
        },
        {
            "method": "PUT",
            "path": f"/Users/{victim.user_id}",
            "data": {"schemas": [USER], "userName": "x"},
        },
    ]
    answer = world.send(attacker, "POST", "/Bulk", {"schemas": [BULK], "Operations": operations})
    assert [op["status"] for op in answer.json["Operations"]] == ["404", "404", "404"]
    assert victim.snapshot() == before


def test_prefix_must_match_the_credential(world, roles):
    attacker, victim = roles
    before = victim.snapshot()
    own = world.sides[attacker]
    mine = world.send(attacker, "GET", f"/Users/{own.user_id}", prefix=f"/t/{attacker}")
    assert mine.status_code == 200
    assert mine.json["meta"]["location"].endswith(f"/scim/v2/t/{attacker}/Users/{own.user_id}")
    for method, path in (
        ("GET", "/Users"),
        ("GET", f"/Users/{victim.user_id}"),
        ("DELETE", f"/Users/{victim.user_id}"),
        ("GET", f"/Groups/{victim.group_id}"),
    ):
        answer = world.send(attacker, method, path, prefix=f"/t/{victim.name}")
        assert answer.status_code == 401, (method, path)
        assert answer.json["status"] == "401"
    assert victim.snapshot() == before


def test_oauth_access_tokens_are_isolated_too(world, roles):
    attacker, victim = roles
    before = victim.snapshot()
    token = world.oauth_token(attacker)
    own = world.sides[attacker]
    assert world.send(attacker, "GET", f"/Users/{own.user_id}", token=token).status_code == 200
    assert (
        world.send(attacker, "GET", "/Users", prefix=f"/t/{attacker}", token=token).status_code
        == 200
    )
    assert (
        world.send(attacker, "GET", "/Users", prefix=f"/t/{victim.name}", token=token).status_code
        == 401
    )
    assert (
        world.send(
            attacker, "DELETE", f"/Users/{victim.user_id}", prefix=f"/t/{victim.name}", token=token
        ).status_code
        == 401
    )
    assert world.send(attacker, "GET", f"/Users/{victim.user_id}", token=token).status_code == 404
    assert (
        world.send(attacker, "DELETE", f"/Users/{victim.user_id}", token=token).status_code == 404
    )
    found = world.send(
        attacker,
        "GET",
        "/Users",
        token=token,
        query_string={"filter": f'userName eq "{victim.user_name}"'},
    ).json
    assert found["totalResults"] == 0
    assert victim.snapshot() == before


def test_each_tenant_still_sees_its_own(world):
    for name, side in world.sides.items():
        user = world.send(name, "GET", f"/Users/{side.user_id}")
        assert user.status_code == 200 and user.json["userName"] == side.user_name
        group = world.send(name, "GET", f"/Groups/{side.group_id}").json
        assert [m["value"] for m in group["members"]] == [side.user_id]
        rows = [r for r in side.sim.rows("Profile_User") if str(r["users_id"]) == side.user_id]
        assert {r["entities_id"] for r in rows} == {world.entities[name]}


def test_each_tenant_has_its_own_glpi_client_session_and_caches(world):
    tenants = world.app.extensions["tenants"].tenants
    a, b = tenants["a"].storage, tenants["b"].storage
    assert a is not b
    assert a.client is not b.client
    assert a.caches is not b.caches and a.caches.user_facts is not b.caches.user_facts
    assert a.scope.entity_ids() != b.scope.entity_ids()
    for side in world.sides.values():
        side.sim.reset_calls()
    assert world.send("a", "GET", f"/Users/{world.sides['a'].user_id}").status_code == 200
    assert world.sides["a"].sim.calls, "tenant A's read goes to tenant A's GLPI"
    if world.sides["b"].sim is not world.sides["a"].sim:
        assert world.sides["b"].sim.calls == [], "and never to tenant B's"
