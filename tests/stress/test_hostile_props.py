"""Hostile input, generated: hypothesis over filters, PATCH documents and resource bodies.

Properties, for every generated request: no 5xx; a refusal is an RFC 7644
Error and leaves GLPI byte-for-byte unchanged; a read never changes GLPI; a
simple filter returns exactly what a plain-Python evaluation returns; an
accepted write is what a fresh read then shows. Examples are derandomized
in the default run (reproducible CI); ``GSB_STRESS_HEAVY=1`` runs ten times
more, randomly.
"""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.simulator.server import start_simulator
from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import HEAVY
from tests.stress.helpers import PATCH_OP
from tests.stress.helpers import USER_SCHEMA
from tests.stress.helpers import Glpi
from tests.stress.helpers import heavy
from tests.stress.world import World
from tests.stress.world import oracle

SETTINGS = settings(
    max_examples=heavy(60, 600),
    deadline=None,
    derandomize=not HEAVY,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TRICKY_ALPHABET = list("ab%_^$&<>;#'\"\\ *()-.@AZ") + ["ü", "é", "\t"]
tricky_text = st.text(alphabet=st.sampled_from(TRICKY_ALPHABET), max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    tricky_text,
)
KEYS = ["value", "type", "primary", "display", "givenName", "familyName", "$ref", "op", "path"]
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | tricky_text, inner, max_size=3)
    ),
    max_leaves=8,
)

USER_PATHS = [
    "userName",
    "name.givenName",
    "name.familyName",
    "externalId",
    "displayName",
    "emails.value",
    "emails",
    "active",
    "title",
    "id",
    "meta.lastModified",
    "groups.value",
    "nosuch",
    "name.nosuch",
    "emails[type",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
]
OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co", "zz"]


def _literal(value) -> str:
    return json.dumps(value) if not isinstance(value, float) else repr(value)


compare = st.builds(
    lambda path, op, value: f"{path} {op} {_literal(value)}",
    st.sampled_from(USER_PATHS),
    st.sampled_from(OPERATORS),
    scalars,
) | st.builds(lambda path: f"{path} pr", st.sampled_from(USER_PATHS))
filters = st.recursive(
    compare,
    lambda inner: (
        st.builds(lambda a, b: f"{a} and {b}", inner, inner)
        | st.builds(lambda a, b: f"({a}) or ({b})", inner, inner)
        | st.builds(lambda a: f"not ({a})", inner)
        | st.builds(lambda a: f"emails[{a.replace('emails.', '')}]", inner)
    ),
    max_leaves=4,
) | st.text(max_size=40)

SIMPLE = {"userName", "name.givenName", "name.familyName", "externalId", "displayName", "emails"}


@pytest.fixture(scope="module")
def world():
    running = start_simulator(version="10")
    try:
        built = World(running)
        built.hypo_user = built.users["axb"]
        built.hypo_group = built.groups["axb"]
        yield built
    finally:
        running.stop()


@SETTINGS
@given(text=filters)
def test_any_filter_is_answered_exactly_or_refused(world: World, text: str) -> None:
    answer = world.ask("GET", "/scim/v2/Users", query={"filter": text}, expect="safe")
    event(f"status {answer.status_code}")
    if answer.status_code != 200:
        assert answer.status_code == 400, answer.get_json()
        return
    body = answer.get_json()
    assert body["totalResults"] == len(body["Resources"])
    words = text.split(" ", 2)
    if len(words) == 3 and words[0] in SIMPLE and words[1] in ("eq", "ne", "co", "sw", "ew"):
        try:
            value = json.loads(words[2])
        except ValueError:
            return
        if isinstance(value, str):
            everything = world.listing("Users")
            exact = words[0] == "externalId"
            expected = oracle(everything, words[0], words[1], value, exact)
            assert sorted((r["id"] for r in body["Resources"]), key=int) == expected


hostile_operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Add", "Replace", "Remove", "merge"])},
    optional={
        "path": st.sampled_from(USER_PATHS + ['emails[type eq "work"].value', ""]) | tricky_text,
        "value": json_values,
    },
)
login_text = st.text(
    alphabet=string.ascii_letters + string.digits + "._-'", min_size=1, max_size=20
)
addresses = st.builds(lambda local: f"{local}@mail.example", login_text)
some_text = tricky_text.filter(lambda text: text.strip())
valid_operations = st.one_of(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["replace", "Replace", "add"]),
            "path": st.sampled_from(
                ["name.givenName", "name.familyName", "displayName", "externalId", "title"]
            ),
            "value": some_text,
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("Replace"),
            "path": st.just("active"),
            "value": st.booleans() | st.sampled_from(["True", "False"]),
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("replace"),
            "path": st.just('emails[type eq "work"].value'),
            "value": addresses,
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.just("replace"),
            "value": st.fixed_dictionaries(
                {}, optional={"name.givenName": some_text, "active": st.booleans()}
            ),
        }
    ),
)
operations = st.lists(
    st.one_of(valid_operations, valid_operations, hostile_operations), min_size=1, max_size=4
)

