"""POST /Bulk over the GLPI backend: users and a group that lists them by bulkId land in GLPI."""

from __future__ import annotations

import pytest

from tests.backend.users_app import USER_SCHEMA
from tests.backend.users_app import UserBridge

pytestmark = pytest.mark.glpi_versions("10", "11")

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def test_users_and_a_group_by_bulk_id_land_in_glpi(glpi_sim):
    bridge = UserBridge(glpi_sim)
    operations = [
        {
            "method": "POST",
            "path": "/Groups",
            "bulkId": "team",
            "data": {
                "schemas": [GROUP_SCHEMA],
                "displayName": "Bulk Team",
                "members": [{"value": "bulkId:ann"}, {"value": "bulkId:ben"}],
            },
        },
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "ann",
            "data": {"schemas": [USER_SCHEMA], "userName": "bulk.ann"},
        },
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "ben",
            "data": {"schemas": [USER_SCHEMA], "userName": "bulk.ben"},
        },
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "dup",
            "data": {"schemas": [USER_SCHEMA], "userName": "bulk.ann"},
        },
    ]
    answer = bridge.request("POST", "/Bulk", {"schemas": [BULK], "Operations": operations})
    assert answer.status_code == 200
    ops = {op["bulkId"]: op for op in answer.json["Operations"]}
    assert {k: v["status"] for k, v in ops.items()} == {
        "ann": "201",
        "ben": "201",
        "team": "201",
        "dup": "409",
    }
    assert ops["dup"]["response"]["scimType"] == "uniqueness"
    ids = {k: int(ops[k]["location"].rsplit("/", 1)[1]) for k in ("ann", "ben", "team")}
    assert {r["name"] for r in bridge.glpi_row("User", id=ids["ann"])} == {"bulk.ann"}
    assert len(bridge.glpi_row("User", name="bulk.ann")) == 1
    members = {r["users_id"] for r in bridge.glpi_row("Group_User", groups_id=ids["team"])}
    assert members == {ids["ann"], ids["ben"]}
    assert bridge.glpi_row("Group", id=ids["team"])[0]["name"] == "Bulk Team"
