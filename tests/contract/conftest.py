"""Replays the recorded contract once per session and prints the per-version score."""

from __future__ import annotations

import pytest

from tests.contract.replay import VERSIONS
from tests.contract.replay import run_version

_RESULTS: dict[str, list] = {}


def contract_results(version: str) -> list:
    """Outcomes of the replay of ``version`` (computed once)."""
    if version not in _RESULTS:
        _RESULTS[version] = run_version(version)
    return _RESULTS[version]


@pytest.fixture(scope="session")
def contract():
    return contract_results


def _contract_ran(terminalreporter) -> bool:
    return any(
        getattr(report, "nodeid", "").startswith("tests/contract/")
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(reports, list)
    )


def write_summary(terminalreporter) -> None:
    """Print ``contract <version>: N/M``; under xdist the controller replays once more,
    since the workers' results stay in their processes.

    Called from the root ``tests/conftest.py``: under xdist the controller
    collects nothing, so it never loads this conftest's hooks.
    """
    for version, folder in VERSIONS.items():
        outcomes = _RESULTS.get(version)
        if outcomes is None and _contract_ran(terminalreporter):
            outcomes = contract_results(version)
        if outcomes is None:
            continue
        passed = sum(1 for outcome in outcomes if outcome.ok)
        terminalreporter.write_line(f"contract {folder}: {passed}/{len(outcomes)}")