CHECKED = ("userName", "active", "name", "externalId")


@SETTINGS
@given(ops=operations)
def test_any_user_patch_is_applied_as_answered_or_refused(world: World, ops: list) -> None:
    path = f"/scim/v2/Users/{world.hypo_user}"
    answer = world.ask("PATCH", path, body={"schemas": [PATCH_OP], "Operations": ops}, expect="any")
    event(f"status {answer.status_code}")
    if answer.status_code == 200:
        fresh = world.bridge.request("GET", path[len("/scim/v2") :]).get_json()
        for key in CHECKED:
            assert answer.get_json().get(key) == fresh.get(key), (key, ops)


member_values = st.lists(
    st.fixed_dictionaries(
        {"value": st.sampled_from(["{uid}", "{uid}", "{other_uid}", "0", "abc", "99999"])},
        optional={"type": st.sampled_from(["User", "Group"])},
    )
    | st.fixed_dictionaries({}, optional={"value": json_values, "type": json_values}),
    max_size=3,
)


@SETTINGS
@given(
    op=st.sampled_from(["add", "remove", "replace", "Add", "Remove"]),
    path=st.sampled_from(["members", 'members[value eq "{uid}"]', "displayName", "externalId"])
    | tricky_text,
    value=member_values | json_values,
)
def test_any_group_patch_keeps_memberships_consistent(world: World, op, path, value) -> None:
    group = f"/scim/v2/Groups/{world.hypo_group}"
    body = {"schemas": [PATCH_OP], "Operations": [{"op": op, "path": path, "value": value}]}
    raw = world.fill(json.dumps(body)).encode()
    event(f"status {world.ask('PATCH', group, raw=raw, expect='any').status_code}")
    assert world.bridge.sim is world.sim
    rows = [r for r in world.sim.rows("Group_User") if r["groups_id"] == int(world.hypo_group)]
    assert len({r["users_id"] for r in rows}) == len(rows)
    listed = world.bridge.request("GET", group[len("/scim/v2") :]).get_json()
    assert sorted(int(m["value"]) for m in listed.get("members", [])) == sorted(
        r["users_id"] for r in rows
    )


login_text = st.text(
    alphabet=string.ascii_letters + string.digits + "._-'", min_size=1, max_size=20
)
logins = st.builds(lambda local: f"{local}@gen.example", login_text)
user_bodies = st.fixed_dictionaries(
    {"schemas": st.just([USER_SCHEMA]), "userName": st.one_of(logins, logins, json_values)},
    optional={
        "name": st.fixed_dictionaries({}, optional={"givenName": tricky_text}) | json_values,
        "emails": st.lists(
            st.fixed_dictionaries(
                {"value": addresses},
                optional={"primary": st.booleans(), "type": st.sampled_from(["work", "home"])},
            ),
            max_size=3,
        )
        | json_values,
        "active": st.booleans() | json_values,
        "externalId": tricky_text | json_values,
        "displayName": tricky_text,
        "title": tricky_text,
    },
)


@SETTINGS
@given(body=user_bodies)
def test_any_user_body_creates_what_it_answers_or_nothing(world: World, body: dict) -> None:
    answer = world.ask("POST", "/scim/v2/Users", body=body, expect="any")
    event(f"status {answer.status_code}")
    if answer.status_code != 201:
        return
    created = answer.get_json()
    assert isinstance(body.get("userName"), str)
    assert created["userName"].casefold() == body["userName"].strip().casefold()
    rows = [u for u in world.sim.rows("User") if str(u["id"]) == created["id"]]
    assert len(rows) == 1 and not rows[0]["is_deleted"]
    fresh = world.bridge.request("GET", f"/Users/{created['id']}").get_json()
    for key in CHECKED + ("emails",):
        assert created.get(key) == fresh.get(key), (key, body)


group_bodies = st.fixed_dictionaries(
    {
        "schemas": st.just([GROUP_SCHEMA]),
        "displayName": st.one_of(some_text, some_text, json_values),
    },
    optional={
        "externalId": tricky_text | json_values,
        "members": member_values | json_values,
    },
)


@SETTINGS
@given(body=group_bodies)
def test_any_group_body_creates_what_it_answers_or_nothing(world: World, body: dict) -> None:
    raw = world.fill(json.dumps(body)).encode()
    answer = world.ask("POST", "/scim/v2/Groups", raw=raw, expect="any")
    event(f"status {answer.status_code}")
    if answer.status_code != 201:
        return
    created = answer.get_json()
    fresh = world.bridge.request("GET", f"/Groups/{created['id']}").get_json()
    assert created["displayName"] == fresh["displayName"]
    assert len(Glpi(world.sim).groups_named(created["displayName"])) == 1
