"""scim2-tester's Group checks against the bridge backed by the GLPI simulator (GLPI 10 and 11).

The checker creates groups (with members it creates as Users first), reads,
lists and searches them with ``attributes``, replaces them, patches every
writable attribute (add, replace, remove) and deletes them; every Group check
must succeed, none is skipped.
"""

from __future__ import annotations

import logging

import pytest
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import check_server
from scim2_tester.utils import Status

from tests.backend.groups_app import TOKEN
from tests.backend.groups_app import served_bridge


@pytest.fixture(params=["10", "11"])
def glpi_version(request):
    return request.param


@pytest.fixture
def results(glpi_sim):
    client = WSGISCIMClient(
        served_bridge(glpi_sim),
        base_url="http://localhost/scim/v2",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    logging.disable(logging.INFO)
    try:
        return check_server(client)
    finally:
        logging.disable(logging.NOTSET)


def test_every_group_check_succeeds(results):
    group_checks = [r for r in results if r.resource_type == "Group"]
    titles = {r.title for r in group_checks}
    assert {
        "object_creation",
        "object_query",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_replace_attribute",
        "check_remove_attribute",
    } <= titles
    failures = [
        f"{r.title}: {r.status.name}: {r.reason}"
        for r in group_checks
        if r.status != Status.SUCCESS
    ]
    assert failures == []
