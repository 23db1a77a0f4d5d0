"""Entra and Okta user flows against the bridge over the simulator, checking what lands in GLPI.

The Entra bodies are Microsoft's own examples (``tests/data/entra-requests.json``,
collection "What the Entra provisioning service sends"), replayed in both
dialects (with and without ``aadOptscim062020``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.backend.users_app import ENTERPRISE
from tests.backend.users_app import USER_SCHEMA
from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")

_DATA = json.loads((Path(__file__).parent.parent / "data" / "entra-requests.json").read_text())
ENTRA = {
    r["seq"]: r
    for c in _DATA["collections"]
    if c["name"].startswith("What the Entra")
    for r in c["requests"]
}


@pytest.fixture
def bridge(glpi_sim):
    return UserBridge(glpi_sim)


def _row(bridge: UserBridge, user_id) -> dict:
    return bridge.glpi_row("User", id=int(user_id))[0]


def _emails(bridge: UserBridge, user_id) -> dict:
    return {
        r["email"]: r["is_default"] for r in bridge.glpi_row("UserEmail", users_id=int(user_id))
    }


def _replay(bridge: UserBridge, seq: int, user_id: str | None = None, flag: bool = False):
    shape = ENTRA[seq]
    path = shape["path"] if user_id is None else f"/Users/{user_id}"
    query = shape["query"] or ""
    if flag:
        query = f"{query}&aadOptscim062020" if query else "aadOptscim062020"
    answer = bridge.request(shape["method"], path, shape["body"], query_string=query)
    assert answer.status_code == shape["expected_status"], (seq, answer.json)
    return answer


@pytest.mark.parametrize("flag", [False, True])
def test_entra_user_lifecycle(bridge, flag):
    assert _replay(bridge, 1, flag=flag).json["Resources"] == []
    assert _replay(bridge, 3, flag=flag).json["totalResults"] == 0
    created = _replay(bridge, 4, flag=flag).json
    uid = created["id"]
    row = _row(bridge, uid)
    assert row["name"] == "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
    assert row["sync_field"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert (row["firstname"], row["realname"], row["is_active"]) == ("givenName", "familyName", 1)
    assert _emails(bridge, uid) == {
        "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com": 1
    }
    assert [
        (p["profiles_id"], p["is_dynamic"])
        for p in bridge.glpi_row("Profile_User", users_id=int(uid))
    ] == [(1, 0)]
    assert [u["id"] for u in _replay(bridge, 2, flag=flag).json["Resources"]] == [uid]
    assert _replay(bridge, 6, uid, flag=flag).json["userName"] == row["name"]
    assert bridge.get("/Users/999999").status_code == 404

    _replay(bridge, 9, uid, flag=flag)
    assert _emails(bridge, uid) == {"updatedEmail@microsoft.com": 1}
    assert _row(bridge, uid)["realname"] == "updatedFamilyName"

    _replay(bridge, 16 if not flag else 17, uid, flag=flag)
    row = _row(bridge, uid)
    if flag:
        assert (row["firstname"], row["realname"], row["nickname"]) == ("Kkom", "Unua", "Bjfe")
        assert row["registration_number"] == "Aklq"
        assert _emails(bridge, uid) == {"TestMhvaes@test.microsoft.com": 1}
    else:
        assert (row["firstname"], row["realname"], row["nickname"]) == ("Gtfd", "Pkqf", "Pvlo")
        assert (row["sync_field"], row["registration_number"]) == ("Eqpj", "Eqpj")
        assert _emails(bridge, uid) == {"TestBcwqnm@test.microsoft.com": 1}

    _replay(bridge, 12 if not flag else 13, uid, flag=flag)
    assert _row(bridge, uid)["is_active"] == 0
    assert bridge.get(f"/Users/{uid}").json["active"] is False
    assert _emails(bridge, uid)

    _replay(bridge, 10, uid, flag=flag)
    assert _row(bridge, uid)["name"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"

    _replay(bridge, 22, uid, flag=flag)
    assert _row(bridge, uid)["is_deleted"] == 1
    assert bridge.get(f"/Users/{uid}").status_code == 404


def test_entra_explicit_nulls_and_external_id_match(bridge):
    created = _replay(bridge, 5).json
    row = _row(bridge, created["id"])
    assert (row["name"], row["nickname"], row["sync_field"]) == (
        "jyoung@testuser.com",
        "Joy Young",
        "jyoung",
    )
    assert _emails(bridge, created["id"]) == {"jyoung@Contoso.com": 1}
    answer = bridge.get("/Users", query_string={"filter": 'externalId eq "jyoung"'})
    assert [u["id"] for u in answer.json["Resources"]] == [created["id"]]
    roles = _replay(bridge, 20).json
    assert _row(bridge, roles["id"])["name"] == "alias@contoso.OnMicrosoft.com"


@pytest.mark.parametrize("seq", [18, 19])
def test_entra_manager_shapes(bridge, seq):
    boss = bridge.create("boss.user")
    report = bridge.create("report.user")
    body = json.loads(
        json.dumps(ENTRA[seq]["body"])
        .replace("00aa00aa-bb11-cc22-dd33-44ee44ee44ee", boss["id"])
        .replace("2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2", boss["id"])
    )
    answer = bridge.request("PATCH", f"/Users/{report['id']}", body)
    assert answer.status_code == 200, answer.json
    assert _row(bridge, report["id"])["users_id_supervisor"] == int(boss["id"])


OKTA_USER = {
    "schemas": [USER_SCHEMA],
    "userName": "okta.user@example.com",
    "name": {"givenName": "Okta", "familyName": "User"},
    "emails": [{"primary": True, "value": "okta.user@example.com", "type": "work"}],
    "displayName": "Okta User",
    "locale": "en-US",
    "externalId": "00u1abcd",
    "groups": [],
    "password": "Plac3holder!pw",
    "active": True,
}


def test_okta_aiw_get_then_put_whole_user_and_deactivate_by_put(bridge):
    assert (
        bridge.get(
            "/Users",
            query_string={
                "filter": 'userName eq "okta.user@example.com"',
                "startIndex": 1,
                "count": 100,
            },
        ).json["totalResults"]
        == 0
    )
    created = bridge.request("POST", "/Users", OKTA_USER)
    assert created.status_code == 201
    uid = created.json["id"]
    row = _row(bridge, uid)
    assert row["password"] and row["password"] != OKTA_USER["password"]
    assert row["language"] == "en_US"
    current = bridge.get(f"/Users/{uid}").json
    current["name"]["familyName"] = "Renamed"
    assert bridge.request("PUT", f"/Users/{uid}", current).status_code == 200
    assert _row(bridge, uid)["realname"] == "Renamed"
    current = bridge.get(f"/Users/{uid}").json
    current["active"] = False
    answer = bridge.request("PUT", f"/Users/{uid}", current)
    assert answer.status_code == 200 and answer.json["active"] is False
    row = _row(bridge, uid)
    assert (row["is_active"], row["realname"], row["firstname"]) == (0, "Renamed", "Okta")
    assert _emails(bridge, uid) == {"okta.user@example.com": 1}


def test_okta_oin_pathless_patch_and_password_push(bridge):
    uid = bridge.request("POST", "/Users", OKTA_USER).json["id"]
    before = _row(bridge, uid)["password"]
    answer = bridge.patch(uid, [{"op": "replace", "value": {"active": False}}])
    assert answer.status_code == 200 and answer.json["active"] is False
    assert _row(bridge, uid)["is_active"] == 0
    answer = bridge.patch(uid, [{"op": "replace", "value": {"password": "N3w-Secret-pw"}}])
    assert answer.status_code == 200
    assert "password" not in answer.json
    after = _row(bridge, uid)["password"]
    assert after and after not in (before, "N3w-Secret-pw")
    assert bridge.patch(uid, [{"op": "replace", "value": {"active": True}}]).json["active"] is True
    assert _row(bridge, uid)["is_active"] == 1


def test_enterprise_schema_listed_only_with_enterprise_values(bridge):
    plain = bridge.create("plain.user")
    assert ENTERPRISE not in plain["schemas"]
    rich = bridge.create("rich.user", **{ENTERPRISE: {"employeeNumber": "1"}})
    assert ENTERPRISE in bridge.get(f"/Users/{rich['id']}").json["schemas"]
