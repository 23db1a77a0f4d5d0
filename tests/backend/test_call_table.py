"""Every operation of the call-count table (``tests/call_counts.py``) on the simulator, GLPI 10
and 11: the exact GLPI calls, in order. The real lane asserts the same table
(``tests/real/test_call_counts.py``)."""

from __future__ import annotations

import pytest

from tests.backend.users_app import UserBridge
from tests.call_counts import SCENARIOS
from tests.call_counts import check
from tests.call_counts import warm_up

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def bridge(glpi_sim):
    bridge = UserBridge(glpi_sim)
    warm_up(bridge)
    return bridge


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_operation_makes_exactly_the_calls_of_the_table(bridge, key):
    check(bridge, key)
