"""Write semantics of the simulator that a bridge relies on (both versions)."""

from __future__ import annotations

import pytest

from tests.simulator.helpers import Glpi

pytestmark = pytest.mark.glpi_versions("10", "11")


@pytest.fixture
def glpi(glpi_sim):
    return Glpi(glpi_sim)


def test_create_answers_201_with_location(glpi, glpi_version: str) -> None:
    answer = glpi.post("User", {"input": {"name": "a.user", "realname": "R", "firstname": "F"}})
    assert answer.status_code == 201
    assert answer.json()["message"] == "Item successfully added: R F"
    prefix = "/api.php/v1/User/" if glpi_version == "11" else "/apirest.php/User/"
    assert answer.headers["location"].endswith(prefix + str(answer.json()["id"]))


def test_partial_array_add_is_207(glpi) -> None:
    answer = glpi.post("User", {"input": [{"name": "b.one"}, {"name": "glpi"}]})
    assert answer.status_code == 207
    code, results = answer.json()
    assert code == "ERROR_GLPI_PARTIAL_ADD"
    assert results[1] == {"id": False, "message": "Unable to add. The user already exists."}


def test_duplicate_login_is_case_insensitive(glpi) -> None:
    assert glpi.post("User", {"input": {"name": "GLPI"}}).json() == [
        "ERROR_GLPI_ADD",
        "Unable to add. The user already exists.",
    ]


@pytest.mark.parametrize(
    "login", ["DOMAIN\\jdoe", "a/b", "a#b", "a%b", "a&b", "a<b>", "a,b", "a:b", ""]
)
def test_invalid_logins_are_refused(glpi, login: str) -> None:
    assert glpi.post("User", {"input": {"name": login}}).json() == [
        "ERROR_GLPI_ADD",
        "The login is not valid. Unable to add the user.",
    ]


def test_password_without_password2_is_stored_clear(glpi, glpi_sim) -> None:
    uid = glpi.post("User", {"input": {"name": "pw.only", "password": "Clear1!pw"}}).json()["id"]
    uid2 = glpi.post(
        "User", {"input": {"name": "pw.both", "password": "Clear1!pw", "password2": "Clear1!pw"}}
    ).json()["id"]
    rows = {row["id"]: row for row in glpi_sim.sim.rows("User")}
    assert rows[uid]["password"] == "Clear1!pw"
    assert rows[uid2]["password"].startswith("$2y$")


def test_default_profile_and_explicit_profile(glpi, glpi_sim) -> None:
    plain = glpi.post("User", {"input": {"name": "p.default", "entities_id": 1}}).json()["id"]
    chosen = glpi.post(
        "User",
        {"input": {"name": "p.chosen", "_profiles_id": 6, "_entities_id": 0, "_is_recursive": 1}},
    ).json()["id"]
    rows = glpi.get(f"User/{plain}/Profile_User").json()
    assert [
        (
            r["profiles_id"],
            r["entities_id"],
            r["is_recursive"],
            r["is_dynamic"],
            r["is_default_profile"],
        )
        for r in rows
    ] == [(1, 0, 0, 1, 1)]
    rows = glpi.get(f"User/{chosen}/Profile_User").json()
    assert [(r["profiles_id"], r["is_recursive"], r["is_dynamic"]) for r in rows] == [(6, 1, 0)]


def test_refused_rename_is_200_with_message(glpi) -> None:
    uid = glpi.post("User", {"input": {"name": "r.one"}}).json()["id"]
    answer = glpi.put(f"User/{uid}", {"input": {"name": "glpi"}})
    assert answer.status_code == 200
    assert answer.json() == [
        {str(uid): True, "message": "Unable to update login. A user already exists."}
    ]
    assert glpi.get(f"User/{uid}").json()["name"] == "r.one"


def test_update_unknown_id_and_bulk(glpi) -> None:
    assert glpi.put("User/999999", {"input": {"realname": "x"}}).json() == [
        "ERROR_GLPI_UPDATE",
        None,
    ]
    uid = glpi.post("User", {"input": {"name": "u.bulk"}}).json()["id"]
    answer = glpi.put(
        "User", {"input": [{"id": uid, "realname": "x"}, {"id": 999999, "realname": "y"}]}
    )
    assert answer.status_code == 207
    assert answer.json() == ["ERROR_GLPI_PARTIAL_UPDATE", [{str(uid): True, "message": ""}]]


def test_delete_trash_then_purge_cascades(glpi, glpi_sim) -> None:
    uid = glpi.post("User", {"input": {"name": "d.user", "_useremails": ["d@example.com"]}}).json()[
        "id"
    ]
    gid = glpi.post("Group", {"input": {"name": "d.group"}}).json()["id"]
    glpi.post("Group_User", {"input": {"users_id": uid, "groups_id": gid}})
    assert glpi.delete(f"User/{uid}").json() == [{str(uid): True, "message": ""}]
    assert glpi.get(f"User/{uid}").json()["is_deleted"] == 1
    assert glpi.delete(f"User/{uid}", force_purge="true").status_code == 200
    assert glpi.get(f"User/{uid}").status_code == 404
    assert [r for r in glpi_sim.sim.rows("Group_User") if r["users_id"] == uid] == []
    assert glpi.delete(f"User/{uid}").json() == ["ERROR_GLPI_DELETE", "Item not found"]


def test_protected_accounts_cannot_be_deleted(glpi) -> None:
    for uid in (2, 6):
        assert glpi.delete(f"User/{uid}").json() == [
            "ERROR_GLPI_DELETE",
            "You don't have permission to perform this action.",
        ]


