"""SCIM User ↔ GLPI mapping: reads from search rows, writes to User inputs, GLPI's limits."""

from __future__ import annotations

import pytest

from app.glpi.client.encoding import decode_text
from app.glpi.users.mapping import ReadContext
from app.glpi.users.mapping import UserMapping
from app.glpi.users.mapping import glpi_to_scim_user
from app.glpi.users.mapping import user_language
from app.glpi.users.scim_to_glpi import scim_to_glpi_user
from app.glpi.users.validation import glpi_language
from app.glpi.users.write_calls import language_changes
from app.glpi.users.write_calls import stored_language
from app.scim.constants import ENTERPRISE_USER_SCHEMA
from app.scim.errors import InvalidValueError

MAPPING = UserMapping.build()
EU = ENTERPRISE_USER_SCHEMA

ROW = {
    "2": 9,
    "1": "jdoe",
    "9": "Jane",
    "34": "O'Doe &#38; &#60;Co&#62;",
    "5": ["j@x.org", "k@x.org"],
    "8": 1,
    "6": "+1 555",
    "11": "+1 666",
    "10": None,
    "22": "E42",
    "28": "ext-1",
    "17": "fr_FR",
    "81": "Engineer",
    "19": "2026-01-02 03:04:05",
    "121": "2026-01-01 00:00:00",
    "13": None,
    "20": ["Self-Service"],
    "80": ["Root entity"],
    "nickname": "Jane & co",
}


def test_read_full_row_glpi10():
    user = glpi_to_scim_user(ROW, MAPPING, ReadContext(decode=lambda v: decode_text(v, "10")))
    assert user["id"] == "9"
    assert user["userName"] == "jdoe"
    assert user["name"] == {"givenName": "Jane", "familyName": "O'Doe & <Co>"}
    assert user["displayName"] == "Jane & co"
    assert user["emails"] == [
        {"value": "j@x.org", "type": "work", "primary": True},
        {"value": "k@x.org", "type": "work"},
    ]
    assert user["phoneNumbers"] == [
        {"value": "+1 555", "type": "work"},
        {"value": "+1 666", "type": "mobile"},
    ]
    assert user["active"] is True
    assert user["externalId"] == "ext-1"
    assert user["title"] == "Engineer"
    assert user["preferredLanguage"] == "fr-FR"
    assert "locale" not in user
    assert user[EU] == {"employeeNumber": "E42"}
    assert EU in user["schemas"]
    assert user["meta"]["created"] == "2026-01-01T00:00:00Z"
    assert user["meta"]["lastModified"] == "2026-01-02T03:04:05Z"
    assert user["meta"]["version"].startswith('W/"')
    assert "password" not in user


def test_read_minimal_row_and_single_email():
    user = glpi_to_scim_user({"2": 5, "1": "solo", "5": "s@x.org", "8": 0}, MAPPING)
    assert "displayName" not in user  # no nickname: nothing was written
    assert user["active"] is False
    assert user["emails"] == [{"value": "s@x.org", "type": "work", "primary": True}]
    assert "name" not in user and "phoneNumbers" not in user and EU not in user


def test_version_follows_the_mapped_content_only():
    version = glpi_to_scim_user(ROW, MAPPING)["meta"]["version"]
    assert version.startswith('W/"')
    assert (
        glpi_to_scim_user({**ROW, "19": "2030-01-01 00:00:00"}, MAPPING)["meta"]["version"]
        == version
    )
    assert glpi_to_scim_user({**ROW, "13": ["G1"]}, MAPPING)["meta"]["version"] == version
    assert glpi_to_scim_user({**ROW, "9": "Janet"}, MAPPING)["meta"]["version"] != version
    assert (
        glpi_to_scim_user({**ROW, "5": ["k@x.org", "j@x.org"]}, MAPPING)["meta"]["version"]
        != version
    )
    assert glpi_to_scim_user({**ROW, "10": ""}, MAPPING)["meta"]["version"] == version


def test_write_full_user():
    write = scim_to_glpi_user(
        {
            "userName": "jdoe@example.com",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "displayName": "JD",
            "externalId": "abc",
            "active": False,
            "title": "Boss",
            "preferredLanguage": "de-DE",
            "password": "S3cret!pw",
            "emails": [{"value": "b@x.org"}, {"value": "a@x.org", "primary": True}],
            "phoneNumbers": [
                {"value": "1", "type": "work"},
                {"value": "2", "type": "mobile"},
                {"value": "3", "type": "fax"},
            ],
            EU: {"employeeNumber": "42", "manager": {"value": "7"}, "department": "IT"},
        },
        MAPPING,
    )
    assert write.fields == {
        "name": "jdoe@example.com",
        "firstname": "Jane",
        "realname": "Doe",
        "sync_field": "abc",
        "is_active": 0,
        "nickname": "JD",
        "language": "de_DE",
        "phone": "1",
        "mobile": "2",
        "phone2": "3",
        "registration_number": "42",
    }
    assert write.emails == [("b@x.org", False), ("a@x.org", True)]
    assert write.password == "S3cret!pw"
    assert write.dropdowns == {"usertitles_id": "Boss"}
    assert write.manager_set and write.manager_id == 7


def test_write_clears_absent_attributes_and_makes_first_email_primary():
    write = scim_to_glpi_user({"userName": "x", "emails": [{"value": "a@x.org"}]}, MAPPING)
    assert write.fields["firstname"] == "" and write.fields["phone"] == ""
    assert write.emails == [("a@x.org", True)]
    assert write.dropdowns == {"usertitles_id": None}
    assert write.manager_id is None


