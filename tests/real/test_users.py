"""SCIM Users against a real GLPI 10.0.12 and 11.0.6, each step read back from GLPI itself.

GLPI's state is read through its own API (``real_glpi.api``, a session of its
own) and, for password hashes, MariaDB (``real_glpi.sql``). Every login is
unique per run (``unique_name``) and the bridge purges what it created.
"""

from __future__ import annotations

import pytest

from tests.real.bridge import ENTERPRISE
from tests.real.bridge import USER_SCHEMA
from tests.real.bridge import unique_name

SELF_SERVICE = 1  # GLPI's stock profile ids are the same in 10.0.12 and 11.0.6


def _row(real, user_id) -> dict:
    row = real.api.get("User", user_id)
    assert row is not None, f"GLPI has no User {user_id}"
    return row


def _emails(real, user_id) -> dict[str, int]:
    return {r["email"]: r["is_default"] for r in real.api.rows("UserEmail", users_id=user_id)}


def _profiles(real, user_id) -> list[tuple]:
    return sorted(
        (r["profiles_id"], r["entities_id"], r["is_dynamic"])
        for r in real.api.rows("Profile_User", users_id=user_id)
    )


def _password_hash(real, user_id) -> str:
    return real.sql("SELECT password FROM glpi_users WHERE id = %s", (int(user_id),))[0][0]


def _without_times(resource: dict) -> dict:
    meta = {k: v for k, v in resource["meta"].items() if k not in ("created", "lastModified")}
    return {**resource, "meta": meta}


