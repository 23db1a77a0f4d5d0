"""Search options are GLPI's real ones per version; Group 3, 4, 5 only with an LDAP directory."""

from __future__ import annotations

import json

import pytest

from app.simulator.search.options import _REAL_OPTIONS
from tests.contract.replay import RECORDED
from tests.contract.replay import VERSIONS
from tests.simulator.helpers import Glpi

pytestmark = pytest.mark.glpi_versions("10", "11")

LDAP_GROUP_OPTIONS = {"3": "ldap_field", "4": "ldap_value", "5": "ldap_group_dn"}


@pytest.mark.parametrize("version", ["10", "11"])
def test_the_shipped_options_are_the_recorded_ones(version: str) -> None:
    """``search_options.json`` is a copy of the recorder's ``23_search_options`` answers:
    re-recording on a new GLPI shows here what to copy."""
    recorded = json.loads(
        (RECORDED / VERSIONS[version] / "23_search_options.json").read_text(encoding="utf-8")
    )
    shipped = json.loads(_REAL_OPTIONS.read_text(encoding="utf-8"))[version]
    assert shipped == {
        entry["request"]["path"].rsplit("/", 1)[1]: entry["response"]["body"]
        for entry in recorded
    }


def _group(glpi: Glpi) -> int:
    answer = glpi.post("Group", {"input": {"name": "ldap-opts", "ldap_group_dn": "cn=x"}})
    assert answer.status_code == 201
    return answer.json()["id"]


def test_without_ldap_group_options_3_to_5_do_not_exist(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    gid = _group(glpi)
    listed = glpi.get("listSearchOptions/Group").json()
    assert not set(LDAP_GROUP_OPTIONS) & set(listed)
    refused = glpi.search("Group", [(5, "contains", "cn=x")])
    assert refused.status_code == 400
    assert refused.json()[1].startswith("Bad field ID in search criteria")
    shown = glpi.search("Group", [(2, "equals", gid)], forcedisplay=(2, 3, 4, 5))
    assert shown.status_code == 200
    assert set(shown.json()["data"][0]) == {"1", "2", "80"}
    assert glpi.get(f"Group/{gid}").json()["ldap_group_dn"] == "cn=x"


@pytest.mark.glpi_ldap
def test_with_an_ldap_directory_group_options_3_to_5_are_searchable(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    gid = _group(glpi)
    listed = glpi.get("listSearchOptions/Group").json()
    assert {k: listed[k]["field"] for k in LDAP_GROUP_OPTIONS} == LDAP_GROUP_OPTIONS
    keys = list(listed)
    assert keys.index("3") == keys.index("2") + 1  # where Group::rawSearchOptions adds them
    found = glpi.search("Group", [(5, "contains", "^cn=x$")], forcedisplay=(2, 5))
    assert found.json()["data"] == [{"1": "ldap-opts", "80": "Root entity", "2": gid, "5": "cn=x"}]


def test_group_code_exists_on_11_only(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    listed = glpi.get("listSearchOptions/Group").json()
    assert ("74" in listed) == (glpi_sim.sim.version == "11")
    answer = glpi.search("Group", [(74, "contains", "x")])
    assert answer.status_code == (200 if glpi_sim.sim.version == "11" else 400)


def test_a_real_option_the_engine_does_not_model_reads_its_own_column(glpi_sim) -> None:
    """Group 11 (``is_requester``) is real but not in the engine's model: it reads its column."""
    glpi = Glpi(glpi_sim)
    gid = _group(glpi)
    shown = glpi.search("Group", [(2, "equals", gid), (11, "equals", 1, "AND")], forcedisplay=(11,))
    assert shown.json()["data"][0]["11"] == 1
