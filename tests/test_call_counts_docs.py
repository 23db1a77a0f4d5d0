"""docs/mapping.md and docs/groups.md show the call-count table that both lanes assert."""

from __future__ import annotations

import pytest

from tests.call_counts import CALLS
from tests.call_counts import DOCS
from tests.call_counts import OWN_TESTS
from tests.call_counts import ROOT
from tests.call_counts import SCENARIOS
from tests.call_counts import documented
from tests.call_counts import render


@pytest.mark.parametrize("doc", list(DOCS))
def test_docs_show_the_call_count_table(doc):
    assert documented(doc) == render(doc), "run: python -m tests.call_counts"


def test_every_table_entry_has_a_scenario_or_tests_of_its_own_that_quote_it():
    """An entry without a scenario (its bridge is not the table's) is asserted by the tests
    :data:`~tests.call_counts.OWN_TESTS` names, which quote it."""
    assert set(CALLS) == set(SCENARIOS) | set(OWN_TESTS)
    assert not set(SCENARIOS) & set(OWN_TESTS)
    for key, paths in OWN_TESTS.items():
        for path in paths:
            assert f'calls_on("{key}"' in (ROOT / path).read_text(encoding="utf-8"), (key, path)
