"""displayName reads back what was written, on the real GLPI 10.0.12 and 11.0.6 (issue 15 §3).

Every read is checked: by id, by filter, in a page (unfiltered, and paged by
GLPI through an exact filter), with the GLPI calls each took. ``nickname``
(the default) has no search option in either version, so it is read with
``getMultipleItems``; ``comment`` is searchable; ``null`` derives it.
"""

from __future__ import annotations

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
    """In a tenant of its own (an entity), so that the unfiltered page holds this user
    only: on the lane's fresh kit, the whole GLPI's newest users are the ones other tests
    create and purge meanwhile (GLPI 11.0.6 answers 500 to a search whose user is purged
    under it)."""
    override, column, expected = MODES[mode]
    with real_glpi.api.entity(unique_name(f"rl-dn-{mode}")) as entity:
        bridge = real_bridge(mapping={"user": override}, entity={"id": entity})
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

        # An unfiltered page: the tenant's only user.
        bridge.reset_calls()
        page = bridge.get("/Users", query_string={"count": 100, "sortBy": "id",
                                                  "sortOrder": "descending",
                                                  "attributes": "userName,displayName"}).json
        assert [(u["id"], u["displayName"]) for u in page["Resources"]] == [(uid, expected)]
        assert bridge.calls() == [SEARCH, *nick]

        bridge.reset_calls()
        assert bridge.find(unique_name("rl-dn-miss")) == []
        assert bridge.calls() == [SEARCH]  # a miss never costs the nickname read
        bridge.close()  # its user goes before the entity does


def test_a_page_of_100_is_one_search_and_two_nickname_reads(real_glpi, real_bridge):
    """A page of 60 users, in a tenant of its own: one search, then their nicknames in
    reads of 50. Not the oldest users of the whole GLPI: on the lane's freshly installed
    kit those are the users other tests create and purge meanwhile (and GLPI 11.0.6
    answers 500 to a search whose user is purged under it)."""
    prefix = unique_name("rl-dn-page")
    with real_glpi.api.entity(prefix) as entity:
        made = real_glpi.api.json("POST", "/User/", json={"input": [
            {"name": f"{prefix}-{i:02d}", "nickname": f"Nick {i}", "_profiles_id": 1,
             "_entities_id": entity, "_is_recursive": 0} for i in range(60)]})
        ids = [int(item["id"]) for item in made]
        try:
            bridge = real_bridge(entity={"id": entity})
            bridge.get("/Users", query_string={"count": 1})  # warm: session, entity tree
            # and GLPI's configuration, read once per cache lifetime for the users on
            # GLPI's default language (stored as NULL, read as that language)
            bridge.storage.stores["User"].default_language()
            bridge.reset_calls()
            page = bridge.get("/Users", query_string={
                "count": 100, "startIndex": 1, "attributes": "userName,displayName"}).json
            assert page["totalResults"] == 60
            assert sorted((u["userName"], u["displayName"]) for u in page["Resources"]) == \
                sorted((f"{prefix}-{i:02d}", f"Nick {i}") for i in range(60))
            assert bridge.calls() == [SEARCH, NICKS, NICKS]
        finally:
            real_glpi.api.purge("User", *ids)


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
