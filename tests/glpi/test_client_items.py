"""Item calls over HTTP: 207 partial results, refused renames, GLPI's odd success shapes."""

from __future__ import annotations

import pytest

from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import parse_item_results
from app.glpi.client.errors import refused_updates
from app.glpi.client.items import GlpiClient
from app.glpi.client.items import flatten_params


@pytest.fixture
def client(glpi_sim):
    glpi = GlpiClient(
        glpi_sim.url,
        app_token=glpi_sim.app_token,
        user_token=glpi_sim.user_token,
        backoff_base=0.01,
    )
    yield glpi
    glpi.close()


def _user(glpi_sim, uid: int) -> dict:
    return next(r for r in glpi_sim.sim.rows("User") if r["id"] == uid)


def test_flatten_params_uses_php_brackets() -> None:
    criteria = [
        {"field": 1, "searchtype": "contains", "value": "^a$"},
        {"link": "AND", "criteria": [{"field": 8, "searchtype": "equals", "value": 1}]},
    ]
    assert flatten_params(criteria, "criteria", {}) == {
        "criteria[0][field]": "1",
        "criteria[0][searchtype]": "contains",
        "criteria[0][value]": "^a$",
        "criteria[1][link]": "AND",
        "criteria[1][criteria][0][field]": "8",
        "criteria[1][criteria][0][searchtype]": "equals",
        "criteria[1][criteria][0][value]": "1",
    }


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_partial_add_reports_each_item(glpi_sim, client: GlpiClient, glpi_version: str) -> None:
    client.add("User", {"name": "multi.taken"})
    with pytest.raises(GlpiPartialError) as caught:
        client.add("User", [{"name": "multi.one"}, {"name": "multi.taken"}, {"name": "multi.two"}])
    results = caught.value.results
    assert caught.value.status == 207 and caught.value.code == "ERROR_GLPI_PARTIAL_ADD"
    assert [r.ok for r in results] == [True, False, True]
    created = {
        r["name"]: r["id"] for r in glpi_sim.sim.rows("User") if r["name"].startswith("multi.")
    }
    assert [r.id for r in caught.value.succeeded] == [created["multi.one"], created["multi.two"]]


def test_full_success_of_a_list_add_returns_results(glpi_sim, client: GlpiClient) -> None:
    results = client.add("User", [{"name": "list.a"}, {"name": "list.b"}])
    assert [r.ok for r in results] == [True, True]
    assert {r.id for r in results} == {
        r["id"] for r in glpi_sim.sim.rows("User") if r["name"].startswith("list.")
    }


def test_partial_bulk_delete(glpi_sim, client: GlpiClient) -> None:
    first = client.add("User", {"name": "bulk.del.a"})
    with pytest.raises(GlpiPartialError) as caught:
        client.delete("User", [first, 999999], force_purge=True)
    assert [(r.id, r.ok) for r in caught.value.results] == [(first, True), (999999, False)]
    assert all(r["id"] != first for r in glpi_sim.sim.rows("User"))


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_a_refused_rename_is_a_200_with_a_message(
    glpi_sim, client: GlpiClient, glpi_version: str
) -> None:
    client.add("User", {"name": "rename.taken"})
    uid = client.add("User", {"name": "rename.me"})
    results = client.update("User", uid, {"name": "RENAME.TAKEN", "realname": "Applied"})
    assert [r.id for r in refused_updates(results)] == [uid]
    assert results[0].ok and "login" in results[0].message.lower()
    row = _user(glpi_sim, uid)
    assert (row["name"], row["realname"]) == ("rename.me", "Applied")


def test_an_accepted_update_has_no_refusal(client: GlpiClient) -> None:
    uid = client.add("User", {"name": "upd.ok"})
    assert refused_updates(client.update("User", uid, {"realname": "New"})) == []


def test_update_of_an_unknown_id_is_a_bad_request_by_code(client: GlpiClient) -> None:
    with pytest.raises(GlpiBadRequestError) as caught:
        client.update("User", 999999, {"realname": "x"})
    assert caught.value.code == "ERROR_GLPI_UPDATE"


def test_put_without_any_id_answers_a_list_holding_an_empty_list(client: GlpiClient) -> None:
    body = client.request("PUT", "/User/", json={"input": {"realname": "nobody"}})
    assert body == [[]]
    assert [r.ok for r in parse_item_results(body)] == [False]


