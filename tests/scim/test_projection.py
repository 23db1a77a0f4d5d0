"""Attribute projection per ``returned``, and what the storage is told to load."""

from __future__ import annotations

import pytest

from app.scim.projection import canonical_names
from app.scim.projection import project
from app.scim.projection import selection_for
from app.scim.schema import RESOURCES
from app.scim.storage import AttributeSelection
from tests.scim.conftest import ENTERPRISE
from tests.scim.conftest import USER_SCHEMA

USER = RESOURCES["User"]
GROUP = RESOURCES["Group"]

STORED = {
    "id": "42",
    "externalId": "ext-42",
    "userName": "bjensen",
    "password": "hunter2-secret",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "b@example.com", "type": "work", "primary": True}],
    "active": True,
    "groups": [{"value": "7", "display": "Admins"}],
    "meta": {"created": "2026-01-01T00:00:00Z", "lastModified": "2026-01-02T00:00:00Z"},
    ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "9", "displayName": "Boss"}},
    "notInTheSchema": "dropped",
}


def _show(attributes=(), excluded=()):
    return project(STORED, USER, selection_for(USER, attributes, excluded))


def test_default_set_has_everything_but_password():
    shown = _show()
    assert shown["schemas"] == [USER_SCHEMA, ENTERPRISE]
    assert "password" not in shown and "notInTheSchema" not in shown
    assert set(shown) == {
        "schemas",
        "id",
        "externalId",
        "userName",
        "name",
        "emails",
        "active",
        "groups",
        "meta",
        ENTERPRISE,
    }


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (["userName"], {"schemas": [USER_SCHEMA], "id": "42", "userName": "bjensen"}),
        (["USERNAME", "password"], {"schemas": [USER_SCHEMA], "id": "42", "userName": "bjensen"}),
        (
            ["name.givenName"],
            {"schemas": [USER_SCHEMA], "id": "42", "name": {"givenName": "Barbara"}},
        ),
        (
            ['emails[type eq "work"]'],
            {
                "schemas": [USER_SCHEMA],
                "id": "42",
                "emails": [{"value": "b@example.com", "type": "work", "primary": True}],
            },
        ),
        (
            ["emails.value"],
            {"schemas": [USER_SCHEMA], "id": "42", "emails": [{"value": "b@example.com"}]},
        ),
        (
            [f"{ENTERPRISE}:employeeNumber"],
            {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "id": "42",
                ENTERPRISE: {"employeeNumber": "701984"},
            },
        ),
        (
            [f"{ENTERPRISE}:manager.value"],
            {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "id": "42",
                ENTERPRISE: {"manager": {"value": "9"}},
            },
        ),
        (
            [ENTERPRISE],
            {"schemas": [USER_SCHEMA, ENTERPRISE], "id": "42", ENTERPRISE: STORED[ENTERPRISE]},
        ),
        (["nope", "id"], {"schemas": [USER_SCHEMA], "id": "42"}),
    ],
)
def test_attributes(attributes, expected):
    assert _show(attributes=attributes) == expected


@pytest.mark.parametrize(
    ("excluded", "missing", "kept"),
    [
        (["emails"], {"emails"}, {"userName", "name"}),
        (["id"], set(), {"id"}),
        (["password"], {"password"}, {"userName"}),
        (["name.givenName"], set(), {"name"}),
        ([ENTERPRISE], {ENTERPRISE}, {"userName"}),
        (["GROUPS", "meta"], {"groups", "meta"}, {"userName"}),
    ],
)
def test_excluded_attributes(excluded, missing, kept):
    shown = _show(excluded=excluded)
    assert not (missing & set(shown))
    assert kept <= set(shown)


def test_excluded_sub_attribute():
    assert _show(excluded=["name.givenName"])["name"] == {"familyName": "Jensen"}


MEMBER = {"value": "5", "type": "User", "$ref": "https://b/scim/v2/Users/5"}
SHOWN = {"value": "5", "type": "User", "$ref": "https://b/scim/v2/Users/5"}
WITH_DISPLAY = {**MEMBER, "display": "jdoe"}  # display is returned: request in our schema
ODD_CASE = {"VALUE": "6", "Type": "User"}
UNKNOWN = {"value": "7", "notInTheSchema": "x"}


