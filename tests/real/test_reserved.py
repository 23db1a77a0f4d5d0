"""GLPI's own accounts are kept out of SCIM on a real GLPI (issue 15 §2), 10.0.12 and 11.0.6.

The shared GLPI holds many users of other runs, which come and go while
this runs: counts are compared with the database around the listing, and
retried when another helper changed the users in between.
"""

from __future__ import annotations

from tests.call_counts import NICKNAMES
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



def test_the_first_page_starts_after_glpis_own_accounts(real_glpi, bridge):
    """Pages sort by id: GLPI's own accounts (ids 2 to 6) would come first if listed."""
    api_id = _api_id(bridge)
    for _ in range(2):  # the GLPI may hold no other user: the page must show some
        bridge.create(unique_name("scim-reserved-page"))
    page = bridge.get("/Users", query_string={"count": 50, "startIndex": 1}).json
    assert len(page["Resources"]) == min(50, page["totalResults"]) >= 2
    assert not {u["userName"].casefold() for u in page["Resources"]} & set(RESERVED)
    assert str(api_id) not in {u["id"] for u in page["Resources"]}
    stock = {row["id"] for name in RESERVED for row in real_glpi.api.rows("User", name=name)}
    assert min(int(u["id"]) for u in page["Resources"]) > max(stock)


def test_the_total_counts_every_user_but_glpis_own(real_glpi, bridge):
    """totalResults is GLPI's count without them (others may add users meanwhile: bracketed)."""
    api_id = _api_id(bridge)
    for _ in range(10):
        before = _in_scope(real_glpi, api_id)
        page = bridge.get("/Users", query_string={"count": 1, "startIndex": 1}).json
        after = _in_scope(real_glpi, api_id)
        if before == after:
            assert page["totalResults"] == before
            return
    assert min(before, after) <= page["totalResults"] <= max(before, after)


def test_paging_a_filter_that_names_them_counts_only_the_others(real_glpi, bridge):
    """An exact filter GLPI pages itself: the AND NOT group keeps ``totalcount`` right."""
    prefix = unique_name("scim-reserved")
    made = [bridge.create(f"{prefix}-{i}")["id"] for i in range(3)]
    names = " or ".join(f'userName eq "{login}"' for login in RESERVED)
    query = f'userName sw "{prefix}" or {names}'
    seen = []
    for start in (1, 2, 3, 4):
        page = bridge.get(
            "/Users", query_string={"filter": query, "count": 1, "startIndex": start}
        ).json
        assert page["totalResults"] == 3
        seen += [u["id"] for u in page["Resources"]]
    assert seen == made


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
    detail = answer.json["detail"]
    assert "reserved GLPI account" in detail or "bridge itself" in detail
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
        # the search, and the nickname read of the users it answers (displayName)
        assert bridge.calls() == [("GET", "/search/User"), NICKNAMES], query
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
