"""SCIM Users over the GLPI simulator (10 and 11): what lands in GLPI, scope, uniqueness, errors."""

from __future__ import annotations

import pytest

from tests.backend.users_app import ENTERPRISE
from tests.backend.users_app import UserBridge
from tests.backend.users_app import glpi_calls

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def bridge(glpi_sim):
    return UserBridge(glpi_sim)


def _user_row(bridge: UserBridge, user_id) -> dict:
    return bridge.glpi_row("User", id=int(user_id))[0]


def test_create_lands_every_mapped_field(bridge):
    user = bridge.create(
        "jane.doe",
        name={"givenName": "Jane", "familyName": "Doe"},
        displayName="JD",
        externalId="ext-42",
        title="Engineer",
        preferredLanguage="fr-FR",
        phoneNumbers=[
            {"value": "+1 1", "type": "work"},
            {"value": "+1 2", "type": "mobile"},
            {"value": "+1 3", "type": "fax"},
        ],
        **{
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            ENTERPRISE: {"employeeNumber": "E-7"},
        },
    )
    row = _user_row(bridge, user["id"])
    assert (row["firstname"], row["realname"], row["nickname"]) == ("Jane", "Doe", "JD")
    assert (row["sync_field"], row["registration_number"], row["language"]) == (
        "ext-42",
        "E-7",
        "fr_FR",
    )
    assert (row["phone"], row["mobile"], row["phone2"]) == ("+1 1", "+1 2", "+1 3")
    assert (row["authtype"], row["is_active"], row["is_deleted"]) == (4, 1, 0)
    title = bridge.glpi_row("UserTitle", name="Engineer")
    assert len(title) == 1 and row["usertitles_id"] == title[0]["id"]
    got = bridge.get(f"/Users/{user['id']}").json
    assert got["title"] == "Engineer" and got["preferredLanguage"] == "fr-FR"
    assert got[ENTERPRISE]["employeeNumber"] == "E-7"
    assert got["externalId"] == "ext-42"
    assert bridge.find("JANE.DOE")[0]["id"] == user["id"]


def test_password_is_sent_with_password2_and_stored_hashed(bridge):
    user = bridge.create("with.password", password="Secr3t-Passw0rd")
    row = _user_row(bridge, user["id"])
    assert row["authtype"] == 1
    assert row["password"] and row["password"] != "Secr3t-Passw0rd"
    assert "password" not in user


@pytest.mark.parametrize("login", ["DOMAIN\\jdoe", "a/b", "a#b", "a:b", "x" * 256, " padded"])
def test_refused_logins_are_400_before_any_glpi_call(bridge, login):
    bridge.find("warm")
    bridge.sim.reset_calls()
    answer = bridge.post({"userName": login})
    assert answer.status_code == 400
    assert answer.json["scimType"] == "invalidValue"
    assert glpi_calls(bridge.sim) == []


def test_duplicate_login_case_insensitive_is_409(bridge):
    bridge.create("dup.user")
    answer = bridge.post({"userName": "DUP.User"})
    assert answer.status_code == 409
    assert answer.json["scimType"] == "uniqueness"
    assert len(bridge.glpi_row("User", name="dup.user")) == 1


def test_trashed_login_is_restored_and_updated(bridge):
    user = bridge.create("trash.me", name={"givenName": "Old"}, emails=[{"value": "old@x.org"}])
    bridge.patch(user["id"], [{"op": "replace", "path": "active", "value": False}])
    assert bridge.delete(user["id"]).status_code == 204
    assert _user_row(bridge, user["id"])["is_deleted"] == 1
    assert bridge.get(f"/Users/{user['id']}").status_code == 404
    answer = bridge.post(
        {
            "userName": "trash.me",
            "name": {"givenName": "New"},
            "emails": [{"value": "new@x.org", "primary": True}],
        }
    )
    assert answer.status_code == 201
    assert answer.json["id"] == user["id"]
    row = _user_row(bridge, user["id"])
    assert (row["is_deleted"], row["is_active"], row["firstname"]) == (0, 1, "New")
    assert [r["email"] for r in bridge.glpi_row("UserEmail", users_id=int(user["id"]))] == [
        "new@x.org"
    ]


