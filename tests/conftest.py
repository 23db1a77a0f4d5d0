"""Fixtures shared by every test package.

``glpi_sim`` runs the GLPI simulator on a real loopback port. Its GLPI
version is 10 unless the test asks otherwise with
``@pytest.mark.glpi_version("11")`` or parametrises the ``glpi_version``
fixture.
"""

from __future__ import annotations

import tempfile

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_tempdir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep files the app puts in the temp dir (the activity store) inside this run's tmp dir."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("tmp"))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the contract replay's score (``contract glpi-10.0.12: N/M``) when it ran."""
    from tests.contract.conftest import write_summary

    write_summary(terminalreporter)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "glpi_version(v): GLPI version the simulator runs as")


@pytest.fixture
def glpi_version(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("glpi_version")
    return str(marker.args[0]) if marker else "10"


@pytest.fixture
def glpi_sim(glpi_version: str):
    """A running simulator: ``.url``, ``.app_token``, ``.user_token``, ``.sim``, ``.stop()``."""
    from app.simulator.server import start_simulator

    running = start_simulator(version=glpi_version)
    try:
        yield running
    finally:
        running.stop()
