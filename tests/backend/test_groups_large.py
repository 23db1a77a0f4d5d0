"""Large groups: 5,000 members added in one PATCH, 2,500 removed, 10,000 read in pages.

The call counts are the point (docs/groups.md, "Call budget"): adding k
members costs one verification search and ceil(k / chunk_rows) array POSTs,
plus one read of the rows when k > chunk_rows; removing k costs one read of
the row ids and ceil(k / chunk_rows) array DELETEs; a read without members
never touches Group_User.
"""

from __future__ import annotations

import pytest

from app.glpi.groups.membership_chunks import chunk_count
from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import Scim
from tests.backend.groups_app import call_sequence
from tests.backend.groups_app import calls
from tests.backend.groups_app import member_ids
from tests.backend.groups_app import served_bridge
from tests.call_counts import calls_on
from tests.call_counts import group_patch_add
from tests.call_counts import group_patch_remove

pytestmark = pytest.mark.glpi_versions("10", "11")


def _seed(sim, count):
    return [sim.seed_user(name=f"bulk{i}") for i in range(count)]


def test_add_5000_then_remove_2500_in_bounded_calls(glpi_sim):
    sim = glpi_sim.sim
    scim = Scim(served_bridge(glpi_sim))
    users = _seed(sim, 5000)
    gid = int(
        scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "All Staff"}).json["id"]
    )

    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}",
        [{"op": "add", "path": "members", "value": [{"value": str(u)} for u in users]}],
    )
    assert answer.status_code == 204, answer.json
    assert member_ids(sim, gid) == set(users)
    assert len(calls(sim, "POST", "/Group_User")) == chunk_count(5000, 50) == 100
    assert len(calls(sim, "GET", "/search/User")) == 25  # 5,000 ids in runs of 200
    assert len(calls(sim, "GET", "/Group_User")) == 1  # the current rows: k > chunk_rows
    assert call_sequence(sim) == group_patch_add(5000, searches=25, version=sim.version)  # 27 + 100

    sim.reset_calls()
    lean = scim.get(f"/Groups/{gid}", query_string={"excludedAttributes": "members"})
    assert lean.status_code == 200 and "members" not in lean.json
    assert calls(sim, contains="Group_User") == [] and len(calls(sim)) == 1
    assert call_sequence(sim) == calls_on("group.get.lean", sim.version)

    removed = users[::2]
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}",
        [{"op": "remove", "path": "members", "value": [{"value": str(u)} for u in removed]}],
    )
    assert answer.status_code == 204, answer.json
    assert member_ids(sim, gid) == set(users[1::2])
    assert len(calls(sim, "DELETE", "/Group_User")) == chunk_count(2500, 50) == 50
    # the row ids of the group, in one read (and GLPI 10's read of the group row by id)
    assert len(calls(sim, "GET", f"/Group/{gid}/Group_User")) == 1
    assert call_sequence(sim) == group_patch_remove(2500, version=sim.version)  # 2 + 50 calls


def test_10000_members_are_read_in_glpi_ranges(glpi_sim):
    sim = glpi_sim.sim
    scim = Scim(served_bridge(glpi_sim))
    users = _seed(sim, 10000)
    gid = sim.seed_group(name="Everyone", entities_id=0)
    for user in users:
        sim.insert(
            "Group_User",
            {
                "id": None,
                "users_id": user,
                "groups_id": gid,
                "is_dynamic": 0,
                "is_manager": 0,
                "is_userdelegate": 0,
            },
        )
    sim.reset_calls()
    answer = scim.get(f"/Groups/{gid}")
    assert answer.status_code == 200
    assert len(answer.json["members"]) == 10000
    assert {int(m["value"]) for m in answer.json["members"]} == set(users)
    pages = calls(sim, "GET", "/Group_User")
    # Ten ranges of 1,000: GLPI's count (Content-Range) comes with the first, so no
    # empty eleventh range is asked for.
    assert sorted(c.query.split("range=")[1].split("&")[0] for c in pages) == sorted(
        f"{start}-{start + 999}" for start in range(0, 10000, 1000)
    )


def test_a_range_glpi_fails_after_others_were_presented_is_an_error_not_a_short_200(
    glpi_sim, monkeypatch
):
    """The members are presented range by range while GLPI serves the next ranges, but
    the answer is whole before it is sent: GLPI failing on the fourth range (after
    the retries) gives 503 and no member, never a 200 with 3,000 of 5,000."""
    from app.glpi.client.errors import GlpiUnavailableError
    from app.glpi.client.items import GlpiClient

    sim = glpi_sim.sim
    scim = Scim(served_bridge(glpi_sim))
    users = _seed(sim, 5000)
    gid = sim.seed_group(name="Everyone", entities_id=0)
    for user in users:
        sim.insert("Group_User", {"id": None, "users_id": user, "groups_id": gid,
                                  "is_dynamic": 0, "is_manager": 0, "is_userdelegate": 0})
    real_page = GlpiClient.subitems_page

    def failing(self, itemtype, item_id, sub, *, range, decode=True):
        if range[0] == 3000:
            raise GlpiUnavailableError("GLPI answered 500", method="GET", path=f"/Group/{gid}")
        return real_page(self, itemtype, item_id, sub, range=range, decode=decode)

    monkeypatch.setattr(GlpiClient, "subitems_page", failing)
    answer = scim.get(f"/Groups/{gid}")
    assert answer.status_code == 503, answer.json
    assert answer.json["status"] == "503" and "members" not in answer.json
    assert answer.headers.get("Retry-After")

    monkeypatch.setattr(GlpiClient, "subitems_page", real_page)
    whole = scim.get(f"/Groups/{gid}")
    assert whole.status_code == 200 and len(whole.json["members"]) == 5000
