"""Fixtures shared by every test package.

``glpi_sim`` runs the GLPI simulator on a real loopback port. Its GLPI
version is 10 unless the test asks otherwise with
``@pytest.mark.glpi_version("11")``, or for one run per version
``@pytest.mark.glpi_versions("10", "11")`` (often as a module's ``pytestmark``).
``@pytest.mark.glpi_ldap`` runs it as a GLPI with an LDAP directory configured
(Group search options 3, 4, 5 exist); without it, as the kit and most GLPIs, none.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

#: The activity file an operator's ``serve`` uses by default, resolved before this run moves
#: the temp dir (issue 15 §4: the tests never write there). Set by :func:`pytest_configure`.
OPERATOR_ACTIVITY: Path | None = None
#: Every activity SQLite file this process opened (see :func:`_watch_activity_files`).
ACTIVITY_OPENED: set[Path] = set()


@pytest.fixture(autouse=True, scope="session")
def _private_tempdir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep files the app puts in the temp dir (the activity store) inside this run's tmp dir."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("tmp"))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the contract replay's score (``contract glpi-10.0.12: N/M``) when it ran, and
    how many tests ran against each real GLPI (``real glpi-10.0.12: N passed``)."""
    from tests.contract.conftest import write_summary
    from tests.real import summary

    write_summary(terminalreporter)
    summary.write_summary(terminalreporter)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the real lane's outcomes per GLPI version (on the xdist controller too)."""
    from tests.real import summary

    summary.note_report(report)


def _watch_activity_files() -> None:
    """Note the path of every ``SqliteStore`` opened in this process, from collection on."""
    global OPERATOR_ACTIVITY
    from app import activity
    from app.activity.store import SqliteStore

    OPERATOR_ACTIVITY = activity.default_path().resolve()
    opened = SqliteStore.__init__

    def watched(self, path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        ACTIVITY_OPENED.add(Path(path).resolve())
        opened(self, path, *args, **kwargs)

    SqliteStore.__init__ = watched


@pytest.fixture(autouse=True)
def _never_the_operators_activity_file() -> Iterator[None]:
    """A test whose app (or a module's, at collection) opened the operator's default
    activity file errors at teardown: the suite keeps its own history (issue 15)."""
    yield
    assert OPERATOR_ACTIVITY not in ACTIVITY_OPENED, (
        f"a test opened the operator's activity file {OPERATOR_ACTIVITY}: give its app an "
        "activity.path of its own, or keep tempfile.tempdir on the run's tmp dir"
    )


def pytest_configure(config: pytest.Config) -> None:
    _watch_activity_files()
    config.addinivalue_line("markers", "glpi_version(v): GLPI version the simulator runs as")
    config.addinivalue_line(
        "markers", "glpi_versions(*v): run the test once per GLPI version of the simulator"
    )
    config.addinivalue_line(
        "markers", "glpi_ldap: the simulated GLPI has an LDAP directory (Group options 3, 4, 5)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.glpi_versions("10", "11")`` (or as ``pytestmark``): one run per version."""
    marker = metafunc.definition.get_closest_marker("glpi_versions")
    if marker is not None and "glpi_version" in metafunc.fixturenames:
        metafunc.parametrize("glpi_version", [str(v) for v in marker.args], indirect=True)


@pytest.fixture
def glpi_version(request: pytest.FixtureRequest) -> str:
    if hasattr(request, "param"):
        return str(request.param)
    marker = request.node.get_closest_marker("glpi_version")
    return str(marker.args[0]) if marker else "10"


@pytest.fixture
def glpi_sim(glpi_version: str, request: pytest.FixtureRequest):
    """A running simulator: ``.url``, ``.app_token``, ``.user_token``, ``.sim``, ``.stop()``."""
    from app.simulator.server import start_simulator

    ldap = request.node.get_closest_marker("glpi_ldap") is not None
    running = start_simulator(version=glpi_version, ldap_directory=ldap)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a loopback port, without persistence; stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: run scripts/system-deps.sh (Debian redis-server)"
        )
    from tests.ops.conftest import free_port

    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
