"""The simulator reproduces the recorded GLPI 10.0.12 and 11.0.6 exchanges (≥ 95% each)."""

from __future__ import annotations

import pytest

TARGET = 0.95


@pytest.mark.parametrize("version", ["10", "11"])
def test_contract_replay_reaches_target(contract, version: str) -> None:
    outcomes = contract(version)
    assert outcomes, "no recorded exchange was replayed"
    passed = sum(1 for outcome in outcomes if outcome.ok)
    failures = [f"{o.file}#{o.index} {o.title}: {o.reason}" for o in outcomes if not o.ok]
    assert passed / len(outcomes) >= TARGET, "\n".join(failures)
