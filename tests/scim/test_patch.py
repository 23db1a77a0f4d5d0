"""Table-driven tests of the PATCH engine (RFC 7644 §3.5.2, Entra and Okta dialects).

Operation bodies of the Entra rows are copied from Microsoft's request shapes
(SCIMReferenceCode Postman collection, Microsoft Learn examples); the Okta rows
from Okta's SCIM 2.0 reference. Each row states the whole expected resource
(or delta) and the expected ``changed`` set.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.scim.errors import SCIMError
from app.scim.patch.engine import MultiValuedDelta
from app.scim.patch.engine import NeedsFullAttribute
from app.scim.patch.engine import apply_patch
from app.scim.schema import RESOURCES

USER = RESOURCES["User"]
GROUP = RESOURCES["Group"]
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MEMBERS = frozenset({"members"})

BABS = "2819c223-7f76-453a-919d-413861904646"
JAMES = "08e1d05d-121c-4561-8b96-473d93df9210"
MANDY = "9131a2b3-0000-4000-8000-000000000001"


def user() -> dict:
    return {
        "schemas": [CORE],
        "id": "7",
        "userName": "bjensen",
        "active": True,
        "displayName": "Babs Jensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Barbara Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood"},
        ],
        "meta": {"created": "2026-01-01T00:00:00Z", "lastModified": "2026-01-01T00:00:00Z", "version": 'W/"1"'},
    }


def group() -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "12",
        "displayName": "Tour Guides",
        "members": [{"value": BABS, "display": "Babs Jensen"}, {"value": MANDY, "display": "Mandy Pepperidge"}],
    }


def group_without_members() -> dict:
    resource = group()
    del resource["members"]
    return resource


def changed_user(**changes) -> dict:
    resource = user()
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


# name, operations, expected resource, expected changed (User, full mode)
USER_CASES = [
    # RFC 7644 §3.5.2.1: path-less add of an e-mail and a nickName.
    ("rfc-add-pathless",
     [{"op": "add", "value": {"emails": [{"value": "babs@jensen.org", "type": "home"},
                                         {"value": "b2@jensen.org", "type": "other"}],
                              "nickName": "Babs"}}],
     changed_user(nickName="Babs", emails=user()["emails"] + [{"value": "b2@jensen.org", "type": "other"}]),
     {"emails", "nickName"}),
    # RFC 7644 §3.5.2.2: remove a filtered e-mail.
    ("rfc-remove-filtered-value",
     [{"op": "remove", "path": 'emails[type eq "work" and value ew "example.com"]'}],
     changed_user(emails=[{"value": "babs@jensen.org", "type": "home"}]),
     {"emails"}),
    # RFC 7644 §3.5.2.3: replace the whole work address.
    ("rfc-replace-filtered-element",
     [{"op": "replace", "path": 'addresses[type eq "work"]',
       "value": {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood",
                 "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza",
                 "primary": True}}],
     changed_user(addresses=[
         {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA",
          "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza", "primary": True},
         user()["addresses"][1]]),
     {"addresses"}),
    # RFC 7644 §3.5.2.3: replace one sub-attribute of the filtered address.
    ("rfc-replace-filtered-sub-attribute",
     [{"op": "replace", "path": 'addresses[type eq "work"].streetAddress', "value": "1010 Broadway Ave"}],
     changed_user(addresses=[{"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood"},
                             user()["addresses"][1]]),
     {"addresses"}),
    # RFC 7644 §3.5.2.3: path-less replace of emails and nickName.
    ("rfc-replace-pathless",
     [{"op": "replace", "value": {"emails": [{"value": "bjensen@example.com", "type": "work", "primary": True},
                                             {"value": "babs@jensen.org", "type": "home"}],
                                  "nickName": "Babs"}}],
     changed_user(nickName="Babs"),
     {"nickName"}),
    ("sub-attribute-replace",
     [{"op": "replace", "path": "name.givenName", "value": "Babs"}],
     changed_user(name={"givenName": "Babs", "familyName": "Jensen", "formatted": "Barbara Jensen"}),
     {"name"}),
    ("sub-attribute-remove",
     [{"op": "remove", "path": "name.formatted"}],
     changed_user(name={"givenName": "Barbara", "familyName": "Jensen"}),
     {"name"}),
    ("complex-replace-merges-sub-attributes",
     [{"op": "replace", "path": "name", "value": {"familyName": "Smith"}}],
     changed_user(name={"givenName": "Barbara", "familyName": "Smith", "formatted": "Barbara Jensen"}),
     {"name"}),
    ("urn-path",
     [{"op": "add", "path": f"{ENT}:employeeNumber", "value": "701984"}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"employeeNumber": "701984"}}),
     {f"{ENT}:employeeNumber"}),
    ("core-urn-path",
     [{"op": "replace", "path": f"{CORE}:displayName", "value": "B. Jensen"}],
     changed_user(displayName="B. Jensen"),
     {"displayName"}),
    ("whole-extension-path",
     [{"op": "add", "path": ENT, "value": {"department": "Tour", "manager": {"value": "26"}}}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"department": "Tour", "manager": {"value": "26"}}}),
     {f"{ENT}:department", f"{ENT}:manager"}),
    ("add-appends-without-duplicate",
     [{"op": "add", "path": "emails", "value": [{"value": "BABS@jensen.org", "type": "home"},
                                                {"value": "new@x.org", "type": "other"}]}],
     changed_user(emails=user()["emails"] + [{"value": "new@x.org", "type": "other"}]),
     {"emails"}),
    ("add-primary-clears-others",
     [{"op": "add", "path": "emails", "value": [{"value": "new@x.org", "type": "other", "primary": True}]}],
     changed_user(emails=[{"value": "bjensen@example.com", "type": "work", "primary": False},
                          {"value": "babs@jensen.org", "type": "home"},
                          {"value": "new@x.org", "type": "other", "primary": True}]),
     {"emails"}),
    ("replace-filtered-primary-clears-others",
     [{"op": "replace", "path": 'emails[type eq "home"].primary', "value": True}],
     changed_user(emails=[{"value": "bjensen@example.com", "type": "work", "primary": False},
                          {"value": "babs@jensen.org", "type": "home", "primary": True}]),
     {"emails"}),
    ("add-filtered-creates-element",
     [{"op": "add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+33 6 00"}],
     changed_user(phoneNumbers=[{"type": "mobile", "value": "+33 6 00"}]),
     {"phoneNumbers"}),
    ("remove-whole-multi-valued",
     [{"op": "remove", "path": "addresses"}],
     changed_user(addresses=None),
     {"addresses"}),
    ("remove-single-valued",
     [{"op": "remove", "path": "displayName"}],
     changed_user(displayName=None),
     {"displayName"}),
    ("replace-null-unassigns",
     [{"op": "replace", "path": "displayName", "value": None}],
     changed_user(displayName=None),
     {"displayName"}),
    ("password-is-written",
     [{"op": "replace", "path": "password", "value": "s3cret!"}],
     changed_user(password="s3cret!"),
     {"password"}),
    ("pathless-extension-object",
     [{"op": "replace", "value": {ENT: {"department": "Tour", "manager": "26"}}}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"department": "Tour", "manager": {"value": "26"}}}),
     {f"{ENT}:department", f"{ENT}:manager"}),
    ("names-case-insensitive",
     [{"Op": "REPLACE", "Path": 'EMAILS[Type EQ "WORK"].VALUE', "Value": "w@x.org"},
      {"OP": "add", "PATH": "NAME.GIVENNAME", "VALUE": "B"}],
     changed_user(emails=[{"value": "w@x.org", "type": "work", "primary": True},
                          {"value": "babs@jensen.org", "type": "home"}],
                  name={"givenName": "B", "familyName": "Jensen", "formatted": "Barbara Jensen"}),
     {"emails", "name"}),
    ("sub-attribute-of-every-value",
     [{"op": "remove", "path": "addresses.locality"}],
     changed_user(addresses=[{"type": "work", "streetAddress": "100 Universal City Plaza"},
                             {"type": "home", "streetAddress": "456 Hollywood Blvd"}]),
     {"addresses"}),
    ("pathless-filtered-key",
     [{"op": "replace", "value": {'emails[type eq "home"].value': "h@x.org"}}],
     changed_user(emails=[{"value": "bjensen@example.com", "type": "work", "primary": True},
                          {"value": "h@x.org", "type": "home"}]),
     {"emails"}),
    ("remove-extension-attribute-drops-extension",
     [{"op": "add", "path": f"{ENT}:department", "value": "Tour"},
      {"op": "remove", "path": f"{ENT}:department"}],
     user(), set()),
    ("sequential-order",
     [{"op": "replace", "path": "displayName", "value": "X"},
      {"op": "replace", "path": "displayName", "value": "Y"}],
     changed_user(displayName="Y"),
     {"displayName"}),
]

# Entra ID request shapes (SCIMReferenceCode collection and Microsoft Learn), User side.
ENTRA_USER_CASES = [
    ("entra-replace-username",
     [{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}],
     changed_user(userName="5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"),
     {"userName"}),
    ("entra-disable-string-false",
     [{"op": "Replace", "path": "active", "value": "False"}],
     changed_user(active=False), {"active"}),
    ("entra-disable-boolean",
     [{"op": "Replace", "path": "active", "value": False}],
     changed_user(active=False), {"active"}),
    ("entra-disable-flag",
     [{"op": "replace", "path": "active", "value": False}],
     changed_user(active=False), {"active"}),
    ("entra-string-true-lowercase",
     [{"op": "replace", "path": "active", "value": "true"}],
     user(), set()),
    ("entra-add-nickname",
     [{"op": "Add", "path": "nickName", "value": "Babs"}],
     changed_user(nickName="Babs"), {"nickName"}),
    ("entra-multi-valued-and-single",
     [{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
      {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}],
     changed_user(emails=[{"value": "updatedEmail@microsoft.com", "type": "work", "primary": True},
                          {"value": "babs@jensen.org", "type": "home"}],
                  name={"givenName": "Barbara", "familyName": "updatedFamilyName",
                        "formatted": "Barbara Jensen"}),
     {"emails", "name"}),
    ("entra-replace-multiple-without-flag",
     [{"op": "Replace", "path": "displayName", "value": "Pvlo"},
      {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "TestBcwqnm@test.microsoft.com"},
      {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
      {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
      {"op": "Replace", "path": "externalId", "value": "Eqpj"},
      {"op": "Replace", "path": f"{ENT}:employeeNumber", "value": "Eqpj"}],
     changed_user(schemas=[CORE, ENT], displayName="Pvlo", externalId="Eqpj",
                  emails=[{"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": True},
                          {"value": "babs@jensen.org", "type": "home"}],
                  name={"givenName": "Gtfd", "familyName": "Pkqf", "formatted": "Barbara Jensen"},
                  **{ENT: {"employeeNumber": "Eqpj"}}),
     {"displayName", "externalId", "emails", "name", f"{ENT}:employeeNumber"}),
    ("entra-replace-multiple-with-flag",
     [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "TestMhvaes@test.microsoft.com"},
      {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua",
                                  f"{ENT}:employeeNumber": "Aklq"}}],
     changed_user(schemas=[CORE, ENT], displayName="Bjfe",
                  emails=[{"value": "TestMhvaes@test.microsoft.com", "type": "work", "primary": True},
                          {"value": "babs@jensen.org", "type": "home"}],
                  name={"givenName": "Kkom", "familyName": "Unua", "formatted": "Barbara Jensen"},
                  **{ENT: {"employeeNumber": "Aklq"}}),
     {"displayName", "emails", "name", f"{ENT}:employeeNumber"}),
    ("entra-manager-array-bare-path",
     [{"op": "Add", "path": "manager", "value": [
         {"$ref": "http://.../scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
          "value": "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"}]}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"manager": {
         "$ref": "http://.../scim/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
         "value": "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"}}}),
     {f"{ENT}:manager"}),
    ("entra-manager-bare-string",
     [{"op": "add", "path": f"{ENT}:manager", "value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"manager": {"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}}}),
     {f"{ENT}:manager"}),
    ("entra-manager-dot-separator",
     [{"op": "replace", "path": f"{ENT}.manager", "value": "26"}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"manager": {"value": "26"}}}),
     {f"{ENT}:manager"}),
    ("entra-manager-object",
     [{"op": "replace", "path": f"{ENT}:manager", "value": {"value": "26", "displayName": "ignored"}}],
     changed_user(schemas=[CORE, ENT], **{ENT: {"manager": {"value": "26"}}}),
     {f"{ENT}:manager"}),
    ("entra-role-json-string",
     [{"op": "Add", "path": "roles", "value": [
         {"value": "{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]}],
     changed_user(roles=[
         {"value": "{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]),
     {"roles"}),
]

# Okta: path-less deactivation and a nested whole-object replace.
OKTA_USER_CASES = [
    ("okta-deactivate-pathless",
     [{"op": "replace", "value": {"active": False}}],
     changed_user(active=False), {"active"}),
    ("okta-pathless-nested-object",
     [{"op": "replace", "value": {"id": "7", "name": {"givenName": "Barbara", "familyName": "Smith"},
                                  "schemas": [CORE], "meta": {"version": "x"}}}],
     changed_user(name={"givenName": "Barbara", "familyName": "Smith", "formatted": "Barbara Jensen"}),
     {"name"}),
]


@pytest.mark.parametrize(("operations", "expected", "changed"),
                         [pytest.param(o, e, c, id=n) for n, o, e, c in
                          USER_CASES + ENTRA_USER_CASES + OKTA_USER_CASES])
def test_user_patch(operations, expected, changed):
    original = user()
    result = apply_patch(original, copy.deepcopy(operations), USER)
    assert result.resource == expected
    assert result.changed == changed
    assert result.deltas == {}
    assert original == user()


def test_manager_value_sub_attribute():
    start = changed_user(schemas=[CORE, ENT], **{ENT: {"manager": {"value": "26", "$ref": "../Users/26"}}})
    result = apply_patch(start, [{"op": "replace", "path": "manager.value", "value": "27"}], USER)
    assert result.resource[ENT] == {"manager": {"value": "27"}}
    result = apply_patch(start, [{"op": "replace", "path": "manager.value", "value": ""}], USER)
    assert result.resource == user()
    assert result.changed == {f"{ENT}:manager"}


def test_manager_removed_by_empty_replace():
    # Entra's validator (test 25) removes the manager with a Replace to empty.
    start = changed_user(schemas=[CORE, ENT], **{ENT: {"manager": {"value": "26"}}})
    for value in ("", {"value": ""}, [], None):
        result = apply_patch(start, [{"op": "Replace", "path": "manager", "value": value}], USER)
        assert result.resource == user()
        assert result.changed == {f"{ENT}:manager"}


# name, operations, expected members (Group, full mode), expected changed
GROUP_FULL_CASES = [
    ("rfc-add-member",
     [{"op": "add", "path": "members",
       "value": [{"display": "James Smith", "$ref": f"https://example.com/v2/Users/{JAMES}", "value": JAMES}]}],
     [{"value": BABS, "display": "Babs Jensen"}, {"value": MANDY, "display": "Mandy Pepperidge"},
      {"$ref": f"https://example.com/v2/Users/{JAMES}", "value": JAMES}], {"members"}),
    ("rfc-remove-single-member",
     [{"op": "remove", "path": f'members[value eq "{BABS}"]'}],
     [{"value": MANDY, "display": "Mandy Pepperidge"}], {"members"}),
    ("rfc-remove-all-members",
     [{"op": "remove", "path": "members"}], None, {"members"}),
    ("rfc-remove-multiple-members",
     [{"op": "remove", "path": f'members[value eq "{BABS}"]'},
      {"op": "remove", "path": f'members[value eq "{MANDY}"]'}], None, {"members"}),
    ("rfc-replace-all-members-by-remove-add",
     [{"op": "remove", "path": "members"},
      {"op": "add", "path": "members", "value": [{"display": "James Smith", "value": JAMES}]}],
     [{"value": JAMES}], {"members"}),
    ("rfc-replace-all-members",
     [{"op": "replace", "path": "members", "value": [{"value": JAMES}, {"value": BABS}]}],
     [{"value": JAMES}, {"value": BABS, "display": "Babs Jensen"}], {"members"}),
    ("entra-remove-with-value-array",
     [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": BABS}]}],
     [{"value": MANDY, "display": "Mandy Pepperidge"}], {"members"}),
    ("entra-add-bare-string",
     [{"op": "add", "path": "members", "value": "string id 1"}],
     [{"value": BABS, "display": "Babs Jensen"}, {"value": MANDY, "display": "Mandy Pepperidge"},
      {"value": "string id 1"}], {"members"}),
    ("add-existing-member-is-noop",
     [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": BABS}]}],
     [{"value": BABS, "display": "Babs Jensen"}, {"value": MANDY, "display": "Mandy Pepperidge"}], set()),
    ("remove-absent-member-is-noop",
     [{"op": "remove", "path": 'members[value eq "nobody"]'}],
     [{"value": BABS, "display": "Babs Jensen"}, {"value": MANDY, "display": "Mandy Pepperidge"}], set()),
    ("replace-with-same-members-is-noop",
     [{"op": "replace", "path": "members", "value": [{"value": MANDY}, {"value": BABS, "display": "x"}]}],
     [{"value": MANDY, "display": "Mandy Pepperidge"}, {"value": BABS, "display": "Babs Jensen"}], {"members"}),
    ("replace-with-same-members-same-order-is-noop",
     [{"op": "replace", "path": "members", "value": [{"value": BABS}, {"value": MANDY}]}],
     [{"value": BABS, "display": "Babs Jensen"}, {"value": MANDY, "display": "Mandy Pepperidge"}], set()),
    ("remove-by-display-filter",
     [{"op": "remove", "path": 'members[display co "mandy"]'}],
     [{"value": BABS, "display": "Babs Jensen"}], {"members"}),
]


@pytest.mark.parametrize(("operations", "members", "changed"),
                         [pytest.param(o, m, c, id=n) for n, o, m, c in GROUP_FULL_CASES])
def test_group_patch_full(operations, members, changed):
    result = apply_patch(group(), operations, GROUP)
    expected = group()
    if members is None:
        del expected["members"]
    else:
        expected["members"] = members
    assert result.resource == expected
    assert result.changed == changed


# name, operations, expected delta (added, removed, replaced), expected resource changes
GROUP_DELTA_CASES = [
    ("entra-add-members",
     [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"},
                                                 {"$ref": None, "value": "a1"}]}],
     MultiValuedDelta(added=[{"value": "f648f8d5ea4e4cd38e9c"}, {"value": "a1"}])),
    ("postman-add-with-extra-name",
     [{"name": "addMember", "op": "add", "path": "members", "value": [{"displayName": "new User", "value": "44"}]}],
     MultiValuedDelta(added=[{"value": "44"}])),
    ("entra-add-bare-string",
     [{"op": "add", "path": "members", "value": "string id 1"},
      {"op": "add", "path": "members", "value": "string id 2"}],
     MultiValuedDelta(added=[{"value": "string id 1"}, {"value": "string id 2"}])),
    ("entra-remove-with-value",
     [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "f648f8d5ea4e4cd38e9c"}]}],
     MultiValuedDelta(removed=["f648f8d5ea4e4cd38e9c"])),
    ("remove-bare-string",
     [{"op": "remove", "path": "members", "value": "x1"}],
     MultiValuedDelta(removed=["x1"])),
    ("entra-remove-filter",
     [{"op": "remove", "path": 'members[value eq "7f4bc1a3-285e-48ae-8202-5accb43efb0e"]'}],
     MultiValuedDelta(removed=["7f4bc1a3-285e-48ae-8202-5accb43efb0e"])),
    ("remove-or-filter",
     [{"op": "remove", "path": 'members[value eq "a" or value eq "b"]'}],
     MultiValuedDelta(removed=["a", "b"])),
    ("rfc-remove-all",
     [{"op": "remove", "path": "members"}],
     MultiValuedDelta(replaced=[])),
    ("okta-replace-full-push",
     [{"op": "replace", "path": "members", "value": [{"value": "a", "display": "A"}, {"value": "b"}]}],
     MultiValuedDelta(replaced=[{"value": "a"}, {"value": "b"}])),
    ("okta-remove-then-add",
     [{"op": "remove", "path": 'members[value eq "old"]'},
      {"op": "add", "path": "members", "value": [{"value": "new", "display": "New"}]}],
     MultiValuedDelta(added=[{"value": "new"}], removed=["old"])),
    ("add-deduplicated-within-request",
     [{"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "a"}]},
      {"op": "add", "path": "members", "value": [{"value": "a"}]}],
     MultiValuedDelta(added=[{"value": "a"}])),
    ("add-then-remove-keeps-only-the-removal",
     [{"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
      {"op": "remove", "path": 'members[value eq "a"]'}],
     MultiValuedDelta(added=[{"value": "b"}], removed=["a"])),
    ("remove-then-add-keeps-only-the-add",
     [{"op": "remove", "path": "members", "value": [{"value": "a"}]},
      {"op": "add", "path": "members", "value": [{"value": "a"}]}],
     MultiValuedDelta(added=[{"value": "a"}])),
    ("remove-all-then-add",
     [{"op": "remove", "path": "members"},
      {"op": "add", "path": "members", "value": [{"value": "a"}]}],
     MultiValuedDelta(replaced=[{"value": "a"}])),
    ("replace-then-remove-edits-the-list",
     [{"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
      {"op": "remove", "path": 'members[value eq "a"]'},
      {"op": "add", "path": "members", "value": [{"value": "b"}, {"value": "c"}]}],
     MultiValuedDelta(replaced=[{"value": "b"}, {"value": "c"}])),
    ("adds-before-replace-are-dropped",
     [{"op": "add", "path": "members", "value": [{"value": "a"}]},
      {"op": "replace", "path": "members", "value": [{"value": "b"}]}],
     MultiValuedDelta(replaced=[{"value": "b"}])),
    ("core-urn-filter-path",
     [{"op": "remove", "path": 'urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq "a"]'}],
     MultiValuedDelta(removed=["a"])),
    ("pathless-replace-members",
     [{"op": "replace", "value": {"members": [{"value": "b"}]}}],
     MultiValuedDelta(replaced=[{"value": "b"}])),
]


@pytest.mark.parametrize(("operations", "delta"),
                         [pytest.param(o, d, id=n) for n, o, d in GROUP_DELTA_CASES])
def test_group_patch_delta(operations, delta):
    result = apply_patch(group_without_members(), operations, GROUP, MEMBERS)
    assert result.deltas == {"members": delta}
    assert result.resource == group_without_members()
    assert result.changed == set()
    assert not result.is_noop


def test_delta_with_rename_and_members():
    operations = [{"op": "Replace", "path": "displayName", "value": "Guides"},
                  {"op": "Add", "path": "members", "value": [{"value": "a"}]}]
    result = apply_patch(group_without_members(), operations, GROUP, MEMBERS)
    assert result.resource["displayName"] == "Guides"
    assert result.changed == {"displayName"}
    assert result.deltas == {"members": MultiValuedDelta(added=[{"value": "a"}])}


@pytest.mark.parametrize("path", ['members[display co "a"]', 'members[value eq "a" and type eq "User"]',
                                  'members[value ne "a"]'])
def test_unreducible_filter_needs_full_attribute(path):
    with pytest.raises(NeedsFullAttribute) as caught:
        apply_patch(group_without_members(), [{"op": "remove", "path": path}], GROUP, MEMBERS)
    assert caught.value.attribute == "members"


def test_okta_rename_with_read_only_id():
    operations = [{"op": "replace", "value": {"id": "something-else", "displayName": "Tour Guides 2"}}]
    result = apply_patch(group_without_members(), operations, GROUP, MEMBERS)
    assert result.resource == {**group_without_members(), "displayName": "Tour Guides 2"}
    assert result.changed == {"displayName"}
    assert result.deltas == {}


def test_entra_rename_group():
    operations = [{"op": "Replace", "path": "displayName",
                   "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]
    result = apply_patch(group_without_members(), operations, GROUP, MEMBERS)
    assert result.resource["displayName"] == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    assert result.changed == {"displayName"}


NOOP_CASES = [
    [{"op": "replace", "path": "active", "value": True}],
    [{"op": "Replace", "path": "active", "value": "TRUE"}],
    [{"op": "replace", "path": "name.givenName", "value": "Barbara"}],
    [{"op": "add", "path": "emails", "value": [{"value": "bjensen@example.com", "type": "work"}]}],
    [{"op": "replace", "value": {"userName": "bjensen", "id": "other"}}],
    [{"op": "add", "path": "nickName", "value": "x"}, {"op": "remove", "path": "nickName"}],
    [{"op": "remove", "path": "nickName"}],
    [{"op": "remove", "path": 'emails[type eq "other"]'}],
    [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "bjensen@example.com"}],
]


@pytest.mark.parametrize("operations", NOOP_CASES)
def test_noop_operations_change_nothing(operations):
    result = apply_patch(user(), operations, USER)
    assert result.changed == set()
    assert result.is_noop
    assert result.resource == user()


# name, resource factory, operations, scimType
ERROR_CASES = [
    ("not-a-list", user, {"op": "add"}, "invalidSyntax"),
    ("empty-list", user, [], "invalidSyntax"),
    ("op-missing", user, [{"path": "active", "value": False}], "invalidSyntax"),
    ("op-unknown", user, [{"op": "move", "path": "active", "value": False}], "invalidSyntax"),
    ("op-not-string", user, [{"op": 1, "path": "active", "value": False}], "invalidSyntax"),
    ("op-not-object", user, ["add"], "invalidSyntax"),
    ("op-twice", user, [{"op": "add", "Op": "remove", "path": "nickName", "value": "x"}], "invalidSyntax"),
    ("add-without-value", user, [{"op": "add", "path": "nickName"}], "invalidSyntax"),
    ("remove-without-path", user, [{"op": "remove"}], "noTarget"),
    ("replace-filter-no-match", user,
     [{"op": "replace", "path": 'emails[type eq "other"].value', "value": "x@y"}], "noTarget"),
    ("unknown-attribute", user, [{"op": "replace", "path": "shoeSize", "value": "42"}], "invalidPath"),
    ("unknown-sub-attribute", user, [{"op": "replace", "path": "name.nick", "value": "x"}], "invalidPath"),
    ("unknown-urn", user, [{"op": "add", "path": "urn:example:ext:2.0:User:x", "value": "1"}], "invalidPath"),
    ("malformed-path", user, [{"op": "add", "path": "emails[type eq", "value": "x"}], "invalidPath"),
    ("filter-on-single-valued", user, [{"op": "add", "path": 'name[givenName eq "x"]', "value": "x"}],
     "invalidPath"),
    ("path-not-string", user, [{"op": "add", "path": 5, "value": "x"}], "invalidPath"),
    ("pathless-unknown-key", user, [{"op": "replace", "value": {"shoeSize": 42}}], "invalidPath"),
    ("bad-filter", user, [{"op": "remove", "path": 'emails[type zz "work"]'}], "invalidFilter"),
    ("change-id", user, [{"op": "replace", "path": "id", "value": "8"}], "mutability"),
    ("change-meta", user, [{"op": "replace", "path": "meta.version", "value": "x"}], "mutability"),
    ("change-groups", user, [{"op": "add", "path": "groups", "value": [{"value": "1"}]}], "mutability"),
    ("pathless-groups", user, [{"op": "replace", "value": {"groups": []}}], "mutability"),
    ("remove-required", user, [{"op": "remove", "path": "userName"}], "mutability"),
    ("remove-group-name", group, [{"op": "remove", "path": "displayName"}], "mutability"),
    ("member-value-immutable", group,
     [{"op": "replace", "path": f'members[value eq "{BABS}"].value', "value": "other"}], "mutability"),
    ("member-display-read-only", group,
     [{"op": "replace", "path": f'members[value eq "{BABS}"].display', "value": "x"}], "mutability"),
    ("boolean-maybe", user, [{"op": "replace", "path": "active", "value": "maybe"}], "invalidValue"),
    ("string-as-number", user, [{"op": "replace", "path": "userName", "value": 12}], "invalidValue"),
    ("complex-as-string", user, [{"op": "replace", "path": "name", "value": "Babs"}], "invalidValue"),
    ("pathless-not-object", user, [{"op": "replace", "value": [1]}], "invalidValue"),
    ("two-primaries", user,
     [{"op": "replace", "path": "emails", "value": [{"value": "a@x", "primary": True},
                                                    {"value": "b@x", "primary": True}]}], "invalidValue"),
    ("manager-two-values", user,
     [{"op": "add", "path": "manager", "value": [{"value": "1"}, {"value": "2"}]}], "invalidValue"),
    ("member-without-value", group, [{"op": "add", "path": "members", "value": [{"display": "x"}]}],
     "invalidValue"),
]


@pytest.mark.parametrize(("factory", "operations", "scim_type"),
                         [pytest.param(f, o, t, id=n) for n, f, o, t in ERROR_CASES])
def test_errors(factory, operations, scim_type):
    resource = factory()
    schema = USER if factory is user else GROUP
    with pytest.raises(SCIMError) as caught:
        apply_patch(resource, operations, schema)
    assert caught.value.status == 400
    assert caught.value.scim_type == scim_type
    assert resource == factory()


def test_error_in_later_operation_changes_nothing():
    # RFC 7644 §3.5.2: "If a single operation encounters an error condition,
    # the original target resource MUST be restored".
    resource = user()
    with pytest.raises(SCIMError):
        apply_patch(resource, [{"op": "replace", "path": "displayName", "value": "X"},
                               {"op": "replace", "path": "id", "value": "9"}], USER)
    assert resource == user()


def test_delta_member_without_value_is_invalid():
    with pytest.raises(SCIMError) as caught:
        apply_patch(group_without_members(), [{"op": "add", "path": "members", "value": [{"type": "User"}]}],
                    GROUP, MEMBERS)
    assert caught.value.scim_type == "invalidValue"


PATHS = ["active", "userName", "name", "name.givenName", "emails", 'emails[type eq "work"]',
         'emails[type eq "work"].value', "emails.primary", "manager", f"{ENT}:manager", f"{ENT}.department",
         ENT, "members", 'members[value eq "a"]', "id", "meta", "groups", "addresses[", "x]", "",
         'phoneNumbers[type eq "mobile"].value', "password", "roles"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["True", "false", "a"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["value", "type", "primary", "display", "givenName", "active", "id", "name.givenName",
                         "emails", "members", "$ref", "x"]) | st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
OPERATION = st.dictionaries(
    st.sampled_from(["op", "Op", "path", "value", "Value", "x"]),
    st.sampled_from(["add", "Replace", "remove", "bogus"]) | st.sampled_from(PATHS) | st.text(max_size=12) | JSON,
    max_size=4,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, max_size=4) | JSON, delta=st.booleans(), on_group=st.booleans())
def test_random_operations_raise_only_scim_errors(operations, delta, on_group):
    resource = group() if on_group else user()
    schema = GROUP if on_group else USER
    if delta and on_group:
        del resource["members"]
    before = copy.deepcopy(resource)
    try:
        result = apply_patch(resource, operations, schema, MEMBERS if delta else frozenset())
    except SCIMError:
        pass
    else:
        assert isinstance(result.changed, set)
    assert resource == before
