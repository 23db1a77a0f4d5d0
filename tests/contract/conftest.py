"""Replays the recorded contract once per session and prints the per-version score."""

from __future__ import annotations

import pytest

from tests.contract.replay import VERSIONS
from tests.contract.replay import run_recorded
from tests.contract.replay import run_version

_RESULTS: dict[tuple[str, str], list] = {}
#: The two sets of transcripts: the shared recordings copied into the repo, and the
#: cases this repo's recorder made (``tests/contract/recorded/``).
SOURCES = {"shared": run_version, "recorded": run_recorded}


def contract_results(version: str, source: str = "shared") -> list:
    """Outcomes of the replay of ``version``'s ``source`` transcripts (computed once)."""
    if (version, source) not in _RESULTS:
        _RESULTS[(version, source)] = SOURCES[source](version)
    return _RESULTS[(version, source)]


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


def _score(outcomes: list) -> str:
    return f"{sum(1 for outcome in outcomes if outcome.ok)}/{len(outcomes)}"


def write_summary(terminalreporter) -> None:
    """Print ``contract <version>: N/M`` over the shared recordings, then the same for
    the recorder's cases as ``contract <version> recorded: N/M``; under xdist the
    controller replays once more, since the workers' results stay in their processes.

    Called from the root ``tests/conftest.py``: under xdist the controller
    collects nothing, so it never loads this conftest's hooks.
    """
    for version, folder in VERSIONS.items():
        for source in SOURCES:
            outcomes = _RESULTS.get((version, source))
            if outcomes is None and _contract_ran(terminalreporter):
                outcomes = contract_results(version, source)
            if outcomes is None:
                continue
            label = folder if source == "shared" else f"{folder} recorded"
            terminalreporter.write_line(f"contract {label}: {_score(outcomes)}")
