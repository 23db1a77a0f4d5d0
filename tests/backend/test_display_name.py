"""displayName reads back what was written (issue 15 §3), per mapping, in GLPI 10 and 11.

``nickname`` (the default) has no search option: a read that answers users
adds one ``getMultipleItems`` per 50 of them. ``comment`` is searchable and
costs no call; ``null`` derives displayName and stores nothing.
"""

from __future__ import annotations

import pytest

from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.users import nickname_reads as nicknames
from app.glpi.users.mapping import NICKNAME
from app.glpi.users.mapping import UserMapping
from app.glpi.users.mapping import glpi_to_scim_user
from app.glpi.users.scim_to_glpi import scim_to_glpi_user
from tests.backend.users_app import UserBridge
from tests.backend.users_app import glpi_calls

SEARCH = ("GET", "/search/User")
NICKS = ("GET", "/getMultipleItems")
PUT = ("PUT", "/User/:id")

#: mode -> (mapping.user override, GLPI column that holds displayName, read back after a PUT)
MODES = {
    "nickname": ({}, "nickname", "Updated-7"),
    "comment": ({"displayName": "comment"}, "comment", "Updated-7"),
    "derived": ({"displayName": None}, None, "SCIMSanity Test"),
}


# -- pure mapping -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "reads_nickname", "option_16", "support"),
    [
        ({}, True, False, "readWrite"),
        ({"displayName": "nickname"}, True, False, "readWrite"),
        ({"displayName": "comment"}, False, True, "readWrite"),
        ({"displayName": None}, False, False, "readOnly"),
    ],
)
def test_mapping_of_display_name(override, reads_nickname, option_16, support):
    mapping = UserMapping.build(override)
    assert mapping.reads_nickname is reads_nickname
    assert (16 in mapping.forcedisplay) is option_16
    assert mapping.attribute_support()["displayName"] == support


@pytest.mark.parametrize(
    "override",
    [{"displayName": "name"}, {"displayName": "firstname"}, {"displayName": "password"},
     {"displayName": "user_dn"}, {"displayName": "comment", "externalId": "comment"}],
)
def test_display_name_cannot_take_a_used_or_unusable_column(override):
    with pytest.raises(ValueError):
        UserMapping.build(override)


BASE = {"2": 5, "1": "jdoe", "9": "Jane", "34": "Doe", "8": 1}


@pytest.mark.parametrize(
    ("override", "row", "expected"),
    [
        ({}, {**BASE, NICKNAME: "JD"}, "JD"),
        ({}, {**BASE, NICKNAME: ""}, None),  # nothing written: absent, not invented
        ({}, BASE, None),
        ({"displayName": "comment"}, {**BASE, "16": "JD"}, "JD"),
        ({"displayName": "comment"}, {**BASE, "16": None, NICKNAME: "x"}, None),
        ({"displayName": None}, {**BASE, NICKNAME: "JD"}, "Jane Doe"),
        ({"displayName": None}, {"2": 5, "1": "jdoe", "8": 1}, "jdoe"),
    ],
)
def test_display_name_read_from_a_row(override, row, expected):
    assert glpi_to_scim_user(row, UserMapping.build(override)).get("displayName") == expected


@pytest.mark.parametrize(
    ("override", "resource", "fields"),
    [
        ({}, {"displayName": "JD"}, {"nickname": "JD"}),
        ({}, {}, {"nickname": ""}),  # a PUT without it clears it
        ({"displayName": "comment"}, {"displayName": "JD"}, {"comment": "JD"}),
        ({"displayName": None}, {"displayName": "JD"}, {}),
    ],
)
def test_display_name_written_to_its_column(override, resource, fields):
    write = scim_to_glpi_user({"userName": "jdoe", **resource}, UserMapping.build(override))
    stored = {k: v for k, v in write.fields.items() if k in ("nickname", "comment")}
    assert stored == fields


