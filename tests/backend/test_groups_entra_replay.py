"""Entra's group requests replayed over GLPI (10 and 11), in both PATCH dialects.

Bodies come from ``tests/data/entra-requests.json``: Microsoft's documented
requests ("What the Entra provisioning service sends") and the group folder of
the SCIMReferenceCode Postman collection ("SCIM Tests"). Placeholders are
replaced by the ids GLPI gave; each step also reads the simulator's GLPI state.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.backend.groups_app import Scim
from tests.backend.groups_app import group_user_rows
from tests.backend.groups_app import member_ids
from tests.backend.groups_app import seed_users
from tests.backend.groups_app import served_bridge

pytestmark = pytest.mark.glpi_versions("10", "11")

_DATA = json.loads((Path(__file__).parent.parent / "data" / "entra-requests.json").read_text())
_COLLECTIONS = {c["name"]: c["requests"] for c in _DATA["collections"]}
DOCS = {
    (r["name"], r.get("variant")): r
    for r in _COLLECTIONS[
        "What the Entra provisioning service sends (transcribed from Microsoft docs)"
    ]
}
POSTMAN = {}
for _request in _COLLECTIONS["SCIM Tests"]:
    POSTMAN.setdefault(_request["name"], _request)


@pytest.fixture
def bridge(glpi_sim):
    return Scim(served_bridge(glpi_sim)), glpi_sim.sim


def _fill(value, ids: dict[str, str]):
    """Replace ``{{name}}`` placeholders and the documents' sample ids."""
    text = json.dumps(value)
    for key, real in ids.items():
        text = text.replace(key, real)
    return json.loads(text)


def _send(scim, request: dict, gid: str, ids: dict[str, str], flag: bool):
    path = request["path"].split("/")[1]
    url = f"/{path}/{gid}" if request["path"].count("/") > 1 else f"/{path}"
    query = dict(p.split("=", 1) for p in (request.get("query") or "").split("&") if p)
    if flag:
        query["aadOptscim062020"] = ""
    body = _fill(copy.deepcopy(request["body"]), ids) if request.get("body") else None
    return scim.request(request["method"], url, body, query_string=query)


@pytest.mark.parametrize("flag", [False, True], ids=["default", "aadOptscim062020"])
def test_documented_entra_group_requests(bridge, flag):
    scim, sim = bridge
    users = [str(u) for u in seed_users(sim, 3)]
    ids = {"f648f8d5ea4e4cd38e9c": users[0], "7f4bc1a3-285e-48ae-8202-5accb43efb0e": users[0]}
    created = _send(scim, DOCS[("Create Group", None)], "", ids, flag)
    assert created.status_code == 201, created.json
    gid = created.json["id"]
    row = next(g for g in sim.rows("Group") if str(g["id"]) == gid)
    assert row["name"] == "displayName"
    found = _send(scim, DOCS[("Get Group by displayName", None)], "", ids, flag)
    assert [r["id"] for r in found.json["Resources"]] == [gid]
    assert "members" not in found.json["Resources"][0]
    lean = _send(scim, DOCS[("Get Group (members excluded)", None)], gid, ids, flag)
    assert lean.status_code == 200 and "members" not in lean.json

    add = copy.deepcopy(DOCS[("Update Group [Add Members]", None)])
    add["body"]["Operations"][0]["value"] = [{"$ref": None, "value": u} for u in users]
    assert _send(scim, add, gid, ids, flag).status_code == 204
    assert member_ids(sim, int(gid)) == {int(u) for u in users}

    variant = (
        ("Update Group [Remove Members] - WITH flag (path filter)", "aadOptscim062020")
        if flag
        else ("Update Group [Remove Members] - WITHOUT flag (value array)", "default (no flag)")
    )
    removed = _send(scim, DOCS[variant], gid, ids, flag)
    assert removed.status_code == DOCS[variant]["expected_status"] == 204
    assert member_ids(sim, int(gid)) == {int(users[1]), int(users[2])}

    renamed = _send(scim, DOCS[("Update Group [non-member attribute]", None)], gid, ids, flag)
    assert renamed.status_code == 204
    new_name = DOCS[("Update Group [non-member attribute]", None)]["body"]["Operations"][0]["value"]
    assert next(g for g in sim.rows("Group") if str(g["id"]) == gid)["name"] == new_name
    assert _send(scim, DOCS[("Delete Group", None)], gid, ids, flag).status_code == 204
    assert group_user_rows(sim, int(gid)) == [] and scim.get(f"/Groups/{gid}").status_code == 404


def test_reference_code_postman_group_folder(bridge):
    scim, sim = bridge
    id3, id4 = (str(u) for u in seed_users(sim, 2, prefix="ref"))
    ids = {"{{id3}}": id3, "{{id4}}": id4, "${__UUID}": "4a6b6e84-2f4e-4d0e-9d9b-1b2f7c1e0001"}

    def send(name: str, gid: str = "", **replace: str):
        request = POSTMAN[name]
        body = _fill(request["body"], {**ids, **replace}) if request.get("body") else None
        if isinstance(body, dict):
            body.pop("id", None)
        path = request["path"].split("/")[1]
        url = f"/{path}/{gid}" if gid else f"/{path}"
        query = dict(p.split("=", 1) for p in (request.get("query") or "").split("&") if p)
        return scim.request(request["method"], url, body, query_string=query)

    assert send("Get empty Groups").json["totalResults"] == 0
    group1 = send("Create empty group").json["id"]
    group2 = send("Create filled group 2")
    assert group2.status_code == 201 and member_ids(sim, int(group2.json["id"])) == {int(id3)}
    group3 = send("Create group 3").json["id"]
    assert send("Get Groups").json["totalResults"] == 3
    put = send("Put replace group3", group3)
    assert put.status_code == 200 and put.json["displayName"] == "putName"
    assert member_ids(sim, int(group3)) == {int(id3), int(id4)}
    assert send("Validate group 3", group3).json["displayName"] == "putName"

    assert send("Patch add user4 to group1", group1).status_code == 204
    assert member_ids(sim, int(group1)) == {int(id4)}
    assert send("Patch remove user4 to group1", group1).status_code == 204
    assert member_ids(sim, int(group1)) == set()
    assert send("Patch add user4 to group1", group1).status_code == 204
    assert [m["value"] for m in send("Get group by id", group1).json["members"]] == [id4]
    assert send("Patch remove all users", group1).status_code == 204
    assert member_ids(sim, int(group1)) == set()
    for gid in (group1, group2.json["id"], group3):
        assert send("Delete group 1", gid).status_code == 204
    assert sim.rows("Group") == []

    # Second folder: a bare string member value (a real GLPI user id here).
    first = send("Post group").json["id"]
    assert send("Group patch add member", first, **{"string id 1": id3}).status_code == 204
    assert send("Group patch add member2", first, **{"string id 2": id4}).status_code == 204
    assert member_ids(sim, int(first)) == {int(id3), int(id4)}
    assert len(send("Get group", first).json["members"]) == 2
    assert "members" not in send("Get group exclude members", first).json
    put = send("group put", first)
    assert put.status_code == 200 and put.json["displayName"] == "Tiffany Ortiz"
    assert put.json["externalId"] == "6c6b54c2-fa81-4234-ad4f-420ec6808049"
    assert member_ids(sim, int(first)) == {int(id3), int(id4)}  # a PUT without members keeps them
    assert send("Delete group 1", first).status_code == 204
    assert send("Get all groups").json["totalResults"] == 0
