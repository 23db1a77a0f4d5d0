"""``%``, ``_``, ``^``, ``$``, HTML entities, ``<>&`` and quotes in every filterable value.

Every filterable attribute of Users and Groups, with ``eq``, ``co``, ``sw``
and ``ew``, against values made of what GLPI's LIKE, GLPI 10's HTML encoding
and the SCIM filter grammar treat specially (next to look-alikes a widened
match would return). The answer must equal a plain-Python evaluation of the
filter over the full listing: the bridge never trusts GLPI's LIKE, so nothing
is widened and nothing is missed. Reads never change GLPI.
"""

from __future__ import annotations

import json

import pytest

from app.simulator.server import start_simulator
from tests.stress.helpers import HEAVY
from tests.stress.world import TRICKY
from tests.stress.world import TRICKY_CORE
from tests.stress.world import World
from tests.stress.world import oracle


@pytest.fixture(scope="module", params=["10", "11"])
def world(request):
    running = start_simulator(version=request.param)
    try:
        built = World(running)
        built.everything = {r: built.listing(r) for r in ("Users", "Groups")}
        yield built
    finally:
        running.stop()


#: Filterable attributes of each resource; externalId is caseExact (RFC 7643 §3.1).
FILTERABLE = {
    "Users": [
        "userName",
        "name.givenName",
        "name.familyName",
        "externalId",
        "displayName",
        "emails.value",
        "emails",
    ],
    "Groups": ["displayName", "externalId"],
}
CASE_EXACT = {"externalId"}

FILTER_CASES = [
    (resource, attribute, op, value)
    for resource, attributes in FILTERABLE.items()
    for attribute in attributes
    for op in ("eq", "co", "sw", "ew")
    for value in (TRICKY if HEAVY else TRICKY_CORE)
]


@pytest.mark.parametrize(
    ("resource", "attribute", "op", "value"),
    FILTER_CASES,
    ids=[f"{r} {a} {o} {v!r}" for r, a, o, v in FILTER_CASES],
)
def test_a_metacharacter_in_a_filter_value_matches_exactly(
    world: World, resource: str, attribute: str, op: str, value: str
) -> None:
    expected = oracle(world.everything[resource], attribute, op, value, attribute in CASE_EXACT)
    text = f"{attribute} {op} {json.dumps(value)}"
    answer = world.ask("GET", f"/scim/v2/{resource}", query={"filter": text}, expect="safe")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert sorted((r["id"] for r in body["Resources"]), key=int) == expected, text
    assert body["totalResults"] == len(expected)
