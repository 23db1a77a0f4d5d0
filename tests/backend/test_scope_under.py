"""A recursive tenant's scope is one ``under`` criterion, however many sub-entities it has."""

from __future__ import annotations

import pytest

from app.simulator.schema import entity_defaults
from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")


def add_entities(sim, parent: int, count: int, first_id: int) -> list[int]:
    """``count`` entities: half a chain below ``parent``, half siblings under its first child."""
    ids = []
    for k in range(count):
        entity_id = first_id + k
        parent_id = parent if k == 0 else (ids[-1] if k < count // 2 else ids[0])
        sim.insert(
            "Entity",
            {
                **entity_defaults(),
                "id": entity_id,
                "name": f"E{entity_id}",
                "entities_id": parent_id,
                "completename": f"E{entity_id}",
                "level": 2,
            },
        )
        ids.append(entity_id)
    return ids


@pytest.mark.parametrize("recursive", [True, False])
def test_users_deep_in_the_tree_are_in_scope_with_one_short_query(glpi_sim, recursive):
    sim = glpi_sim.sim
    sim.insert(
        "Entity",
        {
            **entity_defaults(),
            "id": 1,
            "name": "Tenant",
            "entities_id": 0,
            "completename": "Tenant",
            "level": 2,
        },
    )
    tree = add_entities(sim, 1, 60, 100)
    deepest_chain, sibling = tree[29], tree[-1]
    for login, entity in (
        ("top.user", 1),
        ("deep.user", deepest_chain),
        ("wide.user", sibling),
        ("outside.user", 0),
    ):
        sim.seed_user(name=login, _profile=1, _entity=entity)
    bridge = UserBridge(glpi_sim, entity={"id": 1, "recursive": recursive})
    bridge.warm_up()
    sim.reset_calls()
    listing = bridge.get("/Users", query_string={"count": 100})
    names = {r["userName"] for r in listing.json["Resources"]}
    expected = {"warm.up.user", "top.user"} | ({"deep.user", "wide.user"} if recursive else set())
    assert names == expected
    searches = [c for c in sim.calls if c.path.endswith("/search/User")]
    assert searches and all(len(c.query) < 2000 for c in searches)
    for login in ("deep.user", "wide.user"):
        assert len(bridge.find(login)) == (1 if recursive else 0)
    assert bridge.find("outside.user") == []
