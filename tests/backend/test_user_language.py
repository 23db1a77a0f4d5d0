"""``preferredLanguage`` over a GLPI that stores its default language as NULL (issue 13).

GLPI 10.0.12 and 11.0.6 store a user's language equal to ``$CFG_GLPI['language']`` as
NULL on update (the simulator models it: ``app.simulator.items.stored_language``). The
bridge reads NULL as that default, read from ``getGlpiConfig`` once per cache lifetime,
and a filter on the default language matches those users.
"""

from __future__ import annotations

import pytest

from tests.backend import users_app
from tests.backend.users_app import UserBridge
from tests.backend.users_app import bridge_config

pytestmark = pytest.mark.glpi_versions("10", "11")

CONFIG = ("GET", "/getGlpiConfig")


@pytest.fixture
def bridge(glpi_sim):
    return UserBridge(glpi_sim)


def _language(bridge: UserBridge, user_id) -> object:
    return bridge.glpi_row("User", id=int(user_id))[0]["language"]


def _set(bridge: UserBridge, user_id, value: str):
    return bridge.patch(user_id, [{"op": "replace", "path": "preferredLanguage", "value": value}])


def test_the_default_language_written_reads_back_though_glpi_stores_null(bridge):
    user = bridge.create("lang.default", preferredLanguage="fr-FR")
    answer = _set(bridge, user["id"], "en-GB")
    assert answer.status_code == 200 and answer.json["preferredLanguage"] == "en-GB"
    assert _language(bridge, user["id"]) is None
    read = bridge.get(f"/Users/{user['id']}")
    assert read.json["preferredLanguage"] == "en-GB"
    # the write's answer and the read describe the same representation
    assert read.headers["ETag"] == answer.headers["ETag"]


def test_a_user_never_given_a_language_reads_glpis_default(bridge):
    user = bridge.create("lang.none")
    assert _language(bridge, user["id"]) is None
    assert user["preferredLanguage"] == "en-GB"
    assert bridge.get(f"/Users/{user['id']}").json["preferredLanguage"] == "en-GB"


def test_null_is_whatever_glpis_configuration_says(bridge):
    bridge.sim.default_language = "fr_FR"
    user = bridge.create("lang.fr.default")
    assert bridge.get(f"/Users/{user['id']}").json["preferredLanguage"] == "fr-FR"
    assert _set(bridge, user["id"], "de-DE").json["preferredLanguage"] == "de-DE"
    assert _set(bridge, user["id"], "fr-FR").status_code == 200
    assert _language(bridge, user["id"]) is None
    assert bridge.get(f"/Users/{user['id']}").json["preferredLanguage"] == "fr-FR"


def test_a_removed_language_reads_back_absent(bridge):
    user = bridge.create("lang.removed", preferredLanguage="de-DE")
    removed = bridge.patch(user["id"], [{"op": "remove", "path": "preferredLanguage"}])
    assert removed.status_code == 200 and "preferredLanguage" not in removed.json
    assert _language(bridge, user["id"]) == ""
    read = bridge.get(f"/Users/{user['id']}")
    assert "preferredLanguage" not in read.json
    assert read.headers["ETag"] == removed.headers["ETag"]


def test_removing_the_default_language_glpi_holds_as_null_answers_what_glpi_keeps(bridge):
    """GLPI's update compares with PHP's ``!=``: ``""`` does not replace NULL. The answer
    says what GLPI holds, and nothing is written."""
    user = bridge.create("lang.keep")
    bridge.reset_calls()
    removed = bridge.patch(user["id"], [{"op": "remove", "path": "preferredLanguage"}])
    assert removed.status_code == 200 and removed.json["preferredLanguage"] == "en-GB"
    assert not [c for c in bridge.calls() if c[0] == "PUT"]
    assert bridge.get(f"/Users/{user['id']}").json["preferredLanguage"] == "en-GB"


