"""What the stress tests rely on in the simulator: aimed faults, restarts, untouched rows."""

from __future__ import annotations

import pytest
import requests

from app.simulator.server import restart_simulator


def _session(running) -> dict:
    answer = requests.get(
        running.url + "/initSession",
        headers={
            "App-Token": running.app_token,
            "Authorization": f"user_token {running.user_token}",
        },
        timeout=5,
    )
    assert answer.status_code == 200
    return {"App-Token": running.app_token, "Session-Token": answer.json()["session_token"]}


def _post_group(running, headers: dict, name: str) -> requests.Response:
    return requests.post(
        running.url + "/Group/", json={"input": {"name": name}}, headers=headers, timeout=5
    )


def test_a_before_fault_answers_its_status_and_writes_nothing(glpi_sim) -> None:
    headers = _session(glpi_sim)
    glpi_sim.sim.fail_next("POST", "/Group/", status=503)
    assert _post_group(glpi_sim, headers, "lost").status_code == 503
    assert [g["name"] for g in glpi_sim.sim.rows("Group")] == []
    assert _post_group(glpi_sim, headers, "kept").status_code == 201
    assert [g["name"] for g in glpi_sim.sim.rows("Group")] == ["kept"]


def test_an_after_fault_lands_the_write_and_hides_the_answer(glpi_sim) -> None:
    headers = _session(glpi_sim)
    glpi_sim.sim.fail_next("POST", "/Group/", status=500, when="after")
    assert _post_group(glpi_sim, headers, "landed").status_code == 500
    assert [g["name"] for g in glpi_sim.sim.rows("Group")] == ["landed"]


def test_skip_and_times_choose_which_matching_calls_fail(glpi_sim) -> None:
    headers = _session(glpi_sim)
    glpi_sim.sim.fail_next("POST", "/Group/", status=502, skip=1, times=2)
    statuses = [_post_group(glpi_sim, headers, f"g{i}").status_code for i in range(4)]
    assert statuses == [201, 502, 502, 201]
    assert glpi_sim.sim.faults.rules == []


def test_a_late_answer_still_carries_the_real_result(glpi_sim) -> None:
    headers = _session(glpi_sim)
    glpi_sim.sim.fail_next("POST", "/Group/", status=None, when="after", delay_ms=300)
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            glpi_sim.url + "/Group/", json={"input": {"name": "slow"}}, headers=headers, timeout=0.1
        )
    assert [g["name"] for g in glpi_sim.sim.rows("Group")] == ["slow"]


def test_restart_keeps_the_data_and_drops_the_sessions(glpi_sim) -> None:
    headers = _session(glpi_sim)
    assert _post_group(glpi_sim, headers, "before restart").status_code == 201
    digest = glpi_sim.sim.state_digest()
    restarted = restart_simulator(glpi_sim)
    try:
        assert restarted.url == glpi_sim.url
        assert restarted.sim.state_digest() == digest
        stale = _post_group(restarted, headers, "stale session")
        assert stale.status_code == 401
        assert stale.json()[0] == "ERROR_SESSION_TOKEN_INVALID"
        assert _post_group(restarted, _session(restarted), "after").status_code == 201
    finally:
        glpi_sim.server, glpi_sim.thread = restarted.server, restarted.thread


def test_a_refused_rename_leaves_the_user_row_untouched(glpi_sim) -> None:
    """GLPI stamps ``date_mod`` only when a field changes (``CommonDBTM::update``)."""
    import time

    headers = _session(glpi_sim)
    before = [u for u in glpi_sim.sim.rows("User") if u["id"] == 5]
    time.sleep(1.05)
    answer = requests.put(
        glpi_sim.url + "/User/5", json={"input": {"name": "tech"}}, headers=headers, timeout=5
    )
    assert answer.json() == [
        {"5": True, "message": "Unable to update login. A user already exists."}
    ]
    assert [u for u in glpi_sim.sim.rows("User") if u["id"] == 5] == before
