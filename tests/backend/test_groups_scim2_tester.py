"""scim2-tester's Group checks against the bridge backed by the GLPI simulator (GLPI 10 and 11).

The checker creates groups (with members it creates as Users first), reads,
lists and searches them with ``attributes``, replaces them, patches every
writable attribute (add, replace, remove) and deletes them; every Group check
must succeed, none is skipped.
"""

from __future__ import annotations

import pytest
from scim2_tester.utils import Status

from tests.backend.groups_app import TOKEN
from tests.backend.groups_app import served_bridge
from tests.scim2_checks import CRUD_AND_PATCH
from tests.scim2_checks import run_checks

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def results(glpi_sim):
    return run_checks(served_bridge(glpi_sim), TOKEN)


def test_every_group_check_succeeds(results):
    group_checks = [r for r in results if r.resource_type == "Group"]
    assert {r.title for r in group_checks} >= CRUD_AND_PATCH
    failures = [
        f"{r.title}: {r.status.name}: {r.reason}"
        for r in group_checks
        if r.status != Status.SUCCESS
    ]
    assert failures == []
