"""Divergences of real GLPI 10.0.12 and 11.0.6 from the simulator (issue 13), fixed in the bridge.

Each test failed on the real GLPI before its fix (checked by stashing the fix)
and reads GLPI's state back through its own API (or MariaDB for hashes).
"""

from __future__ import annotations

import pytest

from tests.real.bridge import unique_name

EXCLUDE_MEMBERS = {"excludedAttributes": "members"}


# -- 1. Group externalId without LDAP --------------------------------------------------------


@pytest.mark.parametrize("column", [None, "ldap_group_dn", "ldap_value"])
def test_group_external_id_reads_back_without_ldap(real_glpi, real_bridge, column):
    """GLPI declares Group search options 3/4/5 only with an LDAP directory configured:
    ``externalId`` kept in ``ldap_group_dn`` (GLPI 10's default) or ``ldap_value`` must still
    read back by id, in a page, and through an exact ``externalId eq`` filter."""
    if column is None and real_glpi.major == "11":
        pytest.skip("GLPI 11's default column is code, searchable (covered by the others)")
    tenant = {"mapping": {"group": {"externalId": column}}} if column else {}
    bridge = real_bridge(**tenant)
    name = unique_name("dv-grp")
    external = f"Ext_{name}"
    created = bridge.create_group(name, externalId=external)
    stored = real_glpi.api.get("Group", created["id"])
    assert stored[column or "ldap_group_dn"] == external
    assert created["externalId"] == external

    read = bridge.get(f"/Groups/{created['id']}", query_string=EXCLUDE_MEMBERS)
    assert read.status_code == 200 and read.json["externalId"] == external

    for expression in (f'externalId eq "{external}"', f'displayName eq "{name}"'):
        found = bridge.get("/Groups", query_string={"filter": expression, **EXCLUDE_MEMBERS})
        assert found.status_code == 200, found.json
        assert [(g["id"], g.get("externalId")) for g in found.json["Resources"]] == [
            (created["id"], external)
        ], expression
    # externalId is caseExact (RFC 7643 §3.1): GLPI's LIKE ignores case, the bridge does not.
    other_case = bridge.get(
        "/Groups", query_string={"filter": f'externalId eq "{external.upper()}"'}
    )
    assert other_case.json["totalResults"] == 0
    # GLPI's LIKE treats "_" literally and "%" as a wildcard: a near miss is not a hit.
    near = bridge.get("/Groups", query_string={"filter": f'externalId eq "Ext%{name}"'})
    assert near.json["totalResults"] == 0

    listed, start = {}, 1
    while True:
        page = bridge.get(
            "/Groups", query_string={"startIndex": start, "count": 100, **EXCLUDE_MEMBERS}
        ).json
        listed.update({g["id"]: g.get("externalId") for g in page["Resources"]})
        start += len(page["Resources"])
        if not page["Resources"] or start > page["totalResults"]:
            break
    assert listed[created["id"]] == external

    patched = bridge.patch_group(
        created["id"], [{"op": "replace", "path": "externalId", "value": f"{external}-2"}]
    )
    assert patched.status_code in (200, 204), patched.json
    assert real_glpi.api.get("Group", created["id"])[column or "ldap_group_dn"] == f"{external}-2"
    assert bridge.get(f"/Groups/{created['id']}").json["externalId"] == f"{external}-2"


def test_group_in_another_entity_is_not_read_by_id(real_glpi, real_bridge):
    """``GET /Group/:id`` is not scoped by GLPI: the bridge checks the tenant's entity."""
    child = (real_glpi.conn or {}).get("child_entity_id")
    if not child:
        pytest.skip("needs the kit's child entity")
    bridge = real_bridge(
        entity={"id": child, "recursive": False},
        mapping={"group": {"externalId": "ldap_group_dn"}},
    )
    root_group = real_bridge(mapping={"group": {"externalId": "ldap_group_dn"}}).create_group(
        unique_name("dv-root"), externalId="x"
    )
    assert bridge.get(f"/Groups/{root_group['id']}").status_code == 404
    found = bridge.get("/Groups", query_string={"filter": 'externalId eq "x"'})
    assert root_group["id"] not in [g["id"] for g in found.json["Resources"]]


# -- 3. Fewest GLPI calls ----------------------------------------------------------------------


def test_group_create_reads_nothing_back(real_glpi, bridge):
    """POST /Groups: the uniqueness search, the create, and the check after the write (no
    Redis), which brings the new row: 3 calls (4 before: the row was searched again)."""
    bridge.create_group(unique_name("dv-warm"))
    bridge.reset_calls()
    name = unique_name("dv-grp")
    created = bridge.create_group(name, externalId=f"e-{name}")
    assert created["externalId"] == f"e-{name}" and created["meta"]["created"]
    assert bridge.calls() == [
        ("GET", "/search/Group"),
        ("POST", "/Group/"),
        ("GET", "/search/Group"),
    ]
