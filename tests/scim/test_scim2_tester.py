"""scim2-tester, the python-scim compliance checker, against the app over MemoryStorage.

It discovers the server from /ServiceProviderConfig, /ResourceTypes and
/Schemas, then creates, reads, lists with ``attributes``, searches, replaces,
patches (add, replace, remove of every writable attribute) and deletes Users
and Groups, and probes an unknown URL for a SCIM 404. Every check must
succeed: none is skipped or excluded.
"""

from __future__ import annotations

from collections import Counter

import pytest
from scim2_tester.utils import Status

from tests.scim.conftest import TOKEN
from tests.scim.conftest import make_app
from tests.scim2_checks import CRUD_AND_PATCH
from tests.scim2_checks import run_checks


@pytest.fixture(scope="module")
def results():
    app, _ = make_app()
    return run_checks(app, TOKEN)


def test_every_check_succeeds(results):
    failures = [
        f"{r.resource_type or '-'} {r.title}: {r.status.name}: {r.reason}"
        for r in results
        if r.status != Status.SUCCESS
    ]
    assert failures == []


def test_the_checks_cover_discovery_crud_and_patch_for_both_types(results):
    by_title = Counter((r.resource_type, r.title) for r in results)
    for resource_type in ("User", "Group"):
        for title in CRUD_AND_PATCH | {"object_query_without_id", "object_query_with_attributes"}:
            assert by_title[(resource_type, title)] >= 1, (resource_type, title)
    titles = {r.title for r in results}
    assert {"service_provider_config_endpoint", "random_url"} <= titles