def test_delete_of_a_missing_item_is_error_glpi_delete_and_get_tells_404(
    client: GlpiClient,
) -> None:
    uid = client.add("User", {"name": "gone.user"})
    client.delete("User", uid, force_purge=True)
    with pytest.raises(GlpiBadRequestError) as caught:
        client.delete("User", uid, force_purge=True)
    assert caught.value.code == "ERROR_GLPI_DELETE"
    with pytest.raises(GlpiNotFoundError):
        client.get_item("User", uid)


def test_delete_to_trash_then_list_trashed(client: GlpiClient) -> None:
    uid = client.add("User", {"name": "trash.me"})
    assert [r.ok for r in client.delete("User", uid)] == [True]
    assert client.get_item("User", uid)["is_deleted"] == 1
    assert [u["id"] for u in client.list_items("User", search_text={"name": "^trash.me$"})] == []
    trashed = client.list_items("User", search_text={"name": "^trash.me$"}, is_deleted=True)
    assert [u["id"] for u in trashed] == [uid]


@pytest.mark.parametrize("glpi_version", ["10", "11"])
def test_duplicate_membership_is_detected_in_both_shapes(
    glpi_sim, client: GlpiClient, glpi_version: str
) -> None:
    gid = client.add("Group", {"name": "dup.group"})
    client.add("Group_User", {"users_id": 2, "groups_id": gid})
    with pytest.raises(GlpiBadRequestError) as caught:
        client.add("Group_User", {"users_id": 2, "groups_id": gid})
    assert caught.value.code == "ERROR_GLPI_ADD" and caught.value.is_duplicate


def test_search_without_hits_has_no_data_key(client: GlpiClient) -> None:
    body = client.request(
        "GET",
        "/search/User",
        params={
            "criteria[0][field]": "1",
            "criteria[0][searchtype]": "contains",
            "criteria[0][value]": "^nobody$",
        },
    )
    assert "data" not in body
    assert client.search(
        "User", [{"field": 1, "searchtype": "contains", "value": "^nobody$"}], [2]
    ) == (0, [])


def test_search_pages_and_a_page_past_the_end(client: GlpiClient) -> None:
    for index in range(3):
        client.add("User", {"name": f"page.user{index}"})
    criteria = [{"field": 1, "searchtype": "contains", "value": "^page.user"}]
    total, rows = client.search("User", criteria, [1, 2], range=(0, 1), sort=1, order="ASC")
    assert (total, [r["1"] for r in rows]) == (3, ["page.user0", "page.user1"])
    assert client.search("User", criteria, [2], range=(10, 19)) == (3, [])


def test_list_items_past_the_end_is_empty(client: GlpiClient) -> None:
    assert client.list_items("User", range=(5000, 5010)) == []


def test_subitems_of_a_missing_parent_are_not_found(client: GlpiClient) -> None:
    with pytest.raises(GlpiNotFoundError):
        client.get_subitems("User", 999999, "UserEmail")


def test_session_getters(client: GlpiClient) -> None:
    assert client.get_active_profile()["name"] == "Super-Admin"
    assert {"id": 0} in client.get_active_entities()["active_entities"]
    assert client.get_my_profiles()[0]["name"] == "Super-Admin"
    assert client.get_full_session()["glpiname"] == "glpi"
    assert client.get_glpi_config()["version"].startswith(client.version)
    assert client.list_search_options("User")["1"]["field"] == "name"


def test_ping_proves_reachability_and_session(glpi_sim, client: GlpiClient) -> None:
    assert client.ping() == {"glpi_version": "10.0.12", "profile": "Super-Admin"}
    glpi_sim.sim.invalidate_sessions()
    assert client.ping()["profile"] == "Super-Admin"
    glpi_sim.stop()
    with pytest.raises(GlpiError):
        client.ping()


def test_search_in_the_trash_only(glpi_sim, client: GlpiClient) -> None:
    uid = client.add("User", {"name": "search.trash"})
    criteria = [{"field": 1, "searchtype": "contains", "value": "^search.trash$"}]
    client.delete("User", uid)
    assert client.search("User", criteria, [2]) == (0, [])
    assert client.search("User", criteria, [2], is_deleted=True) == (
        1,
        [{"1": "search.trash", "2": uid}],
    )
    assert any(
        c.query.endswith("is_deleted=1") or "is_deleted=1&" in c.query for c in glpi_sim.sim.calls
    )
