"""Which profile-less GLPI user a create may finish (a create GLPI cut short)."""

from __future__ import annotations

import pytest

from app.glpi.users.unfinished_creates import author_id
from app.glpi.users.unfinished_creates import may_finish
from app.glpi.users.unfinished_creates import static_profile_row

TENANT = {"entity": {"id": 3, "recursive": False}, "users": {}}
ITEM = {"id": 9, "entities_id": 3, "authtype": 4, "is_deleted": 0}
BY_BRIDGE = [
    {"linked_action": 20, "itemtype_link": "0", "user_name": "scim-bridge (7)"},
    {"linked_action": 17, "itemtype_link": "UserEmail", "user_name": "scim-bridge (7)"},
]


@pytest.mark.parametrize(
    ("item", "history", "refused"),
    [
        (ITEM, BY_BRIDGE, None),
        (ITEM, [], None),  # GLPI 10 logs the creation after the profile row: none yet
        ({**ITEM, "authtype": 1}, BY_BRIDGE, None),
        ({**ITEM, "is_deleted": 1}, BY_BRIDGE, "trash"),
        ({**ITEM, "entities_id": 0}, BY_BRIDGE, "default entity"),
        ({**ITEM, "authtype": 3}, BY_BRIDGE, "authentication type"),
        (ITEM, [*BY_BRIDGE, {"itemtype_link": "0", "user_name": "admin (2)"}], "another account"),
        (ITEM, [{"itemtype_link": "0", "user_name": "cron"}], "another account"),
        (ITEM, [*BY_BRIDGE, {"itemtype_link": "Profile", "user_name": "scim-bridge (7)"}],
         "had a profile"),
        (ITEM, BY_BRIDGE * 25, "long history"),
    ],
)
def test_only_what_the_bridge_made_and_nobody_owned_is_finished(item, history, refused):
    reason = may_finish(item, history, tenant=TENANT, bridge_user_id=7)
    assert (reason is None) if refused is None else (refused in reason)


def test_an_unknown_bridge_account_finishes_nothing():
    assert may_finish(ITEM, [], tenant=TENANT, bridge_user_id=None)


@pytest.mark.parametrize(
    ("name", "found"), [("glpi (2)", 2), ("Jane Doe (12) ", 12), ("cron", None), (None, None)]
)
def test_author_id(name, found):
    assert author_id(name) == found


def test_static_row_is_the_one_a_create_gives():
    assert static_profile_row(9, TENANT, 5) == {
        "users_id": 9, "profiles_id": 5, "entities_id": 3, "is_recursive": 0, "is_dynamic": 0,
    }