@pytest.mark.parametrize(
    ("count", "calls"), [(0, 0), (1, 1), (50, 1), (51, 2), (100, 2), (201, 5)]
)
def test_nicknames_are_read_per_chunk_of_50(count, calls):
    client = FakeNicknames({i: f"n{i}" for i in range(1, count + 1)})
    rows = [{"2": i} for i in range(1, count + 1)]
    assert nicknames.fill(client, rows) is (count > 0)
    assert len(client.calls) == calls
    assert [r[NICKNAME] for r in rows] == [f"n{i}" for i in range(1, count + 1)]
    assert nicknames.fill(client, rows) is False  # already there: no call


@pytest.mark.parametrize(
    ("count", "gone", "calls"),
    [(3, {2}, 5), (2, {2}, 3), (1, {1}, 1), (50, {17}, 13), (50, {3, 40}, 23), (4, {1, 2, 3, 4}, 7)],
)
def test_users_purged_between_search_and_nickname_read_are_found_by_halves(count, gone, calls):
    client = FakeNicknames({i: f"n{i}" for i in range(1, count + 1) if i not in gone})
    rows = [{"2": i} for i in range(1, count + 1)]
    nicknames.fill(client, rows)
    assert [r[NICKNAME] for r in rows] == ["" if i in gone else f"n{i}" for i in range(1, count + 1)]
    assert len(client.calls) == calls and {kind for kind, _ in client.calls} == {"many"}


class FakeNicknames:
    """A GLPI answering ``getMultipleItems`` (404 for the whole call when one is missing)."""

    def __init__(self, nicknames_by_id: dict[int, str]):
        self.known = nicknames_by_id
        self.calls: list[tuple] = []

    def get_multiple_items(self, itemtype, ids, **_):
        self.calls.append(("many", tuple(ids)))
        if any(i not in self.known for i in ids):
            raise GlpiNotFoundError("Item not found")
        return [{"id": i, "nickname": self.known[i]} for i in ids]



# -- over the simulator, GLPI 10 and 11 ---------------------------------------------------------

ON_BOTH_VERSIONS = pytest.mark.glpi_versions("10", "11")


def _bridge(glpi_sim, mode: str) -> UserBridge:
    override = MODES[mode][0]
    bridge = UserBridge(glpi_sim, mapping={"user": override})
    bridge.warm_up()
    return bridge


def _calls(bridge: UserBridge) -> list[tuple[str, str]]:
    return [(m, "/User/:id" if p.startswith("/User/") and p[6:].isdigit() else p)
            for m, p in glpi_calls(bridge.sim)]


def _sanity_user(bridge: UserBridge, login: str) -> dict:
    return bridge.create(login, name={"givenName": "SCIMSanity", "familyName": "Test"},
                         displayName="Initial")


@ON_BOTH_VERSIONS
@pytest.mark.parametrize("mode", list(MODES))
def test_a_put_display_name_reads_back_by_id_by_filter_and_in_a_page(glpi_sim, mode):
    bridge = _bridge(glpi_sim, mode)
    user = _sanity_user(bridge, f"sanity.{mode}")
    body = {"userName": f"sanity.{mode}", "displayName": "Updated-7",
            "name": {"givenName": "SCIMSanity", "familyName": "Test"}}
    answer = bridge.put(user["id"], body)
    _, column, expected = MODES[mode]
    assert answer.status_code == 200 and answer.json["displayName"] == expected
    assert bridge.get(f"/Users/{user['id']}").json["displayName"] == expected
    assert [u["displayName"] for u in bridge.find(f"sanity.{mode}")] == [expected]
    page = bridge.get("/Users", query_string={"count": 100, "startIndex": 1}).json["Resources"]
    assert [u["displayName"] for u in page if u["id"] == user["id"]] == [expected]
    by_display = bridge.get("/Users", query_string={"filter": f'displayName eq "{expected}"'})
    assert [u["id"] for u in by_display.json["Resources"]] == [user["id"]]
    row = bridge.glpi_row("User", id=int(user["id"]))[0]
    if column:
        assert row[column] == "Updated-7"
    assert row.get("nickname") in (None, "") or column == "nickname"


