"""Microsoft's SCIMReferenceCode Postman "garbage" tests for Users, over GLPI (10 and 11).

Bodies come from ``tests/data/entra-requests.json`` (collection "SCIM Tests");
each step also reads the simulator's GLPI state.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.backend.users_app import UserBridge
from tests.backend.users_app import visible_users

pytestmark = pytest.mark.glpi_versions("10", "11")

_DATA = json.loads((Path(__file__).parent.parent / "data" / "entra-requests.json").read_text())
POSTMAN = {}
for _request in next(c for c in _DATA["collections"] if c["name"] == "SCIM Tests")["requests"]:
    POSTMAN.setdefault(_request["name"], _request["body"])


@pytest.fixture
def bridge(glpi_sim):
    return UserBridge(glpi_sim)


def _body(name: str) -> dict:
    return {k: v for k, v in POSTMAN[name].items() if k != "id"}


def _post(bridge: UserBridge, name: str):
    return bridge.request("POST", "/Users", _body(name))


def test_reference_code_user_garbage_sequence(bridge):
    omalley = _post(bridge, 'Post user "OMalley"')
    assert omalley.status_code == 201, omalley.json
    emp1 = _post(bridge, 'Post emp1 with string "True"')
    assert emp1.status_code == 201 and emp1.json["active"] is True
    assert bridge.glpi_row("User", name="emp1")[0]["is_active"] == 1
    assert _post(bridge, "Post emp2").status_code == 201
    assert _post(bridge, "Post emp3").status_code == 201
    assert _post(bridge, "Post no username").status_code == 400
    for attempt in ("Post emp3 exists", "Post emp3 exists try again"):
        answer = _post(bridge, attempt)
        assert answer.status_code == 409 and answer.json["scimType"] == "uniqueness"
    assert len(bridge.glpi_row("User", name="emp3")) == 1

    uid = omalley.json["id"]
    body = _body("Put a user no username")
    assert bridge.request("PUT", f"/Users/{uid}", body).status_code == 400
    assert bridge.glpi_row("User", id=int(uid))[0]["is_active"] == 1
    answer = bridge.request("PUT", f"/Users/{uid}", _body("Put a user misspelled attribute"))
    assert answer.status_code == 200
    assert bridge.glpi_row("User", id=int(uid))[0]["is_active"] == 0

    answer = bridge.request("PATCH", f"/Users/{uid}", POSTMAN["Patch user omalley new username"])
    assert answer.status_code in (200, 204)
    assert bridge.glpi_row("User", id=int(uid))[0]["name"] == "newusername"

    page = bridge.get("/Users", query_string="startIndex=1&count=2").json
    assert page["itemsPerPage"] == 2 and len(page["Resources"]) == 2
    assert page["totalResults"] == len(visible_users(bridge))


def test_reference_code_filters(bridge):
    bridge.create("Okeefe", name={"familyName": "Employee"}, emails=[{"value": "o@example.com"}])
    bridge.create("other.one", name={"familyName": "Employee"}, emails=[{"value": "x@example.net"}])
    bridge.create("third", name={"familyName": "Boss"}, emails=[{"value": "t@example.org"}])
    mixed = (
        "name.FamilyName eq Employee and (emails.Value co example.com or "
        "emails.Value co example.org)"
    )
    found = bridge.get("/Users", query_string={"filter": mixed}).json
    assert [u["userName"] for u in found["Resources"]] == ["Okeefe"]
    starts = bridge.get("/Users", query_string={"filter": 'userName sw "O"'}).json
    assert sorted(u["userName"] for u in starts["Resources"]) == ["Okeefe", "other.one"]
    recent = bridge.get(
        "/Users", query_string={"filter": "meta.Created gt 2015-10-10T14:38:21.8617979-07:00"}
    ).json
    assert recent["totalResults"] == len(visible_users(bridge))
