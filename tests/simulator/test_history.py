"""``GET /User/:id/Log``: the user's history as GLPI keeps it (recorded in
``tests/contract/recorded/glpi-*/28_user_history.json``; these check the simulator's own
paths: rows written directly log nothing, a purge forgets the history)."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import Glpi

pytestmark = pytest.mark.glpi_versions("10", "11")


def test_a_user_written_directly_has_no_history(glpi_sim) -> None:
    uid = glpi_sim.sim.seed_user(name="direct.user", _emails=["d@example.org"])
    answer = Glpi(glpi_sim).get(f"User/{uid}/Log")
    assert answer.status_code == 200 and answer.json() == []


def test_the_history_names_the_acting_account_and_the_profile_rows(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    uid = glpi.post("User", {"input": {"name": "hist.user"}}).json()["id"]
    row = glpi.get(f"User/{uid}/Profile_User").json()[0]
    glpi.delete(f"Profile_User/{row['id']}", force_purge="true")
    entries = glpi.get(f"User/{uid}/Log", get_hateoas="false").json()
    assert {e["user_name"] for e in entries} == {"glpi (2)"}
    links = [(e["itemtype_link"], e["linked_action"]) for e in entries if e["linked_action"] != 20]
    assert links == [("Profile", 17), ("Profile", 19)]
    assert entries[-1]["old_value"] == "Root entity (0), Self-Service (1) (D)"


def test_a_purge_forgets_the_history(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    uid = glpi.post("User", {"input": {"name": "hist.purged"}}).json()["id"]
    glpi.delete(f"User/{uid}", force_purge="true")
    assert not [e for e in glpi_sim.sim.history if e["items_id"] == uid]
