"""Faults against a real GLPI 10.0.12 and 11.0.6.

* GLPI stopped mid-run: the bridge reaches GLPI through a TCP proxy the test
  cuts (the shared GLPI keeps running for the other tests; from the bridge's
  side a cut proxy is a stopped GLPI: connections reset, new ones refused).
  Every SCIM request then answers 503 with ``Retry-After``; once GLPI is back,
  the IdP's retries bring GLPI to the intended state with nothing duplicated.
* GLPI's sessions wiped (``killSession`` of the bridge's token, or its PHP
  session file removed): the next request logs in again, transparently.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.real.bridge import RealBridge
from tests.real.bridge import unique_name
from tests.real.proxy import TcpProxy

FAST = {"retries": 1, "timeouts": {"connect": 1.0, "read": 20.0}}


@pytest.fixture
def proxy(real_glpi):
    proxy = TcpProxy(real_glpi.url)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture
def cut_bridge(real_glpi, proxy, real_bridge) -> RealBridge:
    """A bridge reaching GLPI through ``proxy``, warm (session and look-ups done)."""
    bridge = real_bridge(glpi={"url": proxy.url, **FAST})
    bridge.find(unique_name("rl-warm"))
    bridge.create(unique_name("rl.warm"))
    return bridge


def _unavailable(answer) -> None:
    assert answer.status_code == 503, answer.json
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.json["status"] == "503"


def test_glpi_stopped_gives_503_with_retry_after_and_nothing_duplicated(
    real_glpi, proxy, cut_bridge
):
    bridge = cut_bridge
    before = bridge.create(unique_name("rl.before"), name={"givenName": "Kept"})
    group = bridge.create_group(unique_name("rl-cut"))
    login = unique_name("rl.during")

    proxy.cut()
    _unavailable(bridge.post({"userName": login, "emails": [
        {"value": f"{login}@example.org", "primary": True}]}))
    _unavailable(bridge.get("/Users", query_string={"filter": f'userName eq "{login}"'}))
    _unavailable(bridge.get(f"/Users/{before['id']}"))
    _unavailable(bridge.patch(before["id"], [{"op": "replace", "path": "active", "value": False}]))
    _unavailable(bridge.patch_group(group["id"], [
        {"op": "add", "path": "members", "value": [{"value": before["id"]}]}]))
    _unavailable(bridge.delete(before["id"]))
    assert real_glpi.api.rows("User", name=login) == []

    proxy.restore()
    # The IdP retries each request as it was.
    created = bridge.post({"userName": login, "emails": [
        {"value": f"{login}@example.org", "primary": True}]})
    assert created.status_code == 201, created.json
    assert bridge.patch(before["id"], [
        {"op": "replace", "path": "active", "value": False}]).status_code == 200
    assert bridge.patch_group(group["id"], [
        {"op": "add", "path": "members", "value": [{"value": before["id"]}]}]).status_code == 204

    [row] = real_glpi.api.rows("User", name=login)
    assert str(row["id"]) == created.json["id"]
    assert [e["email"] for e in real_glpi.api.rows("UserEmail", users_id=row["id"])] == [
        f"{login}@example.org"]
    assert len(real_glpi.api.rows("Profile_User", users_id=row["id"])) == 1
    kept = real_glpi.api.get("User", before["id"])
    assert (kept["firstname"], kept["is_active"], kept["is_deleted"]) == ("Kept", 0, 0)
    assert [r["users_id"] for r in real_glpi.api.rows("Group_User", groups_id=group["id"])] == [
        int(before["id"])]


def test_glpi_stopped_during_a_provisioning_run_converges(real_glpi, proxy, cut_bridge):
    """An IdP provisions users, retrying on 503 as Entra does (a 409 on retry means the
    first attempt landed: it matches by userName), while GLPI goes away every 0.8 s until
    a cut has reached a POST.

    The run goes on until at least 12 users are provisioned and a cut has reached a POST
    (a 503: the bridge's idempotent reads ride out a short cut with their retries, so
    whether a given cut meets one is chance), bounded at 60 users.
    """
    bridge = cut_bridge
    logins: list[str] = []
    outcomes: dict[str, list[int]] = {}
    done = threading.Event()

    def cut_seen() -> bool:
        return any(503 in codes for codes in outcomes.values())

    def provision() -> None:
        try:
            while (len(logins) < 12 or not cut_seen()) and len(logins) < 60:
                login = unique_name("rl.run")
                logins.append(login)
                outcomes[login] = []
                for _ in range(60):
                    answer = bridge.post({"userName": login, "emails": [
                        {"value": f"{login}@example.org", "primary": True}]})
                    outcomes[login].append(answer.status_code)
                    if answer.status_code in (201, 409):
                        break
                    assert answer.status_code == 503 and answer.headers["Retry-After"], answer.json
                    time.sleep(0.1)
        finally:
            done.set()

    worker = threading.Thread(target=provision)
    worker.start()
    while not done.wait(0.3) and not cut_seen():  # GLPI stays up once a POST met a cut
        proxy.cut()
        time.sleep(0.5)
        proxy.restore()
    worker.join(timeout=300)
    assert done.is_set()

    for login in logins:
        rows = real_glpi.api.rows("User", name=login)
        bridge.adopt("User", *(r["id"] for r in rows))
        assert len(rows) == 1, (login, outcomes[login])
        assert outcomes[login][-1] in (201, 409)
        found = bridge.find(login)
        assert [u["id"] for u in found] == [str(rows[0]["id"])], (login, outcomes[login])
        assert len(real_glpi.api.rows("Profile_User", users_id=rows[0]["id"])) == 1
    assert any(503 in codes for codes in outcomes.values()), outcomes


def _session_token(bridge: RealBridge) -> str:
    token, _ = bridge.glpi.session.current()
    return token


def _relogged_transparently(bridge: RealBridge, user: dict) -> None:
    bridge.reset_calls()
    answer = bridge.patch(user["id"], [{"op": "replace", "path": "name.givenName",
                                        "value": "Again"}])
    assert answer.status_code == 200, answer.json
    calls = bridge.calls()
    assert calls.count(("GET", "/initSession")) == 1, calls
    assert bridge.records()[0].status == 401
    assert bridge.real.api.get("User", user["id"])["firstname"] == "Again"


def test_killed_session_is_renewed_transparently(real_glpi, bridge):
    user = bridge.create(unique_name("rl.session"))
    real_glpi.api.kill_session(_session_token(bridge))
    _relogged_transparently(bridge, user)


def test_wiped_session_files_are_renewed_transparently(real_glpi, bridge):
    if real_glpi.state_dir is None:
        pytest.skip("GLPI's session files are only reachable for the kit's GLPI")
    user = bridge.create(unique_name("rl.wiped"))
    session_file = real_glpi.state_dir / "files" / "_sessions" / f"sess_{_session_token(bridge)}"
    assert session_file.exists()
    session_file.unlink()
    _relogged_transparently(bridge, user)
