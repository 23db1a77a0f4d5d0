"""Fixtures of the real-GLPI lane (docs/real-glpi.md).

``real_glpi`` is session-scoped and parametrized over GLPI ``10`` and ``11``
(test ids ``glpi10`` and ``glpi11``). It targets, in this order:

* the GLPI named by ``REAL_GLPI_URL``, ``REAL_GLPI_APP_TOKEN`` and
  ``REAL_GLPI_USER_TOKEN`` (a staging GLPI; ``REAL_GLPI_VERSION``
  saves the version look-up, ``REAL_GLPI_MYSQL_*`` give ``.sql``); the
  other version's tests are skipped;
* else the kit at ``<repo>/../shared/glpi-real``: its ``up`` is idempotent
  (0.2 s when running) and serialised with ``flock``, so both xdist workers
  may call it; the first one in CI installs MariaDB and GLPI (~40 s).

Without either, no test module of the lane is collected but
``test_available.py``, whose one test is skipped with the reason: pytest's
``-ra`` summary shows ONE line saying why. With ``REAL_GLPI_URL``, the
tests of the other GLPI version are deselected.

On the kit, the run's first use of each version reinstalls it (``up N
--fresh``) and checks issue 15's first page on that stock GLPI
(:mod:`tests.real.stock`); ``REAL_GLPI_FRESH=0`` keeps the kit's data and
leaves ``test_stock_glpi.py`` out.

Tests clean up what they create (``real_bridge`` purges every user and
group created through it), give everything a :func:`unique_name`, and
never assume an empty GLPI: it may hold thousands of rows from earlier runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.real import stock
from tests.real.bridge import RealBridge
from tests.real.bridge import unique_name
from tests.real.glpi import ENV_URL
from tests.real.glpi import VERSIONS
from tests.real.glpi import RealGlpi
from tests.real.glpi import lane_skip_reason
from tests.real.glpi import locate

__all__ = ["unique_name"]

_FOUND: dict[str, RealGlpi | str] = {}

if lane_skip_reason() is not None:
    collect_ignore_glob = [p.name for p in Path(__file__).parent.glob("test_*.py")
                           if p.name != "test_available.py"]
elif os.environ.get(ENV_URL) or not stock.fresh_enabled():
    # A stock GLPI exists only right after the kit's ``up --fresh`` (tests/real/stock.py).
    collect_ignore_glob = ["test_stock_glpi.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_glpi_versions(*majors): the test applies to these GLPI versions only; its runs on"
        " the others are deselected, not skipped",
    )


def _version_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("real_glpi") if callspec else None


def _inapplicable(item: pytest.Item) -> bool:
    """The run of ``item`` on a GLPI version its ``real_glpi_versions`` marker leaves out."""
    marker = item.get_closest_marker("real_glpi_versions")
    version = _version_of(item)
    return marker is not None and version is not None and version not in marker.args


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the runs a ``real_glpi_versions`` marker leaves out (a behaviour one GLPI
    version does not have is not a skipped check), and, with ``REAL_GLPI_URL``, the tests
    of the version that GLPI is not."""
    absent: list[str] = []
    if os.environ.get(ENV_URL) and lane_skip_reason() is None:
        absent = [v for v in VERSIONS if isinstance(_real(v), str)]
    kept, dropped = [], []
    for item in items:
        (dropped if _version_of(item) in absent or _inapplicable(item) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _real(major: str) -> RealGlpi | str:
    """The GLPI of ``major`` (located once per process), or the reason to skip."""
    if major not in _FOUND:
        try:
            _FOUND[major] = locate(major)
        except Exception as exc:  # noqa: BLE001 - the kit failing to start fails the tests
            _FOUND[major] = exc  # type: ignore[assignment]
    found = _FOUND[major]
    if isinstance(found, Exception):
        pytest.fail(f"real GLPI {major} did not start: {found}", pytrace=False)
    return found


@pytest.fixture(scope="session", params=VERSIONS, ids=[f"glpi{v}" for v in VERSIONS])
def real_glpi(request: pytest.FixtureRequest) -> Iterator[RealGlpi]:
    """A real GLPI (``.url``, ``.app_token``, ``.user_token``, ``.version``, ``.major``,
    ``.api``, ``.sql``); see the module docstring for where it comes from."""
    found = _real(request.param)
    if isinstance(found, str):
        pytest.skip(found)
    try:
        yield found
    finally:
        found.api.relogin()  # ends the reader's GLPI session; the next use logs in again


@pytest.fixture(autouse=True)
def _label_real_report(request: pytest.FixtureRequest) -> None:
    """Tag the test's report with its GLPI version, for the summary line per version."""
    if "real_glpi" in request.fixturenames:
        real = request.getfixturevalue("real_glpi")
        request.node.user_properties.append(("real_glpi", real.label))


@pytest.fixture
def real_bridge(real_glpi: RealGlpi) -> Iterator:
    """Factory ``real_bridge(**tenant_options)`` -> :class:`RealBridge`; all closed (and
    what they created purged) after the test."""
    made: list[RealBridge] = []

    def make(**tenant: object) -> RealBridge:
        bridge = RealBridge(real_glpi, **tenant)
        made.append(bridge)
        return bridge

    try:
        yield make
    finally:
        for bridge in reversed(made):
            bridge.close()


@pytest.fixture
def bridge(real_bridge) -> RealBridge:
    """One bridge with the default tenant options over ``real_glpi``."""
    return real_bridge()
