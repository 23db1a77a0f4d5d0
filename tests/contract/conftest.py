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


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for version, folder in VERSIONS.items():
        outcomes = _RESULTS.get(version)
        if outcomes is None:
            continue
        passed = sum(1 for outcome in outcomes if outcome.ok)
        terminalreporter.write_line(f"contract {folder}: {passed}/{len(outcomes)}")
