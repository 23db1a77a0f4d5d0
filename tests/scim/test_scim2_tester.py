"""scim2-tester, the python-scim compliance checker, against the app over MemoryStorage.

It discovers the server from /ServiceProviderConfig, /ResourceTypes and
/Schemas, then creates, reads, lists with ``attributes``, searches, replaces,
patches (add, replace, remove of every writable attribute) and deletes Users
and Groups, and probes an unknown URL for a SCIM 404. Every check must
succeed: none is skipped or excluded.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import check_server
from scim2_tester.utils import Status

from tests.scim.conftest import TOKEN
from tests.scim.conftest import make_app


@pytest.fixture(scope="module")
def results():
    app, _ = make_app()
    client = WSGISCIMClient(
        app, base_url="http://localhost/scim/v2", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    logging.disable(logging.INFO)
    try:
        return check_server(client)
    finally:
        logging.disable(logging.NOTSET)


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
        for title in (
            "object_creation",
            "object_query",
            "object_query_without_id",
            "object_query_with_attributes",
            "object_list_with_attributes",
            "search_with_attributes",
            "object_replacement",
            "object_deletion",
            "check_add_attribute",
            "check_replace_attribute",
            "check_remove_attribute",
        ):
            assert by_title[(resource_type, title)] >= 1, (resource_type, title)
    titles = {r.title for r in results}
    assert {"service_provider_config_endpoint", "random_url"} <= titles
