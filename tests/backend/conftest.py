"""Bridge tests that fail because the simulator learnt a real GLPI behaviour the bridge
does not handle yet: each is marked ``xfail(strict=True)`` with its reason, so it is
reported as such and turns red (XPASS) as soon as the bridge is fixed and the mark must go.
"""

from __future__ import annotations

import pytest

#: GLPI 10's search adds ``OR glpi_entities.id IS NULL`` to ``Entities (Profile) under 0``
#: (``Search::addWhere``, "Add NULL if $val = 0"), so a root-entity tenant's scope also
#: matches users without any Profile_User row, ``glpi-system`` first (recorded in
#: tests/contract/recorded/glpi-10.0.12/22_profileless_user.json). The bridge lists
#: them; it should drop a row whose option 80 is empty. GLPI 11 no longer adds the NULL.
_PROFILELESS_IN_ROOT_SCOPE_ON_10 = (
    "GLPI 10 puts users without a profile (glpi-system) in a root tenant's scope "
    "(80 under 0 matches NULL); the bridge does not drop them yet"
)

KNOWN_BRIDGE_DIVERGENCES = {
    "tests/backend/test_user_calls.py::test_page_of_100_is_at_most_two_calls[10]":
        _PROFILELESS_IN_ROOT_SCOPE_ON_10,
    "tests/backend/test_user_entra_postman.py::test_reference_code_user_garbage_sequence[10]":
        _PROFILELESS_IN_ROOT_SCOPE_ON_10,
    "tests/backend/test_user_entra_postman.py::test_reference_code_filters[10]":
        _PROFILELESS_IN_ROOT_SCOPE_ON_10,
    "tests/backend/test_groups_scim2_tester.py::test_every_group_check_succeeds[10]":
        _PROFILELESS_IN_ROOT_SCOPE_ON_10 + " (glpi-system, id 6, shadows the group with id 6 in "
        "scim2-tester's root search check)",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        reason = KNOWN_BRIDGE_DIVERGENCES.get(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
