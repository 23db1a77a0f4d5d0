"""The lane's one line when it cannot run: without the kit and without ``GLPISCIM_REAL_URL``,
``tests/real/conftest.py`` collects no other module of the lane and this test says why."""

from __future__ import annotations

import pytest

from tests.real.glpi import lane_skip_reason


def test_real_glpi_lane_can_run():
    reason = lane_skip_reason()
    if reason is not None:
        pytest.skip(reason)