def test_a_write_of_another_attribute_leaves_a_null_language_alone(bridge):
    user = bridge.create("lang.other")
    bridge.reset_calls()
    answer = bridge.patch(user["id"], [{"op": "replace", "path": "title", "value": "Chef"}])
    assert answer.status_code == 200
    puts = [c for c in bridge.sim.calls if c.method == "PUT"]
    assert puts and all("language" not in str(c) for c in puts)
    assert _language(bridge, user["id"]) is None
    put = bridge.put(user["id"], {"userName": "lang.other", "preferredLanguage": "en-GB"})
    assert put.status_code == 200 and _language(bridge, user["id"]) is None


def test_a_filter_on_the_default_language_matches_the_users_glpi_holds_as_null(bridge):
    null = bridge.create("lang.f.null", preferredLanguage="fr-FR")
    _set(bridge, null["id"], "en-GB")
    literal = bridge.create("lang.f.literal", preferredLanguage="en-GB")  # a create keeps it
    never = bridge.create("lang.f.never")
    other = bridge.create("lang.f.fr", preferredLanguage="fr-FR")
    removed = bridge.create("lang.f.removed", preferredLanguage="fr-FR")
    bridge.patch(removed["id"], [{"op": "remove", "path": "preferredLanguage"}])
    assert _language(bridge, literal["id"]) == "en_GB"
    assert _language(bridge, removed["id"]) == ""
    expression = 'preferredLanguage eq "en-GB" and userName sw "lang.f."'
    found = bridge.get("/Users", query_string={"filter": expression, "count": 2})
    assert found.status_code == 200
    assert found.json["totalResults"] == 3  # GLPI counts: the criteria are exact
    page2 = bridge.get("/Users", query_string={"filter": expression, "startIndex": 3})
    ids = {u["id"] for u in found.json["Resources"] + page2.json["Resources"]}
    assert ids == {null["id"], literal["id"], never["id"]}
    french = bridge.get("/Users", query_string={
        "filter": 'preferredLanguage eq "fr-FR" and userName sw "lang.f."'})
    assert [u["id"] for u in french.json["Resources"]] == [other["id"]]
    absent = bridge.get("/Users", query_string={
        "filter": 'not (preferredLanguage pr) and userName sw "lang.f."'})
    assert [u["id"] for u in absent.json["Resources"]] == [removed["id"]]


def test_glpis_configuration_is_read_once_per_cache_lifetime(bridge):
    bridge.create("lang.cfg.a")
    bridge.create("lang.cfg.b")
    bridge.reset_calls()
    assert bridge.get("/Users", query_string={"filter": 'userName sw "lang.cfg."'}).json[
        "totalResults"] == 2
    assert bridge.get("/Users", query_string={
        "filter": 'preferredLanguage eq "en-GB"'}).status_code == 200
    assert CONFIG not in bridge.calls()
    bridge.storage.caches.ids_by_name.clear()
    bridge.reset_calls()
    bridge.get("/Users", query_string={"filter": 'userName sw "lang.cfg."'})
    bridge.get("/Users", query_string={"filter": 'userName sw "lang.cfg."'})
    assert bridge.calls().count(CONFIG) == 1


def test_a_user_with_its_own_language_needs_no_configuration(bridge):
    user = bridge.create("lang.own", preferredLanguage="fr-FR")
    bridge.storage.caches.ids_by_name.clear()
    bridge.reset_calls()
    assert bridge.get(f"/Users/{user['id']}").json["preferredLanguage"] == "fr-FR"
    assert CONFIG not in bridge.calls()


def test_the_version_detections_read_of_the_configuration_is_reused(glpi_sim, monkeypatch):
    def auto_version(running, top=None, **tenant):
        config = bridge_config(running, top, **tenant)
        config["tenants"][0]["glpi"]["version"] = "auto"
        return config

    monkeypatch.setattr(users_app, "bridge_config", auto_version)
    bridge = UserBridge(glpi_sim)
    bridge.reset_calls()
    assert bridge.create("lang.auto")["preferredLanguage"] == "en-GB"
    assert bridge.calls().count(CONFIG) == 1
