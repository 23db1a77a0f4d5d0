"""POST/PUT body validation: canonical form, tolerances and 400 details."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.scim.errors import InvalidSyntaxError
from app.scim.errors import InvalidValueError
from app.scim.payload import load_resource
from tests.scim.conftest import ENTERPRISE
from tests.scim.conftest import GROUP_SCHEMA
from tests.scim.conftest import USER_SCHEMA
from tests.scim.conftest import ScimClient
from tests.scim.conftest import make_app

CORE = {"schemas": [USER_SCHEMA]}


def _user(**extra):
    return {**CORE, "userName": "bjensen", **extra}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            {"schemas": [USER_SCHEMA], "USERNAME": "bjensen", "DisplayName": "B"},
            {"userName": "bjensen", "displayName": "B"},
            id="case-insensitive names",
        ),
        pytest.param(
            {"schemas": [USER_SCHEMA], f"{USER_SCHEMA}:userName": "bjensen"},
            {"userName": "bjensen"},
            id="core URN-qualified name",
        ),
        pytest.param(
            _user(**{f"{ENTERPRISE}:employeeNumber": "42"}),
            {"userName": "bjensen", ENTERPRISE: {"employeeNumber": "42"}},
            id="extension URN-qualified name",
        ),
        pytest.param(
            _user(**{ENTERPRISE.upper(): {"DEPARTMENT": "Tours", "Manager": {"Value": "9"}}}),
            {"userName": "bjensen", ENTERPRISE: {"department": "Tours", "manager": {"value": "9"}}},
            id="extension object, any case",
        ),
        pytest.param(
            _user(**{f"{ENTERPRISE}:manager": "9"}),
            {"userName": "bjensen", ENTERPRISE: {"manager": {"value": "9"}}},
            id="manager as a bare string (Entra)",
        ),
        pytest.param(
            _user(**{ENTERPRISE: {"manager": [{"value": "9"}]}}),
            {"userName": "bjensen", ENTERPRISE: {"manager": {"value": "9"}}},
            id="manager as a one-element array (Entra)",
        ),
        pytest.param(
            _user(id="client-id", meta={"resourceType": "User"}, groups=[{"value": "1"}]),
            {"userName": "bjensen"},
            id="read-only attributes ignored",
        ),
        pytest.param(
            _user(**{ENTERPRISE: {"manager": {"value": "9", "displayName": "Boss"}}}),
            {"userName": "bjensen", ENTERPRISE: {"manager": {"value": "9"}}},
            id="read-only sub-attribute ignored",
        ),
        pytest.param(
            _user(active="True"), {"userName": "bjensen", "active": True}, id="string True"
        ),
        pytest.param(
            _user(active="FALSE"), {"userName": "bjensen", "active": False}, id="string FALSE"
        ),
        pytest.param(
            _user(active=False), {"userName": "bjensen", "active": False}, id="JSON boolean"
        ),
        pytest.param(
            _user(emails=[{"value": "a@x", "Primary": "true", "Type": "work"}]),
            {"userName": "bjensen", "emails": [{"value": "a@x", "primary": True, "type": "work"}]},
            id="string boolean in a sub-attribute",
        ),
        pytest.param(
            _user(emails={"value": "a@x"}),
            {"userName": "bjensen", "emails": [{"value": "a@x"}]},
            id="single object for a multi-valued attribute",
        ),
        pytest.param(
            _user(title=None, addresses=None, phoneNumbers=[None], name={"givenName": None}),
            {"userName": "bjensen", "phoneNumbers": [], "name": {}},
            id="nulls dropped",
        ),
        pytest.param(
            _user(adreses=[{"country": "DE"}], **{"urn:example:custom": {"a": 1}}),
            {"userName": "bjensen"},
            id="unknown attributes ignored",
        ),
        pytest.param(
            _user(password="s3cret!"),
            {"userName": "bjensen", "password": "s3cret!"},
            id="password is loaded",
        ),
        pytest.param(
            {"schemas": [USER_SCHEMA, f"{ENTERPRISE[:-5]}2.0User"], "userName": "bjensen"},
            {"userName": "bjensen"},
            id="unknown schema URN tolerated (Entra typo)",
        ),
        pytest.param(
            _user(**{"name.givenName": "Barbara"}),
            {"userName": "bjensen", "name": {"givenName": "Barbara"}},
            id="dotted top-level key",
        ),
    ],
)
def test_canonical_form(body, expected):
    loaded = load_resource(body, "User")
    schemas = [USER_SCHEMA, ENTERPRISE] if ENTERPRISE in expected else [USER_SCHEMA]
    assert loaded == {"schemas": schemas, **expected}


def test_extension_urn_missing_from_schemas_is_tolerated():
    loaded = load_resource(_user(**{ENTERPRISE: {"department": "Tours"}}), "User")
    assert loaded["schemas"] == [USER_SCHEMA, ENTERPRISE]


def test_group_members_as_bare_strings():
    loaded = load_resource(
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "g",
            "members": ["1", {"value": "2", "display": "ignored", "type": "User"}],
        },
        "Group",
    )
    assert loaded["members"] == [{"value": "1"}, {"value": "2", "type": "User"}]


@pytest.mark.parametrize(
    ("body", "error", "detail"),
    [
        pytest.param(
            [], InvalidSyntaxError, "The request body must be a JSON object.", id="array body"
        ),
        pytest.param(
            "x", InvalidSyntaxError, "The request body must be a JSON object.", id="string body"
        ),
        pytest.param(
            {"userName": "x"}, InvalidValueError, "schemas: is required.", id="no schemas"
        ),
        pytest.param(
            {"schemas": [GROUP_SCHEMA], "userName": "x"},
            InvalidValueError,
            f"schemas: must include {USER_SCHEMA}.",
            id="wrong core schema",
        ),
        pytest.param(
            {"schemas": USER_SCHEMA, "userName": "x"},
            InvalidValueError,
            "schemas: Not a valid list.",
            id="schemas not a list",
        ),
        pytest.param(CORE, InvalidValueError, "userName: is required.", id="no userName"),
        pytest.param(
            _user(userName=None), InvalidValueError, "userName: is required.", id="null userName"
        ),
        pytest.param(
            _user(userName=7), InvalidValueError, "userName: Not a valid string.", id="int userName"
        ),
        pytest.param(
            _user(active="yes"), InvalidValueError, "active: Not a valid boolean.", id="bad boolean"
        ),
        pytest.param(
            _user(active=1), InvalidValueError, "active: Not a valid boolean.", id="int boolean"
        ),
        pytest.param(
            _user(name="Barbara"),
            InvalidValueError,
            "name: Invalid input type.",
            id="complex as string",
        ),
        pytest.param(
            _user(emails=[{"value": "a", "primary": "maybe"}]),
            InvalidValueError,
            "emails[0].primary: Not a valid boolean.",
            id="bad nested boolean",
        ),
        pytest.param(
            _user(emails=[{"value": "a", "primary": True}, {"value": "b", "primary": "True"}]),
            InvalidValueError,
            "emails: at most one value may be primary.",
            id="two primary",
        ),
        pytest.param(
            _user(**{ENTERPRISE: {"employeeNumber": 5}}),
            InvalidValueError,
            f"{ENTERPRISE}:employeeNumber: Not a valid string.",
            id="bad extension value",
        ),
        pytest.param(
            _user(**{ENTERPRISE: "x"}),
            InvalidSyntaxError,
            f"{ENTERPRISE}: must be a JSON object.",
            id="extension not an object",
        ),
        pytest.param(
            _user(password=["x"]),
            InvalidValueError,
            "password: Not a valid string.",
            id="bad password, value not quoted",
        ),
    ],
)
def test_invalid_bodies(body, error, detail):
    with pytest.raises(error) as caught:
        load_resource(body, "User")
    assert caught.value.detail == detail


def test_group_requires_display_name():
    with pytest.raises(InvalidValueError) as caught:
        load_resource({"schemas": [GROUP_SCHEMA]}, "Group")
    assert caught.value.detail == "displayName: is required."


def test_unknown_attributes_are_an_error_in_strict_mode():
    with pytest.raises(InvalidSyntaxError) as caught:
        load_resource(
            _user(adreses=[], name={"givenName": "B", "nick": "x"}), "User", strict_unknown=True
        )
    assert caught.value.detail == "Unknown attribute(s): adreses, name.nick."


def test_unknown_attribute_policy_over_http():
    lenient = ScimClient(make_app()[0].test_client())
    strict = ScimClient(make_app(unknown_attributes="error")[0].test_client())
    body = _user(favouriteColour="blue")
    assert lenient.post("/Users", body).status_code == 201
    response = strict.post("/Users", body)
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidSyntax"
    assert "favouriteColour" in response.get_json()["detail"]


def test_invalid_body_changes_nothing(scim, storage):
    response = scim.post("/Users", _user(active="perhaps"))
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidValue"
    assert storage.data["User"] == {}
    assert "create" not in [c.operation for c in storage.calls]


_NAMES = st.sampled_from(
    [
        "userName",
        "USERNAME",
        "name",
        "emails",
        "active",
        "password",
        "schemas",
        "id",
        "meta",
        "groups",
        "displayName",
        "x509Certificates",
        ENTERPRISE,
        f"{ENTERPRISE}:manager",
        "givenName",
        "value",
        "primary",
        "type",
        "bogus",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.sampled_from(["True", "false", USER_SCHEMA]),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(_JSON, st.dictionaries(_NAMES, _JSON, max_size=6)))
def test_any_body_gives_a_resource_or_a_scim_400(body):
    """Whatever the JSON, loading returns a canonical dict or raises a 400 SCIM error."""
    try:
        loaded = load_resource(body, "User")
    except (InvalidSyntaxError, InvalidValueError) as exc:
        assert exc.status == 400 and exc.detail
    else:
        assert loaded["schemas"][0] == USER_SCHEMA
        assert isinstance(loaded["userName"], str)
        assert not {"id", "meta", "groups"} & set(loaded)
