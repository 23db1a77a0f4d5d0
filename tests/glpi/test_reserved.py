"""The pure pieces of GLPI's reserved accounts (app/glpi/reserved_accounts.py)."""

from __future__ import annotations

import pytest

from app.glpi.reserved_accounts import hidden_criteria
from app.glpi.reserved_accounts import reserved_reason


def test_nothing_reserved_adds_no_criterion():
    assert hidden_criteria([], [], "10") == []


@pytest.mark.parametrize("version", ["10", "11"])
def test_one_and_not_group_of_anchored_logins_then_ids(version):
    assert hidden_criteria(["tech", "glpi", "tech"], [9, 2], version) == [
        {
            "link": "AND NOT",
            "criteria": [
                {"field": 1, "searchtype": "contains", "value": "^glpi$"},
                {"field": 1, "searchtype": "contains", "value": "^tech$", "link": "OR"},
                {"field": 2, "searchtype": "equals", "value": 2, "link": "OR"},
                {"field": 2, "searchtype": "equals", "value": 9, "link": "OR"},
            ],
        }
    ]


LOGINS = frozenset({"glpi", "tech"})


@pytest.mark.parametrize(
    ("login", "profiles", "api_login", "expected"),
    [
        ("jdoe", [], "glpi", None),
        ("TECH", [], None, "'TECH' is a reserved GLPI account"),
        ("bridge", [], "Bridge", "'bridge' is the GLPI account the bridge itself uses"),
        ("jdoe", ["Self-Service", "Super-Admin"], None, "'jdoe' holds the profile 'super-admin'"),
        ("jdoe", ["Self-Service"], None, None),
        ("", [], "glpi", None),
    ],
)
def test_reserved_reason(login, profiles, api_login, expected):
    reason = reserved_reason(
        login,
        logins=LOGINS,
        api_login=api_login,
        profiles=profiles,
        reserved_profiles=frozenset({"super-admin"}),
    )
    assert (reason is None) if expected is None else reason.startswith(expected)
