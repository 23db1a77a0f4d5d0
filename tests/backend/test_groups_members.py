"""Table tests of the membership diff (pure functions, no GLPI)."""

from __future__ import annotations

import pytest

from app.glpi.groups.membership_plan import MembershipPlan
from app.glpi.groups.membership_plan import diff_full_set
from app.glpi.groups.membership_plan import member_values
from app.glpi.groups.membership_plan import needs_current_members
from app.glpi.groups.membership_plan import parse_user_ids
from app.glpi.groups.membership_plan import plan_delta
from app.scim.errors import InvalidValueError
from app.scim.patch.engine import MultiValuedDelta

CURRENT = {10: 100, 11: 101, 12: 102}


def test_member_values_accepts_dicts_strings_and_ints():
    assert member_values([{"value": "10", "$ref": None}, "11", {"value": 12}, " 13 "]) == [
        "10",
        "11",
        "12",
        "13",
    ]


@pytest.mark.parametrize(
    "element",
    [
        {"value": "5", "type": "Group"},
        {"value": "5", "$ref": "https://bridge/scim/v2/Groups/5"},
    ],
)
def test_member_values_refuses_nested_groups(element):
    with pytest.raises(InvalidValueError, match="Nested groups") as info:
        member_values([{"value": "1"}, element])
    assert "5" in info.value.detail


@pytest.mark.parametrize("element", [{"display": "x"}, {"value": ""}, {"value": None}, None, True])
def test_member_values_refuses_elements_without_value(element):
    with pytest.raises(InvalidValueError):
        member_values([element])


def test_parse_user_ids_dedups_and_reports_non_ids():
    assert parse_user_ids(["3", "x", "3", "0", "-1", "٣", "4"]) == ([3, 4], ["x", "0", "-1", "٣"])


@pytest.mark.parametrize(
    ("delta", "needed"),
    [
        (MultiValuedDelta(added=[{"value": "1"}]), False),
        (MultiValuedDelta(removed=["1"]), True),
        (MultiValuedDelta(replaced=[]), True),
        (MultiValuedDelta(), False),
    ],
)
def test_needs_current_members(delta, needed):
    assert needs_current_members(delta) is needed


@pytest.mark.parametrize(
    ("delta", "current", "add", "remove", "bad"),
    [
        # add without reading the group: existing members are left to GLPI's unicity answer
        (
            MultiValuedDelta(added=[{"value": "10"}, {"value": "20"}, {"value": "20"}]),
            None,
            [10, 20],
            {},
            [],
        ),
        # add with the current rows known: existing members skipped
        (MultiValuedDelta(added=[{"value": "10"}, {"value": "20"}]), CURRENT, [20], {}, []),
        # Entra remove-with-value: exactly those members, never all
        (MultiValuedDelta(removed=["11"]), CURRENT, [], {11: 101}, []),
        # removing a non-member is a no-op
        (MultiValuedDelta(removed=["99", "abc"]), CURRENT, [], {}, []),
        # Okta: remove + add in one PATCH
        (MultiValuedDelta(added=[{"value": "30"}], removed=["10"]), CURRENT, [30], {10: 100}, []),
        # remove after add of the same value: removed
        (MultiValuedDelta(added=[{"value": "30"}], removed=["30"]), CURRENT, [], {}, []),
        # replace diffs the full set
        (
            MultiValuedDelta(replaced=[{"value": "11"}, {"value": "40"}]),
            CURRENT,
            [40],
            {10: 100, 12: 102},
            [],
        ),
        (MultiValuedDelta(replaced=[]), CURRENT, [], dict(CURRENT), []),
        # replace then add/remove
        (
            MultiValuedDelta(replaced=[{"value": "10"}], added=[{"value": "50"}], removed=["10"]),
            CURRENT,
            [50],
            dict(CURRENT),
            [],
        ),
        # values that cannot be ids are reported
        (MultiValuedDelta(added=[{"value": "u-1"}, {"value": "7"}]), None, [7], {}, ["u-1"]),
        (MultiValuedDelta(replaced=[{"value": "nope"}]), {}, [], {}, ["nope"]),
    ],
)
def test_plan_delta(delta, current, add, remove, bad):
    plan, invalid = plan_delta(delta, current)
    assert (plan.add, plan.remove, invalid) == (add, remove, bad)


def test_diff_full_set():
    assert diff_full_set([12, 13, 13], CURRENT) == MembershipPlan(
        add=[13], remove={10: 100, 11: 101}
    )
    assert diff_full_set([10, 11, 12], CURRENT).is_empty
