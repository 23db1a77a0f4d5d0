"""Races on a real GLPI 10.0.12 and 11.0.6, through the bridge served on a loopback port with
threads (real concurrent HTTP requests, as an IdP's parallel workers send them)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.real.bridge import GROUP_SCHEMA
from tests.real.bridge import PATCH_OP
from tests.real.bridge import USER_SCHEMA
from tests.real.bridge import unique_name


def _together(calls) -> list[requests.Response]:
    """Run every call at once (a barrier releases them together)."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_eight_parallel_posts_of_one_username_create_one_user(real_glpi, bridge):
    login = unique_name("rl.race") + "@example.org"
    variants = [login, login.upper(), login.capitalize()]
    with bridge.serve() as url:
        answers = _together([
            (lambda name=variants[i % 3]: requests.post(
                f"{url}/Users", json={"schemas": [USER_SCHEMA], "userName": name},
                headers=bridge.headers, timeout=60))
            for i in range(8)
        ])
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7, [a.text for a in answers]
    ids = {str(r["id"]) for name in variants for r in real_glpi.api.rows("User", name=name)}
    assert sorted(ids) == [a.json()["id"] for a in answers if a.status_code == 201]


def test_sixteen_parallel_member_adds_give_sixteen_rows(real_glpi, bridge):
    users = [bridge.create(unique_name("rl.racer"))["id"] for _ in range(16)]
    group = bridge.create_group(unique_name("rl-race"))
    with bridge.serve() as url:
        answers = _together([
            (lambda uid=uid: requests.patch(
                f"{url}/Groups/{group['id']}",
                json={"schemas": [PATCH_OP], "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": uid}]}]},
                headers=bridge.headers, timeout=60))
            for uid in users
        ])
    assert {a.status_code for a in answers} == {204}, [a.text for a in answers]
    rows = real_glpi.api.rows("Group_User", groups_id=group["id"])
    assert sorted(r["users_id"] for r in rows) == sorted(int(u) for u in users)


def test_eight_parallel_adds_of_one_member_leave_one_row(real_glpi, bridge):
    user = bridge.create(unique_name("rl.same"))
    group = bridge.create_group(unique_name("rl-same"))
    add = {"schemas": [PATCH_OP],
           "Operations": [{"op": "Add", "path": "members", "value": [{"value": user["id"]}]}]}
    with bridge.serve() as url:
        answers = _together([
            (lambda: requests.patch(f"{url}/Groups/{group['id']}", json=add,
                                    headers=bridge.headers, timeout=60))
            for _ in range(8)
        ])
    assert {a.status_code for a in answers} == {204}, [a.text for a in answers]
    rows = real_glpi.api.rows("Group_User", groups_id=group["id"])
    assert [r["users_id"] for r in rows] == [int(user["id"])]


def test_eight_parallel_posts_of_one_group_name_create_one_group(real_glpi, bridge):
    name = unique_name("rl-Race group")
    with bridge.serve() as url:
        answers = _together([
            (lambda: requests.post(f"{url}/Groups",
                                   json={"schemas": [GROUP_SCHEMA], "displayName": name},
                                   headers=bridge.headers, timeout=60))
            for _ in range(8)
        ])
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7, [a.text for a in answers]
    assert [r["id"] for r in real_glpi.api.rows("Group", name=name)] == [
        int(a.json()["id"]) for a in answers if a.status_code == 201]
