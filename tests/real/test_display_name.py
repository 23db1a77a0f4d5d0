"""displayName reads back what was written, on the real GLPI 10.0.12 and 11.0.6 (issue 15 §3).

Every read is checked: by id, by filter, in a page (unfiltered, and paged by
GLPI through an exact filter), with the GLPI calls each took. ``nickname``
(the default) has no search option in either version, so it is read with
``getMultipleItems``; ``comment`` is searchable; ``null`` derives it.
"""

from __future__ import annotations

import math

import pytest

from app.glpi.users import nickname_reads as nicknames
from tests.backend.test_display_name import MODES
from tests.backend.test_display_name import NICKS
from tests.backend.test_display_name import SEARCH
from tests.real.bridge import unique_name


def test_real_glpi_has_no_search_option_for_nickname(real_glpi):
    """Why the default costs a call: neither version can show ``nickname`` in a search."""
    options = real_glpi.api.json("GET", "/listSearchOptions/User")
    user_columns = {o.get("field") for o in options.values()
                    if isinstance(o, dict) and o.get("table") == "glpi_users"}
    assert "nickname" not in user_columns
    assert {"comment", "firstname", "realname"} <= user_columns


@pytest.mark.parametrize("mode", list(MODES))
def test_a_put_display_name_reads_back_everywhere(real_glpi, real_bridge, mode):
    override, column, expected = MODES[mode]
    bridge = real_bridge(mapping={"user": override})
    login = unique_name(f"rl-dn-{mode}")
    name = {"givenName": "SCIMSanity", "familyName": "Test"}
    user = bridge.create(login, name=name, displayName="Initial")
    uid = user["id"]

    bridge.reset_calls()
    put = bridge.put(uid, {"userName": login, "name": name, "displayName": "Updated-7"})
    assert put.status_code == 200, put.json
    assert put.json["displayName"] == expected
    if column:
        assert real_glpi.api.get("User", uid)[column] == "Updated-7"
    else:
        assert real_glpi.api.get("User", uid)["nickname"] in (None, "")

    nick = [NICKS] if mode == "nickname" else []
    bridge.reset_calls()
    assert bridge.get(f"/Users/{uid}").json["displayName"] == expected
    assert bridge.calls() == [SEARCH, *nick]

    bridge.reset_calls()
    assert [u["displayName"] for u in bridge.find(login)] == [expected]
    assert bridge.calls() == [SEARCH, *nick]

    bridge.reset_calls()
    paged = bridge.get("/Users", query_string={"filter": f'userName sw "{login}"', "count": 10})
    assert [u["displayName"] for u in paged.json["Resources"]] == [expected]
    assert bridge.calls() == [SEARCH, *nick]

    # An unfiltered page, newest users first, where this one is. Other helpers create and
    # purge users there right now: a user purged between the search and the nickname read
    # makes GLPI refuse that chunk, which is then read by halves (more getMultipleItems).
    bridge.reset_calls()
    page = bridge.get("/Users", query_string={"count": 100, "sortBy": "id", "sortOrder": "descending",
                                              "attributes": "userName,displayName"}).json
    assert [u["displayName"] for u in page["Resources"] if u["id"] == uid] == [expected]
    calls = bridge.calls()
    assert calls[0] == SEARCH and set(calls[1:]) <= set(nick)
    assert len(calls) - 1 >= len(nick) * math.ceil(len(page["Resources"]) / 50)

    bridge.reset_calls()
    assert bridge.find(unique_name("rl-dn-miss")) == []
    assert bridge.calls() == [SEARCH]  # a miss never costs the nickname read


def test_a_page_of_100_is_one_search_and_two_nickname_reads(real_glpi, bridge):
    """The oldest users, which nobody creates or purges during a run: exact calls."""
    bridge.get("/Users", query_string={"count": 1})  # warm: session, entity tree
    # and GLPI's configuration, read once per cache lifetime for the users on GLPI's
    # default language (stored as NULL, read as that language)
    bridge.storage.stores["User"].default_language()
    bridge.reset_calls()
    page = bridge.get("/Users", query_string={"count": 100, "startIndex": 1,
                                              "attributes": "userName,displayName"}).json
    assert len(page["Resources"]) == min(100, page["totalResults"])
    assert bridge.calls() == [SEARCH, *[NICKS] * math.ceil(len(page["Resources"]) / 50)]


def test_patch_display_name_reads_back_and_remove_clears_it(real_glpi, bridge):
    login = unique_name("rl-dn-patch")
    user = bridge.create(login, name={"givenName": "Pat", "familyName": "Ch"})
    uid = user["id"]
    assert "displayName" not in user
    bridge.patch(uid, [{"op": "replace", "path": "active", "value": False}])  # warm: own id
    bridge.reset_calls()
    answer = bridge.patch(uid, [{"op": "replace", "path": "active", "value": True}])
    assert answer.status_code == 200
    assert bridge.calls() == [SEARCH, NICKS, ("PUT", "/User/:id")]
    assert real_glpi.api.get("User", uid)["nickname"] in (None, "")  # not frozen by a PATCH
    bridge.patch(uid, [{"op": "replace", "path": "displayName", "value": "Pat & <Ch>"}])
    assert real_glpi.api.get("User", uid)["nickname"] in ("Pat & <Ch>", "Pat &#38; &#60;Ch&#62;")
    assert bridge.get(f"/Users/{uid}").json["displayName"] == "Pat & <Ch>"
    assert bridge.find(login)[0]["displayName"] == "Pat & <Ch>"
    bridge.patch(uid, [{"op": "remove", "path": "displayName"}])
    assert "displayName" not in bridge.get(f"/Users/{uid}").json


def test_a_user_purged_between_the_search_and_the_nickname_read(real_glpi, bridge):
    """GLPI answers getMultipleItems with 404 for the whole call: the others are still read."""
    kept = bridge.create(unique_name("rl-dn-kept"), displayName="Kept")
    gone = bridge.create(unique_name("rl-dn-gone"), displayName="Gone")
    real_glpi.api.purge("User", gone["id"])
    rows = [{"2": int(kept["id"])}, {"2": int(gone["id"])}]
    bridge.reset_calls()
    nicknames.fill(bridge.glpi, rows)
    assert [r["nickname"] for r in rows] == ["Kept", ""]
    assert bridge.calls() == [NICKS, NICKS, NICKS]  # both, then each half