#: operation -> calls per mode (nickname, comment, derived)
CALLS = {
    "get": ([SEARCH, NICKS], [SEARCH], [SEARCH]),
    "filter hit": ([SEARCH, NICKS], [SEARCH], [SEARCH]),
    "filter miss": ([SEARCH], [SEARCH], [SEARCH]),
    "page of 100": ([SEARCH, NICKS, NICKS], [SEARCH], [SEARCH]),
    "patch active": ([SEARCH, NICKS, PUT], [SEARCH, PUT], [SEARCH, PUT]),
    # Another column changes: the nickname goes in that PUT, unread.
    "put new name": ([SEARCH, PUT], [SEARCH, PUT], [SEARCH, PUT]),
    # Nothing else changes: the nickname is read, so that an unchanged user costs no write.
    "put new displayName": ([SEARCH, NICKS, PUT], [SEARCH, PUT], [SEARCH]),
    "put unchanged": ([SEARCH, NICKS], [SEARCH], [SEARCH]),
}


def _operate(bridge: UserBridge, operation: str, user: dict) -> int:
    body = {"userName": user["userName"], "displayName": "Initial",
            "name": {"givenName": "SCIMSanity", "familyName": "Test"}}
    actions = {
        "get": lambda: bridge.get(f"/Users/{user['id']}"),
        "filter hit": lambda: bridge.get(
            "/Users", query_string={"filter": f'userName eq "{user["userName"]}"'}),
        "filter miss": lambda: bridge.get(
            "/Users", query_string={"filter": 'userName eq "nobody.here"'}),
        "page of 100": lambda: bridge.get("/Users", query_string={"count": 100}),
        "patch active": lambda: bridge.patch(
            user["id"], [{"op": "replace", "path": "active", "value": False}]),
        "put new name": lambda: bridge.put(user["id"], {**body, "name": {"givenName": "New"}}),
        "put new displayName": lambda: bridge.put(user["id"], {**body, "displayName": "New"}),
        "put unchanged": lambda: bridge.put(user["id"], body),
    }
    return actions[operation]().status_code


@ON_BOTH_VERSIONS
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("operation", list(CALLS))
def test_calls_per_operation_and_mapping(glpi_sim, mode, operation):
    bridge = _bridge(glpi_sim, mode)
    user = _sanity_user(bridge, f"calls.{mode}")
    if operation == "page of 100":
        for i in range(110):
            bridge.sim.seed_user(name=f"dn.page.{i:03d}")
    bridge.sim.reset_calls()
    assert _operate(bridge, operation, user) == 200
    assert _calls(bridge) == CALLS[operation][list(MODES).index(mode)]


@ON_BOTH_VERSIONS
def test_a_patch_of_another_attribute_leaves_the_nickname_alone(glpi_sim):
    bridge = _bridge(glpi_sim, "nickname")
    user = bridge.create("dn.patch", name={"givenName": "Pat", "familyName": "Ch"})
    assert "displayName" not in user
    bridge.patch(user["id"], [{"op": "replace", "path": "active", "value": False}])
    assert bridge.glpi_row("User", id=int(user["id"]))[0]["nickname"] in (None, "")
    bridge.patch(user["id"], [{"op": "replace", "path": "displayName", "value": "PC"}])
    assert bridge.get(f"/Users/{user['id']}").json["displayName"] == "PC"
    bridge.patch(user["id"], [{"op": "remove", "path": "displayName"}])
    assert "displayName" not in bridge.get(f"/Users/{user['id']}").json
    assert bridge.glpi_row("User", id=int(user["id"]))[0]["nickname"] in (None, "")


@ON_BOTH_VERSIONS
def test_a_nickname_set_in_glpi_is_read(glpi_sim):
    bridge = _bridge(glpi_sim, "nickname")
    uid = bridge.sim.seed_user(name="dn.seeded", nickname="Set & <in> GLPI")
    assert bridge.get(f"/Users/{uid}").json["displayName"] == "Set & <in> GLPI"