def test_entra_bare_string_manager():
    write = scim_to_glpi_user({"userName": "x", EU: {"manager": "12"}}, MAPPING)
    assert write.manager_id == 12


@pytest.mark.parametrize(
    "login",
    [
        "DOMAIN\\jdoe",
        "a/b",
        "a#b",
        "a%b",
        "a&b",
        "a<b>",
        'a"b',
        "a,b",
        "a:b",
        "",
        "   ",
        " lead",
        "trail ",
    ],
)
def test_logins_glpi_refuses_are_invalid_values(login):
    with pytest.raises(InvalidValueError) as err:
        scim_to_glpi_user({"userName": login}, MAPPING)
    assert "userName" in err.value.detail


@pytest.mark.parametrize(
    "login",
    [
        "alice@example.com",
        "alice+tag@example.com",
        "o'brien",
        "first last",
        "jean-luc_picard.2",
        "ÉLODIE.ŁUKASZ",
        "user@localhost",
    ],
)
def test_logins_glpi_accepts(login):
    assert scim_to_glpi_user({"userName": login}, MAPPING).fields["name"] == login


def test_invalid_login_detail_says_what_glpi_accepts():
    with pytest.raises(InvalidValueError) as err:
        scim_to_glpi_user({"userName": "DOMAIN\\jdoe"}, MAPPING)
    assert "letters, digits" in err.value.detail


@pytest.mark.parametrize(
    "resource",
    [
        {"userName": "x" * 256},
        {"userName": "x", "name": {"familyName": "y" * 256}},
        {"userName": "x", "displayName": "y" * 300},
        {"userName": "x", EU: {"employeeNumber": "9" * 256}},
        {"userName": "x", "emails": [{"value": "not-an-address"}]},
        {"userName": "x", EU: {"manager": {"value": "bob"}}},
    ],
)
def test_values_glpi_would_cut_or_drop_are_refused(resource):
    with pytest.raises(InvalidValueError):
        scim_to_glpi_user(resource, MAPPING)


def test_255_characters_fit():
    assert len(scim_to_glpi_user({"userName": "x" * 255}, MAPPING).fields["name"]) == 255


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("fr-FR", "fr_FR"),
        ("fr", "fr_FR"),
        ("en-US", "en_US"),
        ("pt-br", "pt_BR"),
        ("xx-YY", None),
        ("", None),
    ],
)
def test_language_tags(tag, code):
    assert glpi_language(tag) == code


def test_unknown_language_leaves_glpi_untouched():
    write = scim_to_glpi_user({"userName": "x", "preferredLanguage": "klingon"}, MAPPING)
    assert "language" not in write.fields


def test_overrides():
    mapping = UserMapping.build(
        {"department": "UserCategory", "externalId": "registration_number", "employeeNumber": None}
    )
    write = scim_to_glpi_user(
        {"userName": "x", "externalId": "e", EU: {"department": "Sales", "employeeNumber": "9"}},
        mapping,
    )
    assert write.fields["registration_number"] == "e"
    assert write.dropdowns["usercategories_id"] == "Sales"
    assert 82 in mapping.forcedisplay
    user = glpi_to_scim_user({"2": 1, "1": "x", "22": "e", "82": "Sales"}, mapping)
    assert user["externalId"] == "e"
    assert user[EU] == {"department": "Sales"}


@pytest.mark.parametrize(
    "overrides",
    [
        {"userName": "realname"},
        {"nosuch": "x"},
        {"externalId": "password"},
        {"department": "Group"},
        {"externalId": "realname"},
    ],
)
def test_bad_overrides_are_config_errors(overrides):
    with pytest.raises(ValueError):
        UserMapping.build(overrides)


def test_attribute_support_lists_what_glpi_stores():
    support = MAPPING.attribute_support()
    assert support["userName"] == "readWrite"
    assert support["displayName"] == "readWrite"
    assert UserMapping.build({"displayName": None}).attribute_support()["displayName"] == "readOnly"
    assert support["password"] == "writeOnly"
    assert support["locale"] == "writeOnly"
    assert support[f"{EU}:employeeNumber"] == "readWrite"
    assert support[f"{EU}:manager.displayName"] == "readOnly"
    for unstored in ("nickName", "addresses", "timezone", f"{EU}:costCenter", f"{EU}:department"):
        assert unstored not in support
    with_department = UserMapping.build({"department": "UserCategory"}).attribute_support()
    assert with_department[f"{EU}:department"] == "readWrite"


@pytest.mark.parametrize(
    ("stored", "default", "expected"),
    [
        (None, "en_GB", "en_GB"),  # GLPI stores its default language as NULL
        (None, None, None),  # configuration without a language: nothing to say
        ("", "en_GB", None),  # the bridge's "no language" (a removal)
        ("fr_FR", "en_GB", "fr_FR"),
        (["de_DE"], "en_GB", "de_DE"),
    ],
)
def test_user_language_reads_null_as_glpis_default(stored, default, expected):
    assert user_language(stored, default) == expected


@pytest.mark.parametrize(
    ("stored", "wanted", "changes", "after"),
    [
        (None, "en_GB", False, "en_GB"),  # GLPI would store NULL again
        (None, "fr_FR", True, "fr_FR"),
        (None, "", False, None),  # "" does not replace NULL in GLPI (PHP's !=)
        ("fr_FR", "", True, ""),
        ("", "", False, ""),
        ("", "en_GB", True, "en_GB"),
        ("en_GB", "en_GB", False, "en_GB"),
    ],
)
def test_language_changes_as_glpi_would_store_them(stored, wanted, changes, after):
    assert language_changes(stored, wanted, "en_GB") is changes
    assert stored_language(stored, wanted) == after
