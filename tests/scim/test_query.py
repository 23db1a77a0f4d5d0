"""List and search parameters: paging, count, sorting, filter errors, root search."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.scim.errors import InvalidValueError
from app.scim.query import ListParams
from app.scim.query import load_params
from app.scim.query import page_size
from tests.scim.conftest import SEARCH_REQUEST


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, ListParams()),
        ({"startIndex": "0"}, ListParams(start_index=1)),
        ({"startIndex": "-4"}, ListParams(start_index=1)),
        ({"startIndex": "3"}, ListParams(start_index=3)),
        ({"count": "0"}, ListParams(count=0)),
        ({"count": "-5"}, ListParams(count=0)),
        ({"count": "10"}, ListParams(count=10)),
        ({"startindex": "2", "COUNT": "3"}, ListParams(start_index=2, count=3)),
        ({"aadOptscim062020": "", "foo": "bar"}, ListParams()),
        (
            {"sortBy": "userName", "sortOrder": "Descending"},
            ListParams(sort_by="userName", sort_order="descending"),
        ),
        (
            {"attributes": "userName, emails", "excludedAttributes": "groups"},
            ListParams(attributes=("userName", "emails"), excluded=("groups",)),
        ),
        (
            {"attributes": ["userName"], "startIndex": 2, "count": 4},
            ListParams(attributes=("userName",), start_index=2, count=4),
        ),
        ({"filter": "  "}, ListParams()),
    ],
)
def test_load_params(raw, expected):
    assert load_params(raw) == expected


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ({"count": "ten"}, "count: Not a valid integer."),
        ({"count": "1.5"}, "count: Not a valid integer."),
        ({"startIndex": "x"}, "startIndex: Not a valid integer."),
        ({"sortOrder": "up"}, 'sortOrder: must be "ascending" or "descending".'),
        ({"attributes": 3}, "attributes: Not a list of attribute names."),
    ],
)
def test_invalid_params(raw, detail):
    with pytest.raises(InvalidValueError) as caught:
        load_params(raw)
    assert caught.value.detail == detail


@pytest.mark.parametrize(("count", "expected"), [(None, 50), (0, 0), (10, 10), (50, 50), (51, 50)])
def test_page_size(count, expected):
    assert page_size(ListParams(count=count), 50) == expected


@pytest.fixture
def five_users(scim):
    return [scim.create_user(f"user{i}", displayName=f"User {i}") for i in range(1, 6)]


def test_paging(scim, five_users):
    body = scim.get("/Users?startIndex=2&count=2&sortBy=userName").get_json()
    assert body["totalResults"] == 5
    assert body["startIndex"] == 2
    assert body["itemsPerPage"] == 2
    assert [r["userName"] for r in body["Resources"]] == ["user2", "user3"]


def test_start_index_below_one_means_one(scim, five_users):
    body = scim.get("/Users?startIndex=0&count=1&sortBy=userName").get_json()
    assert body["startIndex"] == 1
    assert [r["userName"] for r in body["Resources"]] == ["user1"]


def test_start_index_past_the_end(scim, five_users):
    body = scim.get("/Users?startIndex=9").get_json()
    assert body["totalResults"] == 5 and body["itemsPerPage"] == 0 and body["Resources"] == []


@pytest.mark.parametrize("count", ["0", "-3"])
def test_count_zero_returns_only_the_total(scim, storage, five_users, count):
    body = scim.get(f"/Users?count={count}").get_json()
    assert body["totalResults"] == 5
    assert body["itemsPerPage"] == 0
    assert body["Resources"] == []
    assert storage.calls[-1].operation == "search"


def test_storage_receives_the_resolved_query(scim, storage):
    scim.get(
        '/Users?filter=USERNAME eq "x"&startIndex=3&count=7&sortBy=NAME.GIVENNAME'
        "&sortOrder=descending&excludedAttributes=groups"
    )
    call = storage.calls[-1]
    assert call.operation == "search"
    assert call.ctx.tenant == "acme"
    assert call.ctx.attributes.excluded == ("groups",)
    assert not call.ctx.attributes.wants("groups")


@pytest.mark.parametrize(
    ("query", "status", "scim_type"),
    [
        ("count=abc", 400, "invalidValue"),
        ("startIndex=1.5", 400, "invalidValue"),
        ("sortBy=nope", 400, "invalidValue"),
        ("sortBy=userName&sortOrder=sideways", 400, "invalidValue"),
        ("filter=userName eq", 400, "invalidFilter"),
        ('filter=nope eq "x"', 400, "invalidFilter"),
        ('filter=userName eq "a" and', 400, "invalidFilter"),
    ],
)
def test_bad_parameters_are_400(scim, query, status, scim_type):
    response = scim.get(f"/Users?{query}")
    assert response.status_code == status
    body = response.get_json()
    assert body["scimType"] == scim_type and body["status"] == str(status) and body["detail"]


def test_sort_by_an_extension_attribute(scim):
    for name, number in (("a", "3"), ("b", "1"), ("c", "2")):
        scim.create_user(
            name,
            **{
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "employeeNumber": number
                }
            },
        )
    body = scim.get(
        "/Users?sortBy=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
    ).get_json()
    assert [r["userName"] for r in body["Resources"]] == ["b", "c", "a"]


def test_search_body_parameters(scim, five_users):
    response = scim.post(
        "/Users/.search",
        {
            "schemas": [SEARCH_REQUEST],
            "startIndex": 2,
            "count": 2,
            "sortBy": "userName",
            "sortOrder": "descending",
            "attributes": ["displayName"],
        },
    )
    body = response.get_json()
    assert body["totalResults"] == 5
    assert [r["displayName"] for r in body["Resources"]] == ["User 4", "User 3"]
    assert all(set(r) == {"schemas", "id", "displayName"} for r in body["Resources"])


def _root(scim, **params):
    response = scim.post("/.search", {"schemas": [SEARCH_REQUEST], **params})
    return response.status_code, response.get_json()


def test_root_search_pages_over_users_then_groups(scim, five_users):
    scim.create_group("g1")
    scim.create_group("g2")
    status, body = _root(scim, startIndex=5, count=3, sortBy="id")
    assert status == 200
    assert body["totalResults"] == 7
    assert body["startIndex"] == 5
    kinds = [r["meta"]["resourceType"] for r in body["Resources"]]
    assert kinds == ["User", "Group", "Group"]
    _, page = _root(scim, startIndex=7, count=5)
    assert [r["displayName"] for r in page["Resources"]] == ["g2"]


def test_root_search_leaves_out_a_type_that_cannot_match(scim, five_users):
    scim.create_group("user1")
    status, body = _root(scim, filter='userName eq "user1"')
    assert status == 200
    assert body["totalResults"] == 1
    assert body["Resources"][0]["meta"]["resourceType"] == "User"
    status, body = _root(scim, filter='members pr and displayName eq "user1"')
    assert status == 200
    assert [r["meta"]["resourceType"] for r in body["Resources"]] == []
    status, body = _root(scim, filter='(userName eq "user1" and displayName pr) or userName eq "x"')
    assert status == 200 and body["totalResults"] == 1


@pytest.mark.parametrize(
    "text", ['userName eq "user1" or externalId eq "x"', 'not (userName eq "user1")']
)
def test_root_search_refuses_a_filter_it_could_only_answer_in_part(scim, five_users, text):
    status, body = _root(scim, filter=text)
    assert status == 400
    assert body["scimType"] == "invalidFilter"


def test_root_search_with_an_unknown_attribute_everywhere(scim):
    status, body = _root(scim, filter='nope eq "x"')
    assert status == 400 and body["scimType"] == "invalidFilter"


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=3), st.none()),
)
_KEYS = st.sampled_from(
    [
        "filter",
        "startIndex",
        "STARTINDEX",
        "count",
        "sortBy",
        "sortOrder",
        "attributes",
        "excludedAttributes",
        "schemas",
        "aadOptscim062020",
    ]
)


@settings(max_examples=300, deadline=None)
@given(raw=st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_any_parameters_give_params_or_invalid_value(raw):
    try:
        params = load_params(raw)
    except InvalidValueError as exc:
        assert exc.status == 400 and exc.detail
    else:
        assert params.start_index >= 1
        assert params.count is None or params.count >= 0
        assert params.sort_order in ("ascending", "descending")
