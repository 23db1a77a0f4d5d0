"""Running the independent checker scim2-tester against a bridge app, for the three suites
that do (in-memory storage, GLPI users, GLPI groups)."""

from __future__ import annotations

import logging
from typing import Any

from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import check_server

#: The checks every suite must see run for its resource types: creation, reads, listing
#: and search with attributes, replacement, deletion, and PATCH add/replace/remove.
CRUD_AND_PATCH = frozenset(
    {
        "object_creation",
        "object_query",
        "object_list_with_attributes",
        "search_with_attributes",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_replace_attribute",
        "check_remove_attribute",
    }
)


def run_checks(app: Any, token: str) -> list:
    """Every scim2-tester result against ``app``'s ``/scim/v2`` with bearer ``token``."""
    client = WSGISCIMClient(
        app, base_url="http://localhost/scim/v2", headers={"Authorization": f"Bearer {token}"}
    )
    logging.disable(logging.INFO)
    try:
        return check_server(client)
    finally:
        logging.disable(logging.NOTSET)