def test_create_lands_every_mapped_attribute_and_reads_back(real_glpi, bridge):
    boss = bridge.create(unique_name("rl-boss"))
    login, external, title = unique_name("rl.Jane"), unique_name("ext"), unique_name("rl-Title")
    answer = bridge.post(
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "userName": login,
            "name": {"givenName": "Jane", "familyName": "Doe & <Sons>"},
            "displayName": "JD",
            "externalId": external,
            "title": title,
            "preferredLanguage": "fr-FR",
            "password": "Secr3t-Passw0rd!",
            "phoneNumbers": [
                {"value": "+33 1", "type": "work"},
                {"value": "+33 2", "type": "mobile"},
                {"value": "+33 3", "type": "fax"},
            ],
            "emails": [
                {"value": f"{login}@example.org", "primary": True, "type": "work"},
                {"value": f"{login}@other.example.org"},
            ],
            ENTERPRISE: {"employeeNumber": "E-7", "manager": {"value": boss["id"]}},
        }
    )
    assert answer.status_code == 201, answer.json
    uid = int(answer.json["id"])
    row = _row(real_glpi, uid)
    assert (row["name"], row["firstname"], row["nickname"]) == (login, "Jane", "JD")
    # GLPI 10 stores < > & encoded, 11 as sent; the bridge reads both back as sent.
    assert row["realname"] in ("Doe & <Sons>", "Doe &#38; &#60;Sons&#62;")
    assert (row["sync_field"], row["registration_number"], row["language"]) == (
        external, "E-7", "fr_FR"
    )
    assert (row["phone"], row["mobile"], row["phone2"]) == ("+33 1", "+33 2", "+33 3")
    assert (row["authtype"], row["is_active"], row["is_deleted"]) == (1, 1, 0)
    assert row["users_id_supervisor"] == int(boss["id"])
    titles = real_glpi.api.rows("UserTitle", name=title)
    assert [t["id"] for t in titles] == [row["usertitles_id"]]
    assert _emails(real_glpi, uid) == {
        f"{login}@example.org": 1,
        f"{login}@other.example.org": 0,
    }
    assert _profiles(real_glpi, uid) == [(SELF_SERVICE, 0, 0)]
    assert _password_hash(real_glpi, uid).startswith("$2y$")
    assert "password" not in answer.json

    got = bridge.get(f"/Users/{uid}")
    assert got.status_code == 200
    assert _without_times(got.json) == _without_times(answer.json)
    # A create is not read back, but for date_mod (GLPI sets it anew when it adds the
    # e-mails): GLPI keeps the dates it sent, taken on GLPI's clock, so the answer's are GLPI's.
    for stamp in ("created", "lastModified"):
        assert got.json["meta"][stamp] == answer.json["meta"][stamp], stamp
    assert got.json["name"]["familyName"] == "Doe & <Sons>"
    assert got.json["title"] == title and got.json["preferredLanguage"] == "fr-FR"
    assert got.json[ENTERPRISE]["employeeNumber"] == "E-7"
    assert got.json[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert {p["type"]: p["value"] for p in got.json["phoneNumbers"]} == {
        "work": "+33 1", "mobile": "+33 2", "fax": "+33 3"
    }
    assert [u["id"] for u in bridge.find(login.upper())] == [str(uid)]
    by_external = bridge.get("/Users", query_string={"filter": f'externalId eq "{external}"'})
    assert [u["id"] for u in by_external.json["Resources"]] == [str(uid)]


def test_filter_never_trusts_glpi_like(real_glpi, bridge):
    """``_`` is a LIKE wildcard in GLPI's search: ``a_b`` must not find ``aXb``."""
    base = unique_name("rl")
    exact, lookalike = f"{base}_x", f"{base}Yx"
    bridge.create(exact)
    bridge.create(lookalike)
    assert [u["userName"] for u in bridge.find(exact)] == [exact]
    assert bridge.find(f"{base}_") == []
    starts = bridge.get("/Users", query_string={"filter": f'userName sw "{base}_"'})
    assert [u["userName"] for u in starts.json["Resources"]] == [exact]
    none = bridge.get("/Users", query_string={"filter": f'userName eq "{unique_name("rl-no")}"'})
    assert none.status_code == 200 and none.json["totalResults"] == 0


def test_duplicate_login_in_another_case_is_409(real_glpi, bridge):
    login = unique_name("rl.dup")
    bridge.create(login)
    answer = bridge.post({"userName": login.upper()})
    assert answer.status_code == 409 and answer.json["scimType"] == "uniqueness"
    assert len(real_glpi.api.rows("User", name=login)) == 1


def test_entra_patch_dialect(real_glpi, bridge):
    """Microsoft's shapes: ``Replace``, ``"False"``, path-less replace with dotted keys,
    remove with a value; GLPI's row after each."""
    boss = bridge.create(unique_name("rl-boss"))
    login = unique_name("rl.entra")
    user = bridge.create(
        login,
        name={"givenName": "Given", "familyName": "Family"},
        emails=[{"value": f"{login}@example.org", "primary": True, "type": "work"}],
    )
    uid = user["id"]

    def patch(*ops):
        answer = bridge.patch(uid, list(ops))
        assert answer.status_code == 200, answer.json
        return answer.json

    got = patch(
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": f"{login}@new.org"},
        {"op": "Replace", "path": "name.familyName", "value": "Updated"},
    )
    assert got["name"]["familyName"] == "Updated"
    assert _emails(real_glpi, uid) == {f"{login}@new.org": 1}
    assert _row(real_glpi, uid)["realname"] == "Updated"

    assert patch({"op": "Replace", "path": "active", "value": "False"})["active"] is False
    assert _row(real_glpi, uid)["is_active"] == 0
    assert patch({"op": "Replace", "path": "active", "value": "True"})["active"] is True
    assert _row(real_glpi, uid)["is_active"] == 1

    patch(
        {
            "op": "replace",
            "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                f"{ENTERPRISE}:employeeNumber": "Aklq",
            },
        }
    )
    row = _row(real_glpi, uid)
    assert (row["firstname"], row["realname"], row["nickname"]) == ("Kkom", "Unua", "Bjfe")
    assert row["registration_number"] == "Aklq"

    patch({"op": "Add", "path": "manager", "value": [{"$ref": None, "value": boss["id"]}]})
    assert _row(real_glpi, uid)["users_id_supervisor"] == int(boss["id"])
    patch({"op": "Remove", "path": f"{ENTERPRISE}:manager", "value": [{"value": boss["id"]}]})
    assert _row(real_glpi, uid)["users_id_supervisor"] == 0

    patch({"op": "Add", "path": "emails", "value": [{"value": f"{login}@second.org"}]})
    assert _emails(real_glpi, uid) == {f"{login}@new.org": 1, f"{login}@second.org": 0}
    patch({"op": "Remove", "path": "emails", "value": [{"value": f"{login}@second.org"}]})
    assert _emails(real_glpi, uid) == {f"{login}@new.org": 1}

    renamed = unique_name("rl.renamed")
    assert patch({"op": "Replace", "path": "userName", "value": renamed})["userName"] == renamed
    assert _row(real_glpi, uid)["name"] == renamed
    assert bridge.get(f"/Users/{uid}").json["userName"] == renamed


