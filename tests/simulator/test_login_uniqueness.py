"""GLPI's unique key on users is (name, authtype, auths_id) on add, the name alone on rename."""

from __future__ import annotations

import pytest

from app.simulator.items import login_taken
from app.simulator.state import Simulator


@pytest.mark.parametrize("version", ["10", "11"])
@pytest.mark.parametrize(
    ("existing", "new", "taken"),
    [
        ({"authtype": 1}, {}, True),                       # both default to local (1, 0)
        ({"authtype": 1}, {"authtype": 4}, False),         # an SSO jdoe next to a local one
        ({"authtype": 3, "auths_id": 2}, {"authtype": 3, "auths_id": 2}, True),
        ({"authtype": 3, "auths_id": 2}, {"authtype": 3, "auths_id": 5}, False),
        ({"authtype": 4, "is_deleted": 1}, {"authtype": "4"}, True),   # the trash counts too
    ],
)
def test_add_uniqueness_key(version, existing, new, taken) -> None:
    sim = Simulator(version=version)
    sim.seed_user(name="JDoe", **existing)
    assert login_taken(sim, "jdoe", new) is taken
    assert login_taken(sim, "someone.else", new) is False
