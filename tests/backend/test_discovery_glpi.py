"""/Schemas over the GLPI backend advertises exactly what GLPI stores, and how."""

from __future__ import annotations

import pytest

from app.scim.endpoint.discovery import advertised
from app.scim.schema import Attribute
from tests.backend.users_app import ENTERPRISE
from tests.backend.users_app import USER_SCHEMA
from tests.backend.users_app import UserBridge

EMAILS = Attribute("emails", type="complex", multi_valued=True, sub_attributes=(
    Attribute("value"), Attribute("display"), Attribute("type", canonical_values=("work", "home")),
    Attribute("primary", type="boolean")))


@pytest.mark.parametrize(
    ("support", "canonical", "expected"),
    [
        (None, {}, {"mutability": "readWrite", "subs": ["value", "display", "type", "primary"]}),
        ({}, {}, None),
        ({"emails": "readWrite"}, {}, {"mutability": "readWrite",
                                        "subs": ["value", "display", "type", "primary"]}),
        ({"emails": "readOnly", "emails.value": "readOnly", "emails.type": "readOnly"},
         {"emails.type": ["work"]},
         {"mutability": "readOnly", "subs": ["value", "type"], "type_values": ["work"]}),
    ],
)
def test_advertised_follows_the_storage(support, canonical, expected) -> None:
    got = advertised(EMAILS, "emails", support, canonical)
    if expected is None:
        assert got is None
        return
    assert got.mutability == expected["mutability"]
    assert [s.name for s in got.sub_attributes] == expected["subs"]
    if "type_values" in expected:
        assert list(got.sub("type").canonical_values) == expected["type_values"]


def _attrs(doc: dict) -> dict[str, dict]:
    return {a["name"]: a for a in doc["attributes"]}


def test_user_schema_lists_what_glpi_stores(glpi_sim) -> None:
    bridge = UserBridge(glpi_sim)
    core = _attrs(bridge.get(f"/Schemas/{USER_SCHEMA}").get_json())
    assert {"userName", "name", "emails", "phoneNumbers", "active", "externalId", "title",
            "preferredLanguage", "password", "groups"} <= set(core)
    assert not {"addresses", "ims", "photos", "x509Certificates", "entitlements", "nickName",
                "profileUrl", "userType", "timezone"} & set(core)
    assert [s["name"] for s in core["name"]["subAttributes"]] == ["familyName", "givenName"]
    emails = {s["name"]: s for s in core["emails"]["subAttributes"]}
    assert emails["type"]["canonicalValues"] == ["work"]
    assert "fr-FR" in core["preferredLanguage"]["canonicalValues"]
    assert core["active"]["required"] is True
    assert core["displayName"]["mutability"] == "readWrite"
    assert core["password"]["returned"] == "never"
    enterprise = _attrs(bridge.get(f"/Schemas/{ENTERPRISE}").get_json())
    assert set(enterprise) == {"employeeNumber", "manager"}


def test_removing_active_is_a_mutability_error(glpi_sim) -> None:
    bridge = UserBridge(glpi_sim)
    created = bridge.post({"schemas": [USER_SCHEMA], "userName": "keep.active"})
    assert created.status_code == 201
    assert created.get_json()["active"] is True
    response = bridge.patch(created.get_json()["id"], [{"op": "remove", "path": "active"}])
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "mutability"
    row = next(r for r in glpi_sim.sim.rows("User") if r["name"] == "keep.active")
    assert row["is_active"] == 1