def test_okta_dialect_put_and_pathless_patch(real_glpi, bridge):
    login = unique_name("rl.okta") + "@example.com"
    created = bridge.request(
        "POST",
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": login,
            "name": {"givenName": "Okta", "familyName": "User"},
            "emails": [{"primary": True, "value": login, "type": "work"}],
            "displayName": "Okta User",
            "locale": "en-US",
            "externalId": unique_name("00u"),
            "groups": [],
            "password": "Plac3holder!pw",
            "active": True,
        },
    )
    assert created.status_code == 201, created.json
    uid = created.json["id"]
    assert _row(real_glpi, uid)["language"] == "en_US"
    first_hash = _password_hash(real_glpi, uid)
    assert first_hash.startswith("$2y$")

    current = bridge.get(f"/Users/{uid}").json
    current["name"]["familyName"] = "Renamed"
    current["emails"] = [{"primary": True, "value": "changed." + login, "type": "work"}]
    answer = bridge.request("PUT", f"/Users/{uid}", current)
    assert answer.status_code == 200, answer.json
    assert _row(real_glpi, uid)["realname"] == "Renamed"
    assert _emails(real_glpi, uid) == {"changed." + login: 1}

    current = bridge.get(f"/Users/{uid}").json
    current["active"] = False
    answer = bridge.request("PUT", f"/Users/{uid}", current)
    assert answer.status_code == 200 and answer.json["active"] is False
    row = _row(real_glpi, uid)
    assert (row["is_active"], row["realname"], row["firstname"]) == (0, "Renamed", "Okta")

    answer = bridge.patch(uid, [{"op": "replace", "value": {"active": True}}])
    assert answer.status_code == 200 and answer.json["active"] is True
    assert _row(real_glpi, uid)["is_active"] == 1
    answer = bridge.patch(uid, [{"op": "replace", "value": {"active": False}}])
    assert answer.status_code == 200 and answer.json["active"] is False
    assert _row(real_glpi, uid)["is_active"] == 0

    answer = bridge.patch(uid, [{"op": "replace", "value": {"password": "N3w-Secret-pw!"}}])
    assert answer.status_code == 200 and "password" not in answer.json
    second_hash = _password_hash(real_glpi, uid)
    assert second_hash.startswith("$2y$") and second_hash != first_hash


@pytest.mark.parametrize("policy", ["trash", "purge", "deactivate"])
def test_delete_under_each_deprovisioning_policy(real_glpi, real_bridge, policy):
    bridge = real_bridge(deprovisioning=policy)
    login = unique_name(f"rl.{policy}")
    user = bridge.create(login, emails=[{"value": f"{login}@example.org", "primary": True}])
    uid = int(user["id"])
    assert bridge.delete(user["id"]).status_code == 204
    row = real_glpi.api.get("User", uid)
    if policy == "purge":
        assert row is None
        assert real_glpi.api.rows("UserEmail", users_id=uid) == []
        assert real_glpi.api.rows("Profile_User", users_id=uid) == []
        assert bridge.get(f"/Users/{uid}").status_code == 404
    elif policy == "trash":
        assert (row["is_deleted"], row["is_active"]) == (1, 1)
        assert bridge.get(f"/Users/{uid}").status_code == 404
        assert bridge.find(login) == []
    else:
        assert (row["is_deleted"], row["is_active"]) == (0, 0)
        got = bridge.get(f"/Users/{uid}")
        assert got.status_code == 200 and got.json["active"] is False
        assert _profiles(real_glpi, uid) == [(SELF_SERVICE, 0, 0)]
    assert bridge.delete(user["id"]).status_code == (204 if policy == "deactivate" else 404)