@pytest.mark.parametrize(
    ("attributes", "members", "expected"),
    [
        # the projection's decision is made per set of keys, not once per list
        ((), [MEMBER, WITH_DISPLAY], [SHOWN, SHOWN]),
        ((), [WITH_DISPLAY, MEMBER], [SHOWN, SHOWN]),
        (("members.value", "members.display"), [MEMBER, WITH_DISPLAY],
         [{"value": "5"}, {"value": "5", "display": "jdoe"}]),
        ((), [MEMBER, ODD_CASE], [SHOWN, {"value": "6", "type": "User"}]),
        ((), [MEMBER, UNKNOWN, MEMBER], [SHOWN, {"value": "7"}, SHOWN]),
    ],
)
def test_members_of_one_list_are_projected_each_by_its_own_keys(attributes, members, expected):
    shown = project({"id": "1", "displayName": "g", "members": members}, GROUP,
                    selection_for(GROUP, attributes, ()))
    assert shown["members"] == expected
    assert all(out is not item for out, item in zip(shown["members"], members, strict=True))


def test_null_and_empty_values_are_left_out():
    shown = project(
        {"id": "1", "userName": "a", "emails": [], "title": None}, USER, AttributeSelection()
    )
    assert shown == {"schemas": [USER_SCHEMA], "id": "1", "userName": "a"}


def test_selection_for_adds_always_returned_attributes_and_expands_extensions():
    selection = selection_for(USER, ["userName", ENTERPRISE], ["Groups"])
    assert selection.attributes[:2] == ("id", "userName")
    assert f"{ENTERPRISE}:manager" in selection.attributes
    assert selection.excluded == ("groups",)
    assert selection.wants(f"{ENTERPRISE}:manager")


def test_canonical_names_fold_case_and_drop_unknown():
    assert canonical_names(GROUP, ["DISPLAYNAME", "Members.Value", "bogus"]) == (
        "displayName",
        "members.value",
    )


def test_group_excluded_members_never_asked_from_storage(scim, storage):
    user = scim.create_user("u")
    group = scim.create_group("g", members=[{"value": user["id"]}])
    storage.calls.clear()
    got = scim.get(f"/Groups/{group['id']}?excludedAttributes=members").get_json()
    listed = scim.get('/Groups?excludedAttributes=members&filter=displayName eq "g"').get_json()
    assert "members" not in got and "members" not in listed["Resources"][0]
    assert [c.ctx.attributes.wants("members") for c in storage.calls] == [False, False]


def test_attributes_on_write_responses(scim):
    response = scim.post(
        "/Users?attributes=userName",
        {"schemas": [USER_SCHEMA], "userName": "u", "displayName": "U"},
    )
    assert response.status_code == 201
    assert response.get_json() == {
        "schemas": [USER_SCHEMA],
        "id": response.get_json()["id"],
        "userName": "u",
    }
    assert response.headers["Location"].endswith(response.get_json()["id"])


def test_meta_location_and_resource_type_on_lists(scim):
    scim.create_user("u")
    resource = scim.get("/Users").get_json()["Resources"][0]
    assert resource["meta"]["resourceType"] == "User"
    assert resource["meta"]["location"] == f"http://localhost/scim/v2/Users/{resource['id']}"


def test_references_are_absolute(scim):
    boss = scim.create_user("boss")
    user = scim.create_user("u", **{ENTERPRISE: {"manager": {"value": boss["id"]}}})
    group = scim.create_group("g", members=[{"value": user["id"]}])
    shown = scim.get(f"/Users/{user['id']}").get_json()
    assert shown[ENTERPRISE]["manager"]["$ref"] == f"http://localhost/scim/v2/Users/{boss['id']}"
    assert shown["groups"][0]["$ref"] == f"http://localhost/scim/v2/Groups/{group['id']}"
