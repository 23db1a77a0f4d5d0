"""Group rows read with GET /Group when the externalId column has no search option (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.items import SearchResult
from app.glpi.groups import criteria as gc
from app.glpi.groups.item_reads import GroupItemReader
from app.glpi.groups.item_reads import ListRequest
from app.glpi.groups.item_reads import reads_items
from app.scim.errors import InvalidFilterError
from app.scim.filter.parser import parse
from app.scim.schema import RESOURCES

GROUP = RESOURCES["Group"]


def narrowing(text: str, version: str = "11", column: str | None = "ldap_group_dn"):
    return gc.text_narrowing(parse(text, GROUP), version, column)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('externalId eq "abc"', {"ldap_group_dn": "^abc$"}),
        ('displayName sw "Ops"', {"name": "^Ops"}),
        ('externalId eq "a" and displayName co "b"', {"ldap_group_dn": "^a$", "name": "b"}),
        ('externalId eq "a" and members.value eq "5"', {"ldap_group_dn": "^a$"}),
        ('displayName eq "a" and displayName eq "b"', {"name": "^a$"}),
        ('externalId eq "a" or displayName eq "b"', None),
        ('not (externalId eq "a")', None),
        ('id eq "4"', None),
        ('externalId pr', None),
    ],
)
def test_text_narrowing_can_only_widen(text, expected):
    assert narrowing(text) == expected


def test_glpi_10_search_values_are_encoded():
    assert narrowing('externalId eq "a<b"', "10") == {"ldap_group_dn": "^a&#38;#60;b$"}


@pytest.mark.parametrize(
    ("column", "item"), [("ldap_group_dn", True), ("ldap_value", True), ("code", False),
                         ("comment", False), (None, False)],
)
def test_ldap_columns_are_read_with_items(column, item):
    assert reads_items(column) is item


@pytest.mark.parametrize(
    ("sort_by", "column"),
    [(None, "id"), ("displayName", "name"), ("externalId", "ldap_group_dn"),
     ("meta.lastModified", "date_mod"), ("members", "id")],
)
def test_sort_column(sort_by, column):
    assert gc.sort_column(sort_by, "ldap_group_dn") == column


class FakeScope:
    def __init__(self, entities: set[int], listable: dict | None):
        self.entities, self.listable = entities, listable

    def holds_entity(self, entity_id: int) -> bool:
        return entity_id in self.entities

    def listable_entity_filter(self) -> dict | None:
        return self.listable


class FakeClient:
    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.calls: list[tuple[str, Any]] = []

    def get_item(self, itemtype: str, item_id: int) -> dict:
        self.calls.append(("get", item_id))
        for row in self.rows:
            if row["id"] == item_id:
                return row
        raise GlpiNotFoundError("no", method="GET", path="/Group/:id", status=404)

    def list_page(self, itemtype, *, range, search_text=None, sort="id", order="ASC"):
        self.calls.append(("list", dict(search_text or {}), range))
        return SearchResult(len(self.rows), self.rows[range[0] : range[1] + 1])


ROWS = [{"id": 1, "entities_id": 3}, {"id": 2, "entities_id": 7}, {"id": 3, "entities_id": 3}]


def test_a_row_outside_the_tenant_is_not_found_by_id():
    reader = GroupItemReader(FakeClient(ROWS), FakeScope({3}, {"entities_id": "^3$"}), 10)
    assert reader.load(1)["id"] == 1
    assert reader.load(2) is None
    assert reader.load(99) is None


def test_candidates_are_scoped_in_python_and_bounded():
    client = FakeClient(ROWS)
    reader = GroupItemReader(client, FakeScope({3}, None), 10)
    assert [r["id"] for r in reader.candidates(None, "id", "ASC", {"name": "^x$"})] == [1, 3]
    assert client.calls == [("list", {"name": "^x$"}, (0, 10))]
    with pytest.raises(InvalidFilterError):
        GroupItemReader(FakeClient(ROWS), FakeScope({3}, None), 2).candidates(None, "id", "ASC")


def test_a_page_is_paged_by_glpi_when_a_like_says_the_scope():
    client = FakeClient(ROWS)
    reader = GroupItemReader(client, FakeScope({3, 7}, {}), 10)
    total, rows = reader.page(ListRequest(None, "id", "ASC", 1, 1))
    assert (total, [r["id"] for r in rows]) == (3, [2])
    assert client.calls == [("list", {}, (1, 1))]


def test_a_page_of_a_recursive_subtree_is_paged_in_python():
    client = FakeClient(ROWS)
    reader = GroupItemReader(client, FakeScope({3}, None), 10)
    total, rows = reader.page(ListRequest(None, "id", "ASC", 1, 5))
    assert (total, [r["id"] for r in rows]) == (2, [3])


def test_id_eq_reads_the_item():
    client = FakeClient(ROWS)
    reader = GroupItemReader(client, FakeScope({3}, {}), 10)
    assert reader.candidates(parse('id eq "3"', GROUP), "id", "ASC") == [ROWS[2]]
    assert reader.candidates(parse('id eq "x"', GROUP), "id", "ASC") == []
    assert client.calls == [("get", 3)]
