"""The lane's one line when it cannot run: without the kit and without ``REAL_GLPI_URL``,
``tests/real/conftest.py`` collects no other module of the lane and this test says why."""

from __future__ import annotations

import pytest

from tests.real.glpi import lane_skip_reason


def test_real_glpi_lane_can_run():
    reason = lane_skip_reason()
    if reason is not None:
        pytest.skip(reason)


def test_the_lanes_settings_are_not_the_bridges():
    """The bridge reads every ``GLPISCIM_*`` variable as configuration and refuses unknown
    keys, so a lane setting under that prefix would break ``serve`` and the config tests in
    the same shell: the lane's variables live under ``REAL_GLPI_``."""
    from tests.real import glpi
    from tests.real import stock

    names = [glpi.ENV_URL, glpi.ENV_APP_TOKEN, glpi.ENV_USER_TOKEN, glpi.ENV_VERSION,
             *glpi.ENV_MYSQL.values(), stock.ENV_FRESH]
    assert all(name.startswith("REAL_GLPI_") for name in names), names
