"""Fault injection during an Entra-like replay: GLPI ends exactly as intended.

Several hundred SCIM operations (creates after a ``userName eq`` look-up,
PATCH updates of a column and the e-mail, deactivations, deletions, groups
created empty, members added and removed by PATCH, renames, a group
deletion) run while the simulator fails: bursts of 500 and 503, every
session invalidated, GLPI down and restarted without its sessions, latency
beyond the bridge's read timeout, and faults aimed at one write endpoint,
before its work (the write does not land), after it (it landed, the answer
is an error) or late (it landed, the answer times out).

Required (issue 8): the bridge never answers 500 and every error is a SCIM
Error; every 2xx is checked against GLPI right away; at the end GLPI holds
exactly the intended users, e-mails, groups and memberships, once each.
"""

from __future__ import annotations

import random

import pytest

from app.simulator.server import start_simulator
from tests.stress.helpers import SHORT_TIMEOUTS
from tests.stress.helpers import StressBridge
from tests.stress.helpers import heavy
from tests.stress.idp import Chaos
from tests.stress.idp import Idp
from tests.stress.idp import SimHolder

USERS = heavy(60, 400)
GROUPS = heavy(8, 40)


@pytest.fixture
def holder(glpi_version: str):
    held = SimHolder(start_simulator(version=glpi_version))
    try:
        yield held
    finally:
        held.stop()


def replay(idp: Idp, rng: random.Random) -> None:
    """The Entra-like sequence: initial cycle, then incremental changes."""
    logins = [f"user{i:04d}@stress.example" for i in range(USERS)]
    for i, login in enumerate(logins):
        idp.provision_user(login, f"Given{i}", f"Family{i}")
    names = [f"Stress Group {j}" for j in range(GROUPS)]
    for name in names:
        idp.provision_group(name)
    for name in names:
        chosen = rng.sample(logins, min(12, len(logins)))
        for start in range(0, len(chosen), 4):
            idp.add_members(name, chosen[start : start + 4])
    for login in rng.sample(logins, len(logins) // 3):
        idp.update_user(login, "Renamed" + login[4:8], "new." + login)
    for name in names:
        for login in rng.sample(sorted(idp.intended.groups[name]), 2):
            idp.remove_member(name, login)
    for name in names[: max(1, len(names) // 3)]:
        idp.rename_group(name, name + " (renamed)")
    leaving = rng.sample(logins, len(logins) // 6)
    for login in leaving:
        idp.deactivate_user(login)
    for login in leaving[::2]:
        idp.delete_user(login)
    idp.delete_group(names[-1])
    for name in list(idp.intended.groups)[:3]:
        newcomers = [u for u in logins if u not in idp.intended.groups[name]][:2]
        idp.add_members(name, newcomers)
        idp.remove_member(name, newcomers[0])


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_an_entra_replay_under_faults_ends_in_the_intended_state(holder: SimHolder) -> None:
    rng = random.Random(8)
    chaos = Chaos(holder, rng)
    idp = Idp(StressBridge(holder.running, glpi={"timeouts": SHORT_TIMEOUTS}), chaos)
    replay(idp, rng)
    chaos.stop()
    assert idp.operations >= 100 and len(idp.statuses) >= 250
    assert idp.differences() == []
    # Every kind of fault happened, and the bridge answered some of them with 503.
    kinds = {entry.split()[0] for entry in chaos.log}
    assert kinds == {"burst500", "burst503", "sessions", "restart", "spike", "aimed"}
    assert holder.restarts >= 1
    assert 503 in idp.statuses and 500 not in idp.statuses