def test_trashed_user_is_restored_and_updated(real_glpi, bridge):
    login = unique_name("rl.trash")
    user = bridge.create(
        login, name={"givenName": "Old"}, emails=[{"value": f"old.{login}@example.org"}]
    )
    bridge.patch(user["id"], [{"op": "replace", "path": "active", "value": False}])
    assert bridge.delete(user["id"]).status_code == 204
    assert _row(real_glpi, user["id"])["is_deleted"] == 1
    answer = bridge.post(
        {
            "userName": login,
            "name": {"givenName": "New"},
            "emails": [{"value": f"new.{login}@example.org", "primary": True}],
        }
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] == user["id"]
    row = _row(real_glpi, user["id"])
    assert (row["is_deleted"], row["is_active"], row["firstname"]) == (0, 1, "New")
    assert _emails(real_glpi, user["id"]) == {f"new.{login}@example.org": 1}
    assert _profiles(real_glpi, user["id"]) == [(SELF_SERVICE, 0, 0)]
    assert len(real_glpi.api.rows("User", name=login)) == 1


@pytest.mark.parametrize("first_password", [True, False], ids=["local-then-sso", "sso-then-local"])
def test_a_trashed_user_is_restored_whatever_authtype_the_create_would_give(
    real_glpi, bridge, first_password
):
    """GLPI's unique key is (name, authtype, auths_id): a user trashed while local (authtype 1,
    created with a password) did not stop GLPI from creating an external one (authtype 4) with
    the same login, so re-provisioning it without a password made a second GLPI user. The
    trash is now looked up before the create: the user is restored, with the authtype the
    create would give (GLPI blanks the password of a user moved off local authentication)."""
    login = unique_name("rl.keep")
    first = {"password": "Fir5t-Secret!pass"} if first_password else {}
    user = bridge.create(login, **first)
    assert bridge.delete(user["id"]).status_code == 204
    again = {"name": {"familyName": "Back"}}
    if not first_password:
        again["password"] = "An0ther-Secret!pw"
    bridge.reset_calls()
    answer = bridge.post({"userName": login, **again})
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] == user["id"]
    assert ("POST", "/User/") not in bridge.calls()
    rows = real_glpi.api.rows("User", name=login)
    assert [r["id"] for r in rows] == [int(user["id"])]
    row = _row(real_glpi, user["id"])
    assert (row["is_deleted"], row["is_active"], row["realname"]) == (0, 1, "Back")
    if first_password:
        assert row["authtype"] == 4 and _password_hash(real_glpi, user["id"]) in ("", None, "NULL")
    else:
        assert row["authtype"] == 1 and _password_hash(real_glpi, user["id"]).startswith("$2y$")
    assert [u["id"] for u in bridge.find(login)] == [user["id"]]


def test_trashed_user_reprovisioned_with_a_new_password(real_glpi, bridge):
    login = unique_name("rl.newpw")
    user = bridge.create(login, password="Fir5t-Secret!pass")
    before = _password_hash(real_glpi, user["id"])
    assert bridge.delete(user["id"]).status_code == 204
    answer = bridge.post({"userName": login, "password": "An0ther-Secret!pw"})
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] == user["id"]
    after = _password_hash(real_glpi, user["id"])
    assert after.startswith("$2y$") and after != before
    assert _row(real_glpi, user["id"])["is_deleted"] == 0


def test_trashed_user_reprovisioned_with_the_same_password(real_glpi, bridge):
    """The IdP sends the password GLPI already holds: the user is restored, 201."""
    login = unique_name("rl.samepw")
    user = bridge.create(login, password="Fir5t-Secret!pass")
    assert bridge.delete(user["id"]).status_code == 204
    answer = bridge.post({"userName": login, "password": "Fir5t-Secret!pass"})
    assert answer.status_code == 201, answer.json
    assert answer.json["id"] == user["id"]
    assert _row(real_glpi, user["id"])["is_deleted"] == 0


def test_a_password_glpi_refuses_is_never_a_5xx(real_glpi, bridge):
    """Okta pushes the password the user already has: GLPI 11 refuses it; the IdP gets 200
    (nothing to change) or a 400 ``invalidValue`` with GLPI's reason, never a 5xx."""
    user = bridge.create(unique_name("rl.samepush"), password="Fir5t-Secret!pass")
    before = _password_hash(real_glpi, user["id"])
    answer = bridge.patch(user["id"], [{"op": "replace", "value": {"password":
                                                                   "Fir5t-Secret!pass"}}])
    assert answer.status_code in (200, 400), answer.json
    if answer.status_code == 400:
        assert answer.json["scimType"] == "invalidValue"
        assert "recently" in answer.json["detail"]
    assert _password_hash(real_glpi, user["id"]) == before or real_glpi.major == "10"
