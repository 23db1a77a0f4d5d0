"""Table tests of the group search criteria (pure, no GLPI)."""

from __future__ import annotations

import pytest

from app.glpi.groups import criteria as gc
from app.scim.filter.parser import parse
from app.scim.schema import RESOURCES

GROUP = RESOURCES["Group"]


def crit(text: str, version: str = "11", column: str | None = "code"):
    return gc.filter_criteria(parse(text, GROUP), version, column)


@pytest.mark.parametrize(("recursive", "searchtype"), [(True, "under"), (False, "equals")])
def test_a_scope_is_one_entity_criterion_whatever_the_tree(recursive, searchtype):
    assert gc.group_scope(3, recursive) == [
        {"link": "AND", "criteria": [{"field": 80, "searchtype": searchtype, "value": 3}]}
    ]
    assert gc.user_scope(0, recursive)[0]["criteria"] == [
        {"field": 80, "searchtype": searchtype, "value": 0}
    ]


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        (
            'displayName eq "Team A"',
            "11",
            [{"field": 14, "searchtype": "contains", "value": "^Team A$"}],
        ),
        ('displayName sw "Te"', "11", [{"field": 14, "searchtype": "contains", "value": "^Te"}]),
        ('displayName ew "am"', "11", [{"field": 14, "searchtype": "contains", "value": "am$"}]),
        ('displayName co "ea"', "11", [{"field": 14, "searchtype": "contains", "value": "ea"}]),
        (
            'displayName eq "R&D <x>"',
            "10",
            [{"field": 14, "searchtype": "contains", "value": "^R&#38;#38;D &#38;#60;x&#38;#62;$"}],
        ),
        ('externalId eq "abc"', "11", [{"field": 74, "searchtype": "contains", "value": "^abc$"}]),
        ('id eq "12"', "11", [{"field": 2, "searchtype": "equals", "value": 12}]),
        ('id eq "x"', "11", [gc.NOTHING]),
    ],
)
def test_filter_criteria_leaves(text, version, expected):
    assert crit(text, version) == expected


@pytest.mark.parametrize(
    "text",
    [
        'not (displayName eq "a")',
        'displayName gt "a"',
        'members[value eq "3"]',
        'displayName eq "a" or members[value eq "3"]',
        'meta.lastModified gt "2020-01-01T00:00:00Z"',
        "displayName pr",
    ],
)
def test_untranslatable_filters_mean_every_group(text):
    assert crit(text) is None


def test_and_keeps_the_translatable_side_and_or_needs_both():
    assert crit('displayName eq "a" and members[value eq "3"]') == [
        {"field": 14, "searchtype": "contains", "value": "^a$"}
    ]
    both = crit('displayName eq "a" or externalId eq "b"')
    assert both == [
        {"link": "AND", "criteria": [{"field": 14, "searchtype": "contains", "value": "^a$"}]},
        {"link": "OR", "criteria": [{"field": 74, "searchtype": "contains", "value": "^b$"}]},
    ]


def test_external_id_without_column_matches_nothing():
    assert crit('externalId eq "b"', column=None) == [gc.NOTHING]


@pytest.mark.parametrize(
    ("sort_by", "expected"),
    [
        (None, 2),
        ("displayName", 14),
        ("DISPLAYNAME", 14),
        ("meta.lastModified", 19),
        ("meta.created", 121),
        ("externalId", 74),
        ("members", 2),
    ],
)
def test_sort_option(sort_by, expected):
    assert gc.sort_option(sort_by, "code") == expected


def test_user_ids_in_and_name_equals():
    assert gc.user_ids_in([4, 5]) == [
        {
            "link": "AND",
            "criteria": [
                {"field": 2, "searchtype": "equals", "value": 4},
                {"field": 2, "searchtype": "equals", "value": 5, "link": "OR"},
            ],
        }
    ]
    assert gc.name_equals("  ", "11")["value"] == "^"


@pytest.mark.parametrize(
    ("ids", "shape"),
    [
        ([], []),
        ([7], [("ids", 1)]),
        (list(range(1, 21)), [("ids", 20)]),
        (list(range(1, 22)), [("range", 21)]),
        (list(range(1, 1001)), [("range", 1000)]),
        (list(range(1, 1002)), [("range", 1000), ("ids", 1)]),
        (list(range(1, 5001)), [("range", 1000)] * 5),
        ([1, 3, 999, 2000], [("ids", 4)]),
        (list(range(100, 130)) + [50_000, 90_000], [("range", 30), ("ids", 2)]),
        ([i * 5000 for i in range(1, 42)], [("ids", 20), ("ids", 20), ("ids", 1)]),
    ],
)
def test_user_id_searches(ids, shape):
    from app.glpi.groups.criteria import user_id_range
    from app.glpi.groups.criteria import user_id_searches

    searches = user_id_searches(list(reversed(ids)), span=1000)
    got = []
    for criteria, rows in searches:
        inner = criteria[0]["criteria"]
        if inner[0]["searchtype"] == "contains":
            low, high = int(inner[0]["value"][1:]) + 1, int(inner[1]["value"][1:]) - 1
            assert criteria == user_id_range(low, high) and rows == high - low + 1
            got.append(("range", rows))
        else:
            assert rows == len(inner)
            got.append(("ids", rows))
    assert got == shape
