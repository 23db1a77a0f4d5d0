"""docs/mapping.md and docs/groups.md show the call-count table that both lanes assert."""

from __future__ import annotations

import pytest

from tests.call_counts import CALLS
from tests.call_counts import DOCS
from tests.call_counts import SCENARIOS
from tests.call_counts import documented
from tests.call_counts import render


@pytest.mark.parametrize("doc", list(DOCS))
def test_docs_show_the_call_count_table(doc):
    assert documented(doc) == render(doc), "run: python -m tests.call_counts"


def test_every_table_entry_has_a_scenario():
    assert set(SCENARIOS) == set(CALLS)