@pytest.mark.parametrize("first_password", [True, False], ids=["local-then-sso", "sso-then-local"])
def test_a_trashed_login_is_restored_whatever_the_authtype_of_the_create(bridge, first_password):
    """GLPI's unique key is (name, authtype, auths_id): a user trashed with one authtype did
    not stop GLPI from adding the login again with the other, and the bridge made a second
    user (issue 13). The trash is looked up before the create; the restore gives the
    create's authtype, and GLPI blanks the password of a user moved off local login."""
    first = {"password": "Fir5t-Secret!pass"} if first_password else {}
    user = bridge.create("trash.auth", **first)
    assert bridge.delete(user["id"]).status_code == 204
    again = {} if first_password else {"password": "An0ther-Secret!pw"}
    bridge.reset_calls()
    answer = bridge.post({"userName": "trash.auth", "name": {"familyName": "Back"}, **again})
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] == user["id"]
    assert [r["id"] for r in bridge.glpi_row("User", name="trash.auth")] == [int(user["id"])]
    assert ("POST", "/User/") not in bridge.calls()
    row = _user_row(bridge, user["id"])
    assert (row["is_deleted"], row["is_active"], row["realname"]) == (0, 1, "Back")
    if first_password:
        assert (row["authtype"], row["password"]) == (4, "")
    else:
        assert row["authtype"] == 1 and row["password"].startswith("$2y$")


def test_a_login_trashed_in_another_tenant_is_409_and_creates_nothing(glpi_sim):
    child = glpi_sim.sim.insert("Entity", {"id": None, "name": "Child", "entities_id": 0,
                                           "completename": "Root entity > Child", "level": 2})
    elsewhere = UserBridge(glpi_sim)
    user = elsewhere.create("trash.other", password="Fir5t-Secret!pass")
    assert elsewhere.delete(user["id"]).status_code == 204
    bridge = UserBridge(glpi_sim, entity={"id": child, "recursive": True})
    answer = bridge.post({"userName": "trash.other"})
    assert answer.status_code == 409 and "outside this tenant" in answer.json["detail"]
    assert len(bridge.glpi_row("User", name="trash.other")) == 1


def test_trashed_login_without_restore_is_409(glpi_sim):
    bridge = UserBridge(glpi_sim, users={"restore_trashed": False})
    user = bridge.create("trash.kept")
    bridge.delete(user["id"])
    answer = bridge.post({"userName": "trash.kept"})
    assert answer.status_code == 409
    assert "trash" in answer.json["detail"]


def test_login_outside_the_tenant_scope(glpi_sim):
    child = glpi_sim.sim.insert(
        "Entity",
        {
            "id": None,
            "name": "Child",
            "entities_id": 0,
            "completename": "Root entity > Child",
            "level": 2,
        },
    )
    outsider = glpi_sim.sim.seed_user(name="outsider", _entity=0)
    bridge = UserBridge(glpi_sim, entity={"id": child, "recursive": True})
    assert bridge.find("outsider") == []
    assert bridge.get(f"/Users/{outsider}").status_code == 404
    answer = bridge.post({"userName": "outsider"})
    assert answer.status_code == 409
    assert "outside this tenant" in answer.json["detail"]
    inside = bridge.create("insider")
    assert bridge.glpi_row("Profile_User", users_id=int(inside["id"]))[0]["entities_id"] == child
    assert bridge.delete(str(outsider)).status_code == 404


def test_pre_existing_user_is_adopted_by_username(bridge):
    uid = bridge.sim.seed_user(name="ldap.user", realname="Ldap", _emails=["l@x.org"])
    found = bridge.find("ldap.user")
    assert [u["id"] for u in found] == [str(uid)]
    assert found[0]["emails"][0]["value"] == "l@x.org"
    answer = bridge.patch(str(uid), [{"op": "replace", "path": "name.givenName", "value": "Lou"}])
    assert answer.status_code == 200
    assert _user_row(bridge, uid)["firstname"] == "Lou"


def test_protected_accounts_are_403(glpi_sim):
    bridge = UserBridge(
        glpi_sim,
        protected={"logins": ["normal"], "profiles": ["Technician"]},
        reserved={"logins": []},
    )
    assert bridge.delete("2").status_code == 404  # glpi, the bridge's own account: never seen
    for login in ("normal", "tech"):
        user = bridge.find(login)[0]
        answer = bridge.patch(user["id"], [{"op": "replace", "path": "active", "value": False}])
        assert answer.status_code == 403, login
        assert bridge.delete(user["id"]).status_code == 403
        assert _user_row(bridge, user["id"])["is_active"] == 1


def test_filter_values_with_like_wildcards_match_exactly(bridge):
    for login in ("a%b@x.org", "axxb@x.org", "u_v", "uxv"):
        bridge.create(login)
    assert [u["userName"] for u in bridge.find("a%b@x.org")] == ["a%b@x.org"]
    assert [u["userName"] for u in bridge.find("u_v")] == ["u_v"]
    answer = bridge.get("/Users", query_string={"filter": 'userName co "%"'})
    assert [u["userName"] for u in answer.json["Resources"]] == ["a%b@x.org"]
    assert answer.json["totalResults"] == 1


