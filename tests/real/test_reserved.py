"""GLPI's own accounts are kept out of SCIM on a real GLPI (issue 15 §2), 10.0.12 and 11.0.6.

The shared GLPI holds many users of other runs, which come and go while
this runs: counts are compared with the database around the listing, and
retried when another helper changed the users in between.
"""

from __future__ import annotations

from tests.real.bridge import unique_name

RESERVED = ("glpi", "glpi-system", "normal", "post-only", "tech")

#: Live users holding a profile in the root entity or below, as the tenant's scope says.
_IN_SCOPE_SQL = (
    "SELECT COUNT(DISTINCT u.id) FROM glpi_users u "
    "JOIN glpi_profiles_users pu ON pu.users_id = u.id "
    "WHERE u.is_deleted = 0 AND u.name NOT IN ({}) AND u.id <> %s"
)


def _api_id(bridge) -> int:
    return int(bridge.api.json("GET", "/getFullSession")["session"]["glpiID"])


def _in_scope(real_glpi, api_id: int) -> int:
    query = _IN_SCOPE_SQL.format(", ".join(["%s"] * len(RESERVED)))
    return int(real_glpi.sql(query, (*RESERVED, api_id))[0][0])


def _every_page(bridge, count: int = 200) -> tuple[list[dict], set[int]]:
    users: list[dict] = []
    totals: set[int] = set()
    start = 1
    while True:
        page = bridge.get("/Users", query_string={"count": count, "startIndex": start}).json
        totals.add(page["totalResults"])
        users += page["Resources"]
        if not page["Resources"] or start + count > page["totalResults"]:
            return users, totals
        start += count


def test_no_page_lists_a_reserved_account_and_the_count_is_exact(real_glpi, bridge):
    api_id = _api_id(bridge)
    for _ in range(5):
        before = _in_scope(real_glpi, api_id)
        users, totals = _every_page(bridge)
        after = _in_scope(real_glpi, api_id)
        names = {u["userName"].casefold() for u in users}
        ids = {u["id"] for u in users}
        assert not names & set(RESERVED)
        assert str(api_id) not in ids
        if before == after and totals == {before}:
            assert len(ids) == len(users) == before
            return
    raise AssertionError(f"other runs kept changing GLPI's users: {before}, {totals}, {after}")


def test_reserved_accounts_are_404_unmatched_and_409_on_create(real_glpi, bridge):
    rows = real_glpi.api.rows("User", name="tech")
    assert rows, "the kit holds GLPI's stock account tech"
    assert bridge.get(f"/Users/{rows[0]['id']}").status_code == 404
    assert bridge.get(f"/Users/{_api_id(bridge)}").status_code == 404
    assert bridge.find("tech") == [] and bridge.find("GLPI") == []
    answer = bridge.get("/Users", query_string={"filter": 'userName sw "post-on"'})
    assert answer.json["totalResults"] == 0
    for login in ("tech", "Glpi"):
        answer = bridge.post({"userName": login})
        assert answer.status_code == 409, answer.json
        assert answer.json["scimType"] == "uniqueness"
        assert repr(login) in answer.json["detail"]
    assert "reserved GLPI account" in answer.json["detail"] or "bridge itself" in answer.json["detail"]
    answer = bridge.post({"userName": "Téch"})  # GLPI's unique key ignores accents
    assert answer.status_code == 409, answer.json
    assert "'tech' is a reserved GLPI account" in answer.json["detail"]
    assert bridge.patch(str(rows[0]["id"]), [{"op": "replace", "path": "active", "value": False}]
                        ).status_code == 404
    assert real_glpi.api.get("User", rows[0]["id"])["is_active"] == 1


def test_a_filter_and_a_page_cost_one_call_each(real_glpi, bridge):
    login = unique_name("scim-reserved")
    user = bridge.create(login, name={"givenName": "Res", "familyName": "Erved"},
                         emails=[{"value": f"{login}@example.com", "primary": True}])
    bridge.find(login)
    for query in ({"filter": f'userName eq "{login}"'}, {"count": 1, "startIndex": 1}):
        bridge.reset_calls()
        answer = bridge.get("/Users", query_string=query)
        assert answer.status_code == 200
        assert bridge.calls() == [("GET", "/search/User")], query
    found = bridge.find(login)
    assert [u["id"] for u in found] == [user["id"]]
    assert found[0]["name"]["givenName"] == "Res"
    assert found[0]["emails"][0]["value"] == f"{login}@example.com"


def test_reserved_profiles_hide_their_holders_even_with_another_profile(real_glpi, real_bridge):
    """GLPI's ``AND NOT`` on option 20 keeps a user holding another profile: ids are used."""
    bridge = real_bridge(reserved={"logins": [], "profiles": ["Technician"]})
    login = unique_name("scim-reserved")
    user = bridge.create(login)
    technician = real_glpi.api.rows("Profile", name="Technician")[0]["id"]
    real_glpi.api.json("POST", "/Profile_User", json={"input": {
        "users_id": int(user["id"]), "profiles_id": technician, "entities_id": 0,
        "is_recursive": 0}})
    fresh = real_bridge(reserved={"logins": [], "profiles": ["Technician"]})
    assert fresh.get(f"/Users/{user['id']}").status_code == 404
    assert fresh.find(login) == []
    assert fresh.find("tech") == []
    assert [u["userName"] for u in fresh.find("normal")] == ["normal"]
    answer = fresh.post({"userName": login})
    assert answer.status_code == 409 and "technician" in answer.json["detail"].casefold()
