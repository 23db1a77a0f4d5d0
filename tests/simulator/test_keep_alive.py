"""The simulator's keep-alive mode (``start_simulator(keep_alive=True)``), used by the bench."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import requests

from app.simulator.server import restart_simulator
from app.simulator.server import start_simulator


def _local_ports(url: str, paths: list[str], headers: dict[str, str]) -> list[int]:
    """The client port of each call on one ``http.client`` connection (reopened when closed)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    ports = []
    try:
        for path in paths:
            conn.request("GET", parts.path + path, headers=headers)
            ports.append(conn.sock.getsockname()[1])
            conn.getresponse().read()
    finally:
        conn.close()
    return ports


def test_keep_alive_serves_every_call_on_one_connection() -> None:
    running = start_simulator(keep_alive=True)
    http = requests.Session()
    try:
        login = http.get(f"{running.url}/initSession", timeout=5, headers={
            "App-Token": running.app_token, "Authorization": f"user_token {running.user_token}"})
        headers = {"App-Token": running.app_token,
                   "Session-Token": login.json()["session_token"]}
        added = http.post(f"{running.url}/User/", json={"input": {"name": "kept.alive"}},
                          headers=headers, timeout=5)
        # A body the app never reads must not be taken for the next request line.
        unread = http.get(f"{running.url}/User/2", data=b"x" * 5000, headers=headers, timeout=5)
        again = http.get(f"{running.url}/User/{added.json()['id']}", headers=headers, timeout=5)
        assert login.status_code == 200 and added.status_code == 201
        assert unread.status_code in (200, 400)
        assert again.status_code == 200 and again.json()["name"] == "kept.alive"
        assert int(again.headers["Content-Length"]) == len(again.content)
        assert "close" not in again.headers.get("Connection", "").lower()
        assert len(set(_local_ports(running.url, ["/User/2"] * 3, headers))) == 1
    finally:
        http.close()
        running.stop()


def test_default_mode_closes_each_connection() -> None:
    running = start_simulator()
    headers = {"App-Token": running.app_token, "Authorization": f"user_token {running.user_token}"}
    try:
        answer = requests.get(f"{running.url}/initSession", timeout=5, headers=headers)
        assert answer.headers["Connection"] == "close"
        assert len(set(_local_ports(running.url, ["/initSession"] * 3, headers))) == 3
    finally:
        running.stop()


def test_a_restart_keeps_the_connection_mode() -> None:
    """A restarted keep-alive simulator still keeps connections open (and the default still
    closes them): ``restart_simulator`` serves with the handler it was started with."""
    for keep_alive, distinct_ports in ((True, 1), (False, 3)):
        running = restart_simulator(start_simulator(keep_alive=keep_alive))
        headers = {
            "App-Token": running.app_token,
            "Authorization": f"user_token {running.user_token}",
        }
        try:
            ports = _local_ports(running.url, ["/initSession"] * 3, headers)
            assert len(set(ports)) == distinct_ports
        finally:
            running.stop()
