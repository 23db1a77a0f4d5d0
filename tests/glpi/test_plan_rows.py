"""``plan_rows``: which Profile_User rows a profile-rule sync adds and removes (pure, table-driven).

Targets are (profile, entity, recursive). The default profile row is (1, 1, True); the
tenant's entities are 1 and 3.
"""

from __future__ import annotations

import pytest

from app.glpi.profiles.rules import RowPlan
from app.glpi.profiles.rules import plan_rows

DEFAULT = (1, 1, True)
TECH = (6, 1, False)
OBS = (2, 1, False)
SUPER = (7, 1, True)
ELSEWHERE = (6, 5, False)  # entity 5 is not the tenant's
SCOPE = {1, 3}

# fmt: off
CASES = [
    # (case, static rows, ledger rows, wanted, undecided, expected plan)
    ("nothing to do",
     {10: DEFAULT}, {}, set(), set(), RowPlan()),
    ("a rule starts to match",
     {10: DEFAULT}, {}, {TECH}, set(), RowPlan(add=[TECH])),
    ("two rules start, sorted",
     {10: DEFAULT}, {}, {TECH, OBS}, set(), RowPlan(add=[OBS, TECH])),
    ("the rule's own row stays while wanted",
     {10: DEFAULT, 11: TECH}, {11: TECH}, {TECH}, set(), RowPlan()),
    ("the rule's own row goes when no longer wanted",
     {10: DEFAULT, 11: TECH}, {11: TECH}, set(), set(), RowPlan(remove=[11])),
    ("a hand-made identical row is held: nothing added, nothing owned",
     {10: DEFAULT, 12: TECH}, {}, {TECH}, set(), RowPlan()),
    ("a hand-made identical row survives the rule's end",
     {10: DEFAULT, 12: TECH}, {}, set(), set(), RowPlan()),
    ("next to the rule's row, only the rule's goes",
     {10: DEFAULT, 11: TECH, 12: TECH}, {11: TECH}, set(), set(), RowPlan(remove=[11])),
    ("undecided targets keep their rows",
     {10: DEFAULT, 11: SUPER}, {11: SUPER}, set(), {SUPER}, RowPlan()),
    ("a duplicate from a race goes, the first stays",
     {10: DEFAULT, 11: TECH, 13: TECH}, {11: TECH, 13: TECH}, {TECH}, set(),
     RowPlan(remove=[13])),
    ("a row deleted by hand is gone, and granted again",
     {10: DEFAULT}, {11: TECH}, {TECH}, set(), RowPlan(add=[TECH], gone=[11])),
    ("a row edited by hand is gone, and left alone",
     {10: DEFAULT, 11: OBS}, {11: TECH}, set(), set(), RowPlan(gone=[11])),
    ("a rule row on the default profile and entity is never removed",
     {10: DEFAULT, 11: (1, 1, False)}, {11: (1, 1, False)}, set(), set(), RowPlan()),
    ("the last row goes: the default comes back",
     {11: TECH}, {11: TECH}, set(), set(), RowPlan(fallback=DEFAULT, remove=[11])),
    ("a hand-made row on the tenant's entities keeps the user: no fallback",
     {11: TECH, 12: OBS}, {11: TECH}, set(), set(), RowPlan(remove=[11])),
    ("a row outside the tenant's entities does not keep the user: the default comes back",
     {11: TECH, 12: ELSEWHERE}, {11: TECH}, set(), set(),
     RowPlan(fallback=DEFAULT, remove=[11])),
    ("no static row at all (dynamic ones are not passed): the default comes back",
     {}, {}, set(), set(), RowPlan(fallback=DEFAULT)),
    ("a granted row keeps the user: no fallback",
     {}, {}, {TECH}, set(), RowPlan(add=[TECH])),
]
# fmt: on


@pytest.mark.parametrize(
    ("static", "owned", "wanted", "undecided", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_plan_rows(static, owned, wanted, undecided, expected):
    assert plan_rows(static, owned, wanted, undecided, DEFAULT, SCOPE) == expected


def test_a_plan_never_removes_a_row_outside_the_ledger():
    """Whatever is wanted, every removed id comes from the ledger."""
    static = {10: DEFAULT, 11: TECH, 12: TECH, 13: OBS, 14: SUPER}
    owned = {11: TECH, 14: SUPER}
    for wanted in (set(), {TECH}, {OBS}, {TECH, OBS, SUPER}):
        plan = plan_rows(static, owned, wanted, set(), DEFAULT, SCOPE)
        assert set(plan.remove) <= set(owned)