def test_html_characters_round_trip(bridge):
    user = bridge.create("html.user", name={"familyName": "R&D <Team>", "givenName": 'O\'Neil "Q"'})
    row = _user_row(bridge, user["id"])
    stored = "R&#38;D &#60;Team&#62;" if bridge.sim.version == "10" else "R&D <Team>"
    assert row["realname"] == stored
    assert bridge.get(f"/Users/{user['id']}").json["name"]["familyName"] == "R&D <Team>"
    answer = bridge.get("/Users", query_string={"filter": 'name.familyName eq "R&D <Team>"'})
    assert [u["id"] for u in answer.json["Resources"]] == [user["id"]]


def test_caches_never_resurrect_nor_hide_users(bridge):
    user = bridge.create("gone.user")
    assert bridge.get(f"/Users/{user['id']}").status_code == 200
    with bridge.sim.lock:
        del bridge.sim.tables["User"][int(user["id"])]
    assert bridge.get(f"/Users/{user['id']}").status_code == 404
    assert bridge.find("gone.user") == []
    assert bridge.delete(user["id"]).status_code == 404
    uid = bridge.sim.seed_user(name="new.in.glpi")
    assert bridge.get(f"/Users/{uid}").status_code == 200


def test_put_diffs_emails_and_writes_only_changes(bridge):
    user = bridge.create(
        "mail.user", emails=[{"value": "a@x.org", "primary": True}, {"value": "b@x.org"}]
    )
    answer = bridge.put(
        user["id"],
        {
            "userName": "mail.user",
            "emails": [{"value": "b@x.org", "primary": True}, {"value": "c@x.org"}],
        },
    )
    assert answer.status_code == 200
    rows = {
        r["email"]: r["is_default"] for r in bridge.glpi_row("UserEmail", users_id=int(user["id"]))
    }
    assert rows == {"b@x.org": 1, "c@x.org": 0}
    bridge.sim.reset_calls()
    assert (
        bridge.put(
            user["id"],
            {
                "userName": "mail.user",
                "emails": [{"value": "b@x.org", "primary": True}, {"value": "c@x.org"}],
            },
        ).status_code
        == 200
    )
    assert [c for c in glpi_calls(bridge.sim) if c[0] != "GET"] == []


def test_refused_rename_is_409(bridge):
    bridge.create("first.name")
    second = bridge.create("second.name")
    answer = bridge.patch(
        second["id"], [{"op": "replace", "path": "userName", "value": "FIRST.name"}]
    )
    assert answer.status_code == 409
    assert _user_row(bridge, second["id"])["name"] == "second.name"


@pytest.mark.parametrize(
    ("policy", "gone", "active"), [("purge", True, None), ("deactivate", False, 0)]
)
def test_deprovisioning_policies(glpi_sim, policy, gone, active):
    bridge = UserBridge(glpi_sim, deprovisioning=policy)
    user = bridge.create(f"deprov.{policy}")
    assert bridge.delete(user["id"]).status_code == 204
    rows = bridge.glpi_row("User", id=int(user["id"]))
    assert (rows == []) is gone
    if not gone:
        assert rows[0]["is_active"] == active
        assert bridge.get(f"/Users/{user['id']}").json["active"] is False
    else:
        assert bridge.get(f"/Users/{user['id']}").status_code == 404


def test_manager_reference(bridge):
    boss = bridge.create("the.boss")
    user = bridge.create("the.report", **{ENTERPRISE: {"manager": {"value": boss["id"]}}})
    assert _user_row(bridge, user["id"])["users_id_supervisor"] == int(boss["id"])
    assert bridge.get(f"/Users/{user['id']}").json[ENTERPRISE]["manager"]["value"] == boss["id"]
    answer = bridge.post({"userName": "bad.report", ENTERPRISE: {"manager": {"value": "99999"}}})
    assert answer.status_code == 400


def test_untranslatable_filter_scans_under_the_limit_else_400(glpi_sim):
    bridge = UserBridge(glpi_sim)
    bridge.create("scan.me", displayName="Scanned")
    answer = bridge.get("/Users", query_string={"filter": 'nickName eq "x"'})
    assert answer.status_code == 200 and answer.json["totalResults"] == 0
    limited = UserBridge(glpi_sim, users={"filter_scan_limit": 0})
    answer = limited.get("/Users", query_string={"filter": 'nickName eq "x"'})
    assert answer.status_code == 400
    assert answer.json["scimType"] == "invalidFilter"


def test_glpi_down_is_503_never_404(bridge):
    user = bridge.create("down.user")
    bridge.sim.faults.refuse_connections = True
    try:
        answer = bridge.get(f"/Users/{user['id']}")
    finally:
        bridge.sim.faults.refuse_connections = False
    assert answer.status_code == 503
    assert answer.headers.get("Retry-After")