def test_group_user_rules(glpi, glpi_version: str) -> None:
    uid = glpi.post("User", {"input": {"name": "g.member"}}).json()["id"]
    gid = glpi.post("Group", {"input": {"name": "g.team"}}).json()["id"]
    assert (
        glpi.post("Group_User", {"input": {"users_id": uid, "groups_id": gid}}).status_code == 201
    )
    duplicate = glpi.post("Group_User", {"input": {"users_id": uid, "groups_id": gid}}).json()
    assert duplicate[0] == "ERROR_GLPI_ADD" and f"Duplicate entry '{uid}-{gid}'" in duplicate[1]
    assert duplicate[1].startswith("MySQL query error") == (glpi_version == "11")
    answer = glpi.delete("Group_User", {"input": {"users_id": uid, "groups_id": gid}})
    assert (answer.status_code, answer.json()) == (200, [])
    assert len(glpi.get(f"Group/{gid}/Group_User").json()) == 1
    assert glpi.get(f"User/{uid}/Group").json() == []


def test_useremail_rules(glpi) -> None:
    uid = glpi.post("User", {"input": {"name": "e.user"}}).json()["id"]
    first = glpi.post("UserEmail", {"input": {"users_id": uid, "email": "one@example.com"}}).json()[
        "id"
    ]
    second = glpi.post(
        "UserEmail", {"input": {"users_id": uid, "email": "two@example.com"}}
    ).json()["id"]
    assert glpi.post("UserEmail", {"input": {"users_id": uid, "email": "bad"}}).json() == [
        "ERROR_GLPI_ADD",
        "",
    ]
    assert glpi.put(f"UserEmail/{second}", {"input": {"is_default": 1}}).json() == [
        "ERROR_GLPI_UPDATE",
        "",
    ]
    glpi.delete(f"UserEmail/{first}")
    assert glpi.get(f"UserEmail/{second}").json()["is_default"] == 1


def test_too_long_values(glpi, glpi_version: str) -> None:
    answer = glpi.post("User", {"input": {"name": "l." + "a" * 300}})
    if glpi_version == "11":
        assert answer.status_code == 400
        assert "Data too long for column 'name'" in answer.json()[1]
    else:
        assert answer.status_code == 201
        assert len(glpi.get(f"User/{answer.json()['id']}").json()["name"]) == 255


def test_body_parsing_errors(glpi) -> None:
    url = f"{glpi.url}/User"
    broken = glpi.http.post(url, data='{"input": {', headers={"Content-Type": "application/json"})
    assert broken.json() == ["ERROR_JSON_PAYLOAD_INVALID", "JSON payload seems not valid"]
    scim = glpi.http.post(
        url, data='{"input": {"name": "x"}}', headers={"Content-Type": "application/scim+json"}
    )
    assert scim.json()[0] == "ERROR_BAD_ARRAY"
    form = glpi.http.post(
        url,
        data="input[name]=f.user",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 201


def test_self_service_is_refused(glpi_sim) -> None:
    token = glpi_sim.sim.add_user_token("ss.api", profile=1, entity=0)
    limited = Glpi(glpi_sim, user_token=token)
    assert limited.get("User/2").json() == [
        "ERROR_RIGHT_MISSING",
        "You don't have permission to perform this action.",
    ]
    assert limited.get("search/User").status_code == 403
    assert limited.post("User", {"input": {"name": "nope"}}).json() == [
        "ERROR_GLPI_ADD",
        "You don't have permission to perform this action.",
    ]


def test_legacy_api_under_api_php_v1_only_on_11(glpi_sim, glpi_version: str) -> None:
    import requests

    url = glpi_sim.url.replace("/apirest.php", "/api.php/v1") + "/initSession"
    answer = requests.get(
        url,
        headers={
            "App-Token": glpi_sim.app_token,
            "Authorization": f"user_token {glpi_sim.user_token}",
        },
        timeout=5,
    )
    assert answer.status_code == (200 if glpi_version == "11" else 404)


def test_get_user_zero(glpi, glpi_version: str) -> None:
    answer = glpi.get("User/0")
    if glpi_version == "11":
        assert answer.json() == ["ERROR_ITEM_NOT_FOUND", "Item not found"]
    else:
        assert [row["name"] for row in answer.json()][:2] == ["glpi", "post-only"]


def test_list_content_range_quirk(glpi) -> None:
    for index in range(25):
        glpi.post("User", {"input": {"name": f"list.{index:02d}"}})
    answer = glpi.get("User")
    total = len(glpi.get("User", range="0-999").json())
    assert answer.status_code == 206
    assert len(answer.json()) == 20
    assert answer.headers["Content-Range"] == f"0-20/{total}"
    assert glpi.get("User", range="1000-1010").json()[0] == "ERROR_RANGE_EXCEED_TOTAL"


def test_user_list_total_counts_authorizations(glpi) -> None:
    uid = glpi.post("User", {"input": {"name": "two.profiles"}}).json()["id"]
    before = glpi.get("User", range="0-999")
    users = len(before.json())
    assert before.headers["Content-Range"] == f"0-{users - 1}/{users}"
    glpi.post("Profile_User", {"input": {"users_id": uid, "profiles_id": 2, "entities_id": 0}})
    after = glpi.get("User", range="0-999")
    assert len(after.json()) == users
    assert after.status_code == 206
    assert after.headers["Content-Range"] == f"0-{users}/{users + 1}"
