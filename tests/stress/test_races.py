"""Races under the real server: gunicorn with several workers, each with its threads.

The bridge is stateless, so what excludes a concurrent duplicate is either
GLPI itself or the shared lock of :mod:`app.ops.shared`:

* a login: GLPI refuses a duplicate (case-insensitively), whatever the
  number of workers or replicas: exactly one 201, the rest 409;
* a group name: GLPI accepts duplicates, so uniqueness comes from the
  name lock. With ``redis.url`` it spans every worker and replica: one
  group. Without Redis the lock is per process: one group per worker at
  most can be created by a perfectly timed race. The test states that
  bound and checks that every 201 is a real, distinct group (the bridge
  never claims a group it did not create, nor hides one); with a single
  worker (threads only) there is exactly one;
* a membership: GLPI's ``unicity`` key (user, group) refuses a duplicate
  row, and the bridge takes that refusal as "already a member";
* an add racing a remove of the same member ends as the last write GLPI
  applied, with never more than one row.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from app.simulator.server import start_simulator
from tests.ops.served import Served
from tests.stress.helpers import GROUP_SCHEMA
from tests.stress.helpers import PATCH_OP
from tests.stress.helpers import TOKEN
from tests.stress.helpers import USER_SCHEMA
from tests.stress.helpers import Glpi
from tests.stress.helpers import check_error
from tests.stress.helpers import heavy
from tests.stress.helpers import tenant_config

HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
PARALLEL = 12
ROUNDS = heavy(6, 40)


@pytest.fixture(scope="module")
def running():
    sim = start_simulator(version="10")
    try:
        yield sim
    finally:
        sim.stop()


def _serve(tmp: Path, running: Any, workers: int, redis: str | None = None) -> Served:
    raw: dict = {"tenants": [tenant_config(running)]}
    if redis:
        raw["redis"] = {"url": redis}
    return Served(tmp, raw, workers=workers).start()


@pytest.fixture(scope="module")
def workers3(tmp_path_factory, running):
    served = _serve(tmp_path_factory.mktemp("workers3"), running, 3)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def workers3_redis(tmp_path_factory, running, redis_url):
    served = _serve(tmp_path_factory.mktemp("workers3-redis"), running, 3, redis_url)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def single_worker(tmp_path_factory, running):
    served = _serve(tmp_path_factory.mktemp("single"), running, 1)
    try:
        yield served
    finally:
        served.stop()


def _together(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls at the same instant (a barrier), one thread each."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        start.wait(timeout=10)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        answers = list(pool.map(run, calls))
    for answer in answers:
        if answer.status_code >= 300:
            check_error(answer.status_code, answer.headers, answer.content)
    return answers


def _post(served: Served, path: str, body: dict) -> Callable[[], requests.Response]:
    return lambda: requests.post(
        f"{served.url}/scim/v2{path}", json=body, headers=HEADERS, timeout=30
    )


def _patch(served: Served, path: str, operations: list[dict]) -> Callable[[], requests.Response]:
    body = {"schemas": [PATCH_OP], "Operations": operations}
    return lambda: requests.patch(
        f"{served.url}/scim/v2{path}", json=body, headers=HEADERS, timeout=30
    )


def _statuses(answers: list[requests.Response]) -> list[int]:
    return sorted(a.status_code for a in answers)


def _create(served: Served, path: str, body: dict) -> str:
    answer = _post(served, path, body)()
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.mark.parametrize("server", ["workers3", "workers3_redis", "single_worker"])
def test_parallel_posts_of_one_username_create_one_user(request, running, server) -> None:
    served = request.getfixturevalue(server)
    login = f"race.{server}@example.org"
    variants = [login, login.upper(), login.capitalize()]
    calls = [
        _post(served, "/Users", {"schemas": [USER_SCHEMA], "userName": variants[i % 3]})
        for i in range(PARALLEL)
    ]
    answers = _together(calls)
    assert _statuses(answers) == [201] + [409] * (PARALLEL - 1)
    [row] = Glpi(running.sim).users_named(login)
    assert [a.json()["id"] for a in answers if a.status_code == 201] == [str(row["id"])]


@pytest.mark.parametrize("server", ["workers3_redis", "single_worker"])
def test_parallel_posts_of_one_group_name_create_one_group(request, running, server) -> None:
    served = request.getfixturevalue(server)
    name = f"Race group {server}"
    variants = [name, name.upper(), name.lower()]
    calls = [
        _post(served, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": variants[i % 3]})
        for i in range(PARALLEL)
    ]
    answers = _together(calls)
    assert _statuses(answers) == [201] + [409] * (PARALLEL - 1)
    assert all(a.json()["scimType"] == "uniqueness" for a in answers if a.status_code == 409)
    [row] = Glpi(running.sim).groups_named(name)
    assert [a.json()["id"] for a in answers if a.status_code == 201] == [str(row["id"])]


def test_without_redis_several_workers_create_at_most_one_group_per_worker(
    workers3, running
) -> None:
    """Documented limit (docs/resilience.md): the name lock is per process without Redis."""
    name = "Race group without redis"
    calls = [
        _post(workers3, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
        for _ in range(PARALLEL)
    ]
    answers = _together(calls)
    created = [a.json()["id"] for a in answers if a.status_code == 201]
    assert 1 <= len(created) <= 3
    assert _statuses(answers) == [201] * len(created) + [409] * (PARALLEL - len(created))
    rows = Glpi(running.sim).groups_named(name)
    assert sorted(str(r["id"]) for r in rows) == sorted(created)


@pytest.mark.parametrize("server", ["workers3", "workers3_redis"])
def test_parallel_patches_adding_one_member_leave_one_row(request, running, server) -> None:
    served = request.getfixturevalue(server)
    glpi = Glpi(running.sim)
    user_id = _create(served, "/Users", {"schemas": [USER_SCHEMA], "userName": f"m.{server}"})
    group_id = _create(served, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"G {server}"})
    for _ in range(ROUNDS):
        add = [{"op": "Add", "path": "members", "value": [{"value": user_id}]}]
        answers = _together([_patch(served, f"/Groups/{group_id}", add)] * PARALLEL)
        assert {a.status_code for a in answers} <= {200, 204}, [a.text for a in answers]
        assert glpi.members(group_id) == [int(user_id)]
        remove = [{"op": "Remove", "path": "members", "value": [{"value": user_id}]}]
        answer = _patch(served, f"/Groups/{group_id}", remove)()
        assert answer.status_code in (200, 204), answer.text
    assert glpi.duplicated_memberships() == []


def _last_applied(sim: Any, group_id: str) -> bool | None:
    """Whether the last membership write GLPI applied was an add (None: no write)."""
    state = None
    for call in sim.calls:
        if call.path.endswith("/Group_User/") and call.method == "POST" and call.status == 201:
            state = True
        elif call.path.endswith("/Group_User/") and call.method == "DELETE" and call.status == 200:
            state = False
    return state


@pytest.mark.parametrize("server", ["workers3", "workers3_redis"])
def test_interleaved_add_and_remove_end_as_the_last_applied_write(request, running, server) -> None:
    served = request.getfixturevalue(server)
    glpi = Glpi(running.sim)
    user_id = _create(served, "/Users", {"schemas": [USER_SCHEMA], "userName": f"i.{server}"})
    group_id = _create(served, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"I {server}"})
    add = [{"op": "Add", "path": "members", "value": [{"value": user_id}]}]
    remove = [{"op": "Remove", "path": "members", "value": [{"value": user_id}]}]
    for round_ in range(ROUNDS):
        running.sim.reset_calls()
        calls = [_patch(served, f"/Groups/{group_id}", add if i % 2 else remove) for i in range(8)]
        answers = _together(calls if round_ % 2 else calls[::-1])
        assert {a.status_code for a in answers} <= {200, 204}, [a.text for a in answers]
        members = glpi.members(group_id)
        assert members in ([], [int(user_id)])
        last = _last_applied(running.sim, group_id)
        if last is not None:
            assert members == ([int(user_id)] if last else []), (round_, members)
        listed = requests.get(
            f"{served.url}/scim/v2/Groups/{group_id}", headers=HEADERS, timeout=30
        ).json()
        assert [m["value"] for m in listed.get("members", [])] == [str(m) for m in members]
    assert glpi.duplicated_memberships() == []


@pytest.mark.parametrize("server", ["workers3_redis", "single_worker"])
def test_parallel_renames_to_one_name_leave_one_group_with_it(request, running, server) -> None:
    served = request.getfixturevalue(server)
    ids = [
        _create(served, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"R{i} {server}"})
        for i in range(6)
    ]
    wanted = f"Renamed {server}"
    rename = [{"op": "replace", "path": "displayName", "value": wanted}]
    answers = _together([_patch(served, f"/Groups/{gid}", rename) for gid in ids])
    assert sorted(a.status_code in (200, 204) for a in answers) == [False] * 5 + [True]
    assert all(a.json()["scimType"] == "uniqueness" for a in answers if a.status_code == 409)
    assert len(Glpi(running.sim).groups_named(wanted)) == 1


def test_a_member_add_racing_the_group_deletion_leaves_no_row(running) -> None:
    """The add is refused by GLPI (the group is gone): a 5xx the IdP retries into a 404."""
    from tests.stress.helpers import StressBridge

    bridge = StressBridge(running)
    user_id = _create_in(bridge, "/Users", {"schemas": [USER_SCHEMA], "userName": "gone.member"})
    group_id = _create_in(bridge, "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Gone"})
    running.sim.fail_next("POST", "/Group_User", status=None, delay_ms=400)
    deleted: list[int] = []

    def delete_meanwhile() -> None:
        time.sleep(0.15)
        deleted.append(StressBridge(running).request("DELETE", f"/Groups/{group_id}").status_code)

    thread = threading.Thread(target=delete_meanwhile)
    thread.start()
    add = [{"op": "add", "path": "members", "value": [{"value": user_id}]}]
    answer = bridge.request("PATCH", f"/Groups/{group_id}", bridge.patch_body(add))
    thread.join(timeout=10)
    assert deleted == [204]
    assert answer.status_code not in (200, 204), answer.get_json()
    check_error(answer.status_code, answer.headers, answer.get_data())
    assert Glpi(running.sim).members(group_id) == []
    retried = bridge.request("PATCH", f"/Groups/{group_id}", bridge.patch_body(add))
    assert retried.status_code == 404


def _create_in(bridge: Any, path: str, body: dict) -> str:
    answer = bridge.request("POST", path, body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]
