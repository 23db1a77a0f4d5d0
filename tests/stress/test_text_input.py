"""Regressions found by the hostile-input tests: bodies and filters that are not text.

Before the fix, JSON nested deeper than Python's recursion limit answered 500
(the audit hook re-parsed it), a lone UTF-16 surrogate (``"\\udfff"``, valid
JSON grammar but no character) answered 500 when the bridge tried to send it
to GLPI, and a NUL in a group name was stored.
"""

from __future__ import annotations

import pytest

from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import PATCH_OP
from tests.stress.helpers import StressBridge
from tests.stress.helpers import check_error

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def bridge(glpi_sim):
    return StressBridge(glpi_sim)


def _refused(answer, scim_type: str) -> None:
    check_error(answer.status_code, answer.headers, answer.get_data())
    assert answer.status_code == 400
    assert answer.get_json()["scimType"] == scim_type


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/Users"), ("POST", "/Groups"), ("PATCH", "/Users/2"), ("POST", "/Bulk")],
)
def test_json_nested_too_deeply_is_a_syntax_error(bridge, method, path) -> None:
    digest = bridge.sim.state_digest()
    _refused(
        bridge.request(method, path, headers={"Content-Type": "application/scim+json"}, data=DEEP),
        "invalidSyntax",
    )
    assert bridge.sim.state_digest() == digest


@pytest.mark.parametrize("name", ["\udfff", "a\ud800b"])
def test_a_lone_surrogate_in_a_body_is_a_syntax_error(bridge, name) -> None:
    digest = bridge.sim.state_digest()
    _refused(
        bridge.request("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name}),
        "invalidSyntax",
    )
    assert bridge.sim.state_digest() == digest


def test_a_lone_surrogate_in_a_filter_is_an_invalid_filter(bridge) -> None:
    answer = bridge.request("GET", "/Groups", query_string={"filter": 'displayName eq "\\udfff"'})
    _refused(answer, "invalidFilter")


@pytest.mark.parametrize("name", ["nul\u0000", "bell\u0007", "esc\u001b[2J"])
def test_a_control_character_in_a_value_is_refused(bridge, name) -> None:
    digest = bridge.sim.state_digest()
    _refused(
        bridge.request("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name}),
        "invalidValue",
    )
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "name.givenName", "value": name}],
    }
    _refused(bridge.request("PATCH", "/Users/5", patch), "invalidValue")
    assert bridge.sim.state_digest() == digest


def test_tabs_and_line_breaks_stay_allowed(bridge) -> None:
    answer = bridge.request(
        "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "two\tcolumns\r\nlines"}
    )
    assert answer.status_code == 201, answer.get_json()


def test_refused_hostile_bodies_are_still_recorded_for_the_status_page(bridge) -> None:
    """The activity recorder parses bodies too: neither depth nor surrogates may lose the event."""
    import time

    from app.activity.store import EventQuery

    since = time.time()
    bridge.request("POST", "/Users", headers={"Content-Type": "application/scim+json"}, data=DEEP)
    bridge.request("POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "x\udfff"})
    events = bridge.app.extensions["activity"].query(EventQuery(since=since, limit=500))
    recorded = {(e.method, e.path, e.status, e.name) for e in events}
    assert ("POST", "/scim/v2/Users", 400, "") in recorded
    assert ("POST", "/scim/v2/Groups", 400, "x?") in recorded
