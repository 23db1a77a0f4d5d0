"""The standalone simulator process (``glpi-scim-bridge simulator``) and dropdown items."""

from __future__ import annotations

import subprocess
import sys

import requests

from tests.simulator.helpers import Glpi

_SCRIPT = (
    "from app.simulator.server import run_simulator; "
    "run_simulator(port=0, version='11', app_token='app-tok', user_token='user-tok')"
)


def test_run_simulator_prints_url_and_tokens_and_serves() -> None:
    process = subprocess.Popen([sys.executable, "-c", _SCRIPT], stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline().strip() for _ in range(3)]
        assert lines[0].startswith("GLPI simulator (version 11) at http://127.0.0.1:")
        assert lines[1] == "App-Token: app-tok"
        assert lines[2] == "user_token: user-tok"
        url = lines[0].rsplit(" ", 1)[1]
        answer = requests.get(
            f"{url}/initSession",
            timeout=5,
            headers={"App-Token": "app-tok", "Authorization": "user_token user-tok"},
        )
        assert answer.status_code == 200
        assert "session_token" in answer.json()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_dropdowns_create_and_lookup(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    title = glpi.post("UserTitle", {"input": {"name": "Engineer"}})
    assert title.status_code == 201
    found = glpi.get("UserTitle", **{"searchText[name]": "^Engineer$"}).json()
    assert [row["id"] for row in found] == [title.json()["id"]]
    assert glpi.get("UserCategory", **{"searchText[name]": "^Staff$"}).json() == []
    uid = glpi.post("User", {"input": {"name": "titled", "usertitles_id": title.json()["id"]}})
    body = glpi.search("User", [(1, "contains", "^titled$")], forcedisplay=(81,)).json()
    assert body["data"][0]["81"] == "Engineer"
    assert uid.status_code == 201


def test_unknown_itemtype_and_missing_tokens(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    assert glpi.get("NotAnItemtype/1").json()[0] == "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM"
    bare = requests.get(f"{glpi_sim.url}/User/2", timeout=5)
    assert bare.json()[0] == "ERROR_APP_TOKEN_PARAMETERS_MISSING"
    no_session = requests.get(
        f"{glpi_sim.url}/User/2", headers={"App-Token": glpi_sim.app_token}, timeout=5
    )
    assert no_session.json()[0] == "ERROR_SESSION_TOKEN_MISSING"
    wrong_user = requests.get(
        f"{glpi_sim.url}/initSession",
        timeout=5,
        headers={"App-Token": glpi_sim.app_token, "Authorization": "user_token nope"},
    )
    assert (wrong_user.status_code, wrong_user.json()[0]) == (401, "ERROR_GLPI_LOGIN_USER_TOKEN")


def test_basic_login_and_kill_session(glpi_sim) -> None:
    answer = requests.get(
        f"{glpi_sim.url}/initSession",
        auth=("glpi", "glpi"),
        timeout=5,
        headers={"App-Token": glpi_sim.app_token},
    )
    token = answer.json()["session_token"]
    headers = {"App-Token": glpi_sim.app_token, "Session-Token": token}
    assert requests.get(f"{glpi_sim.url}/killSession", headers=headers, timeout=5).json() is True
    again = requests.get(f"{glpi_sim.url}/killSession", headers=headers, timeout=5)
    assert again.status_code == 401
    bad = requests.get(
        f"{glpi_sim.url}/initSession",
        auth=("glpi", "wrong"),
        timeout=5,
        headers={"App-Token": glpi_sim.app_token},
    )
    assert bad.json() == ["ERROR_GLPI_LOGIN", "Incorrect username or password"]


def test_seeded_password_allows_login(glpi_sim) -> None:
    glpi_sim.sim.seed_user(name="seeded.login", password="S3cret!x", _profile=4, _recursive=1)
    answer = requests.get(
        f"{glpi_sim.url}/initSession",
        auth=("seeded.login", "S3cret!x"),
        headers={"App-Token": glpi_sim.app_token},
        timeout=5,
    )
    assert answer.status_code == 200
    assert "session_token" in answer.json()
