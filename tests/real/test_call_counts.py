"""The call-count table (``tests/call_counts.py``) against a real GLPI 10.0.12 and 11.0.6: each
operation makes exactly the GLPI calls the simulator lane asserts, counted through the GLPI
client's call hooks."""

from __future__ import annotations

import pytest

from tests.call_counts import SCENARIOS
from tests.call_counts import check
from tests.call_counts import warm_up
from tests.real.bridge import RealBridge


@pytest.fixture(scope="module")
def warm_bridge(real_glpi):
    bridge = RealBridge(real_glpi)
    try:
        warm_up(bridge)
        yield bridge
    finally:
        bridge.close()


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_operation_makes_exactly_the_calls_of_the_table(warm_bridge, key):
    warm_bridge.reset_calls()
    check(warm_bridge, key)
