"""Knobs of the simulator: latency, faults, session invalidation, call log, inspection."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.simulator.helpers import Glpi


def test_call_log_records_every_call_and_resets(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    glpi.get("User/2")
    glpi.get("User/999999")
    calls = glpi_sim.sim.calls
    assert [(c.method, c.path, c.status) for c in calls] == [
        ("GET", "/apirest.php/initSession", 200),
        ("GET", "/apirest.php/User/2", 200),
        ("GET", "/apirest.php/User/999999", 404),
    ]
    glpi_sim.sim.reset_calls()
    assert glpi_sim.sim.calls == []


def test_latency_is_added_to_every_call(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    glpi_sim.sim.latency_ms = 40
    glpi.get("User/2")
    assert glpi_sim.sim.calls[-1].duration_ms >= 40


@pytest.mark.parametrize("status", [500, 503])
def test_error_rate_one_fails_every_call_with_the_chosen_status(glpi_sim, status: int) -> None:
    glpi = Glpi(glpi_sim)
    glpi_sim.sim.faults.error_rate = 1.0
    glpi_sim.sim.faults.error_status = status
    assert glpi.get("User/2").status_code == status
    glpi_sim.sim.faults.error_rate = 0.0
    assert glpi.get("User/2").status_code == 200


def test_refused_connections_raise_connection_errors(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    glpi_sim.sim.faults.refuse_connections = True
    with pytest.raises(requests.ConnectionError):
        glpi.get("User/2")
    glpi_sim.sim.faults.refuse_connections = False
    assert Glpi(glpi_sim).get("User/2").status_code == 200


def test_invalidated_sessions_answer_session_token_invalid(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    glpi_sim.sim.invalidate_sessions()
    answer = glpi.get("User/2")
    assert answer.status_code == 401
    assert answer.json() == ["ERROR_SESSION_TOKEN_INVALID", "session_token seems invalid"]


def test_seeded_data_and_extra_api_accounts(glpi_sim) -> None:
    sim = glpi_sim.sim
    uid = sim.seed_user(name="seeded", realname="R&D", _emails=["s@example.com"])
    gid = sim.seed_group(name="Team")
    assert [row["email"] for row in sim.rows("UserEmail") if row["users_id"] == uid] == [
        "s@example.com"
    ]
    assert next(row for row in sim.rows("User") if row["id"] == uid)["realname"] == "R&#38;D"
    assert next(row for row in sim.rows("Group") if row["id"] == gid)["completename"] == "Team"
    token = sim.add_user_token("api-ss", profile=1, entity=0)
    selfservice = Glpi(glpi_sim, user_token=token)
    assert selfservice.get(f"User/{uid}").status_code == 403


def test_rows_are_copies(glpi_sim) -> None:
    row = glpi_sim.sim.rows("User")[0]
    row["name"] = "changed"
    assert glpi_sim.sim.rows("User")[0]["name"] == "glpi"


def test_state_digest_changes_only_on_writes(glpi_sim) -> None:
    glpi = Glpi(glpi_sim)
    glpi_sim.sim.tables["User"][2]["last_login"] = "2000-01-01 00:00:00"
    before = glpi_sim.sim.state_digest()
    raw_before = glpi_sim.sim.state_digest(ignore=())
    glpi.get("User")
    glpi.search("User", [(1, "contains", "glpi")])
    Glpi(glpi_sim)
    assert glpi_sim.sim.state_digest() == before
    assert glpi_sim.sim.state_digest(ignore=()) != raw_before
    glpi.post("User", {"input": {"name": "digest.user"}})
    assert glpi_sim.sim.state_digest() != before


def test_concurrent_creates_get_distinct_ids(glpi_sim) -> None:
    ids: list[int] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        glpi = Glpi(glpi_sim)
        for index in range(5):
            answer = glpi.post("User", {"input": {"name": f"thread{number}.{index}"}})
            with lock:
                ids.append(answer.json()["id"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(ids) == 80
    assert len(set(ids)) == 80


def test_big_search_results_follow_writes(glpi_sim) -> None:
    for index in range(2100):
        glpi_sim.sim.seed_user(name=f"bulk.{index:04d}")
    glpi = Glpi(glpi_sim)
    first = glpi.search("User", [(1, "contains", "bulk.")], range="2000-2099").json()
    assert first["totalcount"] == 2100
    assert first["data"][0]["1"] == "bulk.2000"
    glpi.post("User", {"input": {"name": "bulk.0000a"}})
    again = glpi.search("User", [(1, "contains", "bulk.")], range="0-1").json()
    assert again["totalcount"] == 2101
    assert [row["1"] for row in again["data"]] == ["bulk.0000", "bulk.0000a"]