def test_switching_the_primary_email_reads_back_and_keeps_the_version(bridge):
    user = bridge.create(
        "prim.user", emails=[{"value": "a@x.org", "primary": True}, {"value": "b@x.org"}]
    )
    answer = bridge.patch(
        user["id"],
        [
            {
                "op": "replace",
                "path": "emails",
                "value": [{"value": "a@x.org"}, {"value": "b@x.org", "primary": True}],
            }
        ],
    )
    assert answer.status_code == 200
    rows = {
        r["email"]: r["is_default"] for r in bridge.glpi_row("UserEmail", users_id=int(user["id"]))
    }
    assert rows == {"a@x.org": 0, "b@x.org": 1}
    read = bridge.get(f"/Users/{user['id']}").json
    assert [e["value"] for e in read["emails"] if e.get("primary")] == ["b@x.org"]
    assert read["meta"]["version"] == answer.json["meta"]["version"]


def test_created_user_reads_back_as_answered(bridge):
    created = bridge.create(
        "same.user",
        name={"givenName": "S", "familyName": "U"},
        title="Chief",
        emails=[{"value": "s@x.org"}],
        phoneNumbers=[{"value": "1"}],
    )
    read = bridge.get(f"/Users/{created['id']}").json
    assert read["active"] is True
    for key in ("userName", "name", "emails", "phoneNumbers", "title", "active"):
        assert read[key] == created[key], key
    assert read["meta"]["version"] == created["meta"]["version"]


def test_paging_and_sorting_follow_glpi_search_options(bridge):
    for login, family in (("p.c", "Alpha"), ("p.a", "Charlie"), ("p.b", "Bravo")):
        bridge.create(login, name={"familyName": family})
    query = {"filter": 'userName sw "p."', "sortBy": "name.familyName", "count": 2}
    first = bridge.get("/Users", query_string={**query, "startIndex": 1}).json
    second = bridge.get("/Users", query_string={**query, "startIndex": 3}).json
    assert first["totalResults"] == second["totalResults"] == 3
    assert [u["userName"] for u in first["Resources"]] == ["p.c", "p.b"]
    assert [u["userName"] for u in second["Resources"]] == ["p.a"]
    down = bridge.get("/Users", query_string={**query, "sortOrder": "descending"}).json
    assert [u["userName"] for u in down["Resources"]] == ["p.a", "p.b"]
    counted = bridge.get("/Users", query_string={"filter": 'userName sw "p."', "count": 0}).json
    assert counted["totalResults"] == 3 and counted.get("Resources", []) == []


def test_department_in_user_category_when_configured(glpi_sim):
    bridge = UserBridge(glpi_sim, mapping={"user": {"department": "UserCategory"}})
    user = bridge.create("dept.user", **{ENTERPRISE: {"department": "Sales"}})
    category = bridge.glpi_row("UserCategory", name="Sales")
    assert len(category) == 1
    assert _user_row(bridge, user["id"])["usercategories_id"] == category[0]["id"]
    assert bridge.get(f"/Users/{user['id']}").json[ENTERPRISE]["department"] == "Sales"


def test_a_cached_title_id_is_verified_when_used(bridge):
    first = bridge.create("title.one", title="Architect")
    title_id = _user_row(bridge, first["id"])["usertitles_id"]
    with bridge.sim.lock:
        del bridge.sim.tables["UserTitle"][title_id]
    second = bridge.create("title.two", title="Architect")
    new_id = _user_row(bridge, second["id"])["usertitles_id"]
    assert new_id != title_id
    assert [t["id"] for t in bridge.glpi_row("UserTitle", name="Architect")] == [new_id]
    assert bridge.get(f"/Users/{second['id']}").json["title"] == "Architect"


def test_entra_fax_number_round_trips_and_patches_by_its_filter(glpi_sim):
    """Entra's default mapping sends facsimileTelephoneNumber as phoneNumbers[type eq "fax"]."""
    from tests.backend.users_app import UserBridge

    bridge = UserBridge(glpi_sim)
    user = bridge.create("fax.user", phoneNumbers=[{"value": "+33 1", "type": "fax"}])
    assert user["phoneNumbers"] == [{"value": "+33 1", "type": "fax"}]
    answer = bridge.patch(
        user["id"],
        [{"op": "Replace", "path": 'phoneNumbers[type eq "fax"].value', "value": "+33 2"}],
    )
    assert answer.status_code == 200, answer.json
    assert [r["phone2"] for r in bridge.glpi_row("User", id=int(user["id"]))] == ["+33 2"]
