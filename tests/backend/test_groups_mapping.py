"""Table tests of the pure SCIM Group ↔ GLPI Group mapping."""

from __future__ import annotations

import pytest

from app.glpi.groups import mapping as gm
from app.scim.constants import GROUP_SCHEMA
from app.scim.errors import InvalidValueError

ROW = {
    "id": 9,
    "entities_id": 0,
    "is_recursive": 1,
    "name": "SCIM R&D <Team> 'A'",
    "comment": None,
    "ldap_group_dn": "obj-1",
    "date_mod": "2026-11-28 19:46:25",
    "date_creation": "2026-11-28 19:40:00",
}


@pytest.mark.parametrize(
    ("version", "overrides", "expected"),
    [
        ("11", {}, "code"),
        ("10", {}, "ldap_group_dn"),
        ("11", {"externalId": "ldap_group_dn"}, "ldap_group_dn"),
        ("10", {"externalId": None}, None),
        ("11", {"externalId": "comment"}, "comment"),
    ],
)
def test_external_id_field(version, overrides, expected):
    assert gm.external_id_field(version, overrides) == expected


@pytest.mark.parametrize(
    ("version", "column"), [("10", "code"), ("11", "password"), ("10", "name")]
)
def test_external_id_field_refuses_unusable_columns(version, column):
    with pytest.raises(ValueError, match="externalId"):
        gm.external_id_field(version, {"externalId": column})


def test_glpi_to_scim_group_row():
    group = gm.glpi_to_scim_group(ROW, external_id_column="ldap_group_dn")
    assert group == {
        "schemas": [GROUP_SCHEMA],
        "id": "9",
        "displayName": "SCIM R&D <Team> 'A'",
        "externalId": "obj-1",
        "meta": {
            "resourceType": "Group",
            "created": "2026-11-28T19:40:00Z",
            "lastModified": "2026-11-28T19:46:25Z",
            "version": gm.version_of(9, "2026-11-28 19:46:25", "SCIM R&D <Team> 'A'", "obj-1"),
        },
    }
    assert "members" not in group


def test_glpi_to_scim_group_members_and_no_external_id():
    row = dict(ROW, ldap_group_dn=None)
    members = [gm.member_of(80), gm.member_of(81, "scim.gu2")]
    group = gm.glpi_to_scim_group(row, external_id_column="ldap_group_dn", members=members)
    assert "externalId" not in group
    assert group["members"] == [
        {"value": "80", "type": "User"},
        {"value": "81", "type": "User", "display": "scim.gu2"},
    ]


def test_version_changes_with_date_mod():
    assert gm.version_of(9, "2026-11-28 19:46:25") != gm.version_of(9, "2026-11-28 19:46:26")
    assert gm.version_of(9, "t", "a") != gm.version_of(9, "t", "b")  # a rename within one second
    assert gm.version_of(9, "t", "a", None) != gm.version_of(9, "t", "a", "e")
    assert gm.version_of(9, "x").startswith('W/"')


@pytest.mark.parametrize(
    ("resource", "column", "expected"),
    [
        ({"displayName": "  Team A "}, "code", {"name": "Team A"}),
        ({"displayName": "Team", "externalId": "abc"}, "code", {"name": "Team", "code": "abc"}),
        ({"externalId": None}, "ldap_group_dn", {"ldap_group_dn": ""}),
        ({"externalId": "abc"}, None, {}),
        ({"members": [{"value": "1"}]}, "code", {}),
        ({"displayName": "x" * 255}, "code", {"name": "x" * 255}),
    ],
)
def test_scim_to_glpi_group(resource, column, expected):
    assert gm.scim_to_glpi_group(resource, external_id_column=column) == expected


@pytest.mark.parametrize(
    "resource",
    [
        {"displayName": ""},
        {"displayName": "   "},
        {"displayName": None},
        {"displayName": 12},
        {"displayName": "x" * 256},
        {"displayName": "ok", "externalId": 5},
        {"displayName": "ok", "externalId": "e" * 256},
    ],
)
def test_scim_to_glpi_group_refuses_bad_values(resource):
    with pytest.raises(InvalidValueError):
        gm.scim_to_glpi_group(resource, external_id_column="code")


def test_creation_fields_come_from_config():
    fields = gm.creation_fields(
        3, {"is_recursive": True, "flags": {"is_usergroup": 1, "is_assign": 0}}
    )
    assert fields == {"entities_id": 3, "is_recursive": 1, "is_usergroup": 1, "is_assign": 0}


def test_search_row_round_trip():
    data = {
        "1": "Team",
        "2": 12,
        "14": "Team & co",
        "19": "2026-01-02 03:04:05",
        "121": "2026-01-01 00:00:00",
        "74": "ext-12",
    }
    assert gm.search_columns("code") == [2, 14, 19, 121, 74]
    row = gm.row_from_search(data, "code")
    group = gm.glpi_to_scim_group(row, external_id_column="code")
    assert (group["id"], group["displayName"], group["externalId"]) == ("12", "Team & co", "ext-12")
    assert group["meta"]["created"] == "2026-01-01T00:00:00Z"
