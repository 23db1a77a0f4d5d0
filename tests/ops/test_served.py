"""The real server: gunicorn run by ``glpi-scim-bridge serve`` in front of the simulator."""

from __future__ import annotations

import http.client
import re
import time

import pytest
import requests

from app.simulator.server import start_simulator
from tests.ops.conftest import TOKEN
from tests.ops.served import Served

AUTH = {"Authorization": f"Bearer {TOKEN}"}
SIM_APP_TOKEN = "sim-app-token-SECRET-0011223344"
SIM_USER_TOKEN = "sim-user-token-SECRET-5566778899"


def tenant(url: str, **extra) -> dict:
    return {
        "name": "acme",
        "tokens": [TOKEN],
        "glpi": {
            "url": url,
            "app_token": SIM_APP_TOKEN,
            "user_token": SIM_USER_TOKEN,
            "timeouts": {"connect": 1, "read": 5},
            "retries": 0,
        },
        **extra,
    }


def probe(server: Served) -> int:
    """Exit status of the image's HEALTHCHECK command against ``server``."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GLPISCIM_")}
    env["GLPISCIM_CONFIG"] = str(server.config_path)
    command = [sys.executable, "-m", "app.ops.probe"]
    return subprocess.run(command, env=env, timeout=30, capture_output=True).returncode


def counter(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def simulator():
    running = start_simulator(app_token=SIM_APP_TOKEN, user_token=SIM_USER_TOKEN)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def served(tmp_path, simulator):
    server = Served(tmp_path, {"tenants": [tenant(simulator.url)]}).start()
    try:
        yield server
    finally:
        server.stop()


def test_health_metrics_and_access_lines(served: Served) -> None:
    assert requests.get(served.url + "/healthz", timeout=5).json() == {"status": "ok"}
    assert probe(served) == 0
    ready = requests.get(served.url + "/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["tenants"]["acme"]["status"] == "ok"

    before = counter(
        requests.get(served.url + "/metrics", timeout=5).text,
        "scim_requests_total",
        resource="User",
        method="GET",
        status="401",
    )
    for _ in range(20):
        assert requests.get(served.url + "/scim/v2/Users", timeout=5).status_code == 401
    listed = requests.get(
        served.url + "/scim/v2/Users", headers={**AUTH, "X-Request-Id": "entra-7"}, timeout=10
    )
    assert listed.status_code == 200
    assert listed.headers["X-Request-Id"] == "entra-7"
    text = requests.get(served.url + "/metrics", timeout=5).text
    assert (
        counter(text, "scim_requests_total", resource="User", method="GET", status="401")
        == before + 20
    )
    assert (
        counter(
            text, "scim_requests_total", tenant="acme", resource="User", method="GET", status="200"
        )
        == 1
    )
    assert counter(text, "glpi_calls_total", tenant="acme") >= 1
    assert counter(text, "glpi_call_duration_seconds_count", tenant="acme") >= 1
    assert counter(text, "glpi_relogins_total", tenant="acme") == 0

    served.stop()
    [line] = [
        entry
        for entry in served.lines()
        if entry.get("request_id") == "entra-7" and entry["logger"] == "glpi_scim_bridge.access"
    ]
    assert line["tenant"] == "acme"
    assert line["operation"] == "GET /scim/v2/Users"
    assert line["status"] == 200
    assert line["duration_ms"] > 0


def test_expired_glpi_session_is_counted_as_a_relogin(tmp_path, simulator) -> None:
    with Served(tmp_path, {"tenants": [tenant(simulator.url)]}, workers=1) as server:
        assert (
            requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code == 200
        )
        simulator.sim.invalidate_sessions()
        assert (
            requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code == 200
        )
        text = requests.get(server.url + "/metrics", timeout=5).text
    assert counter(text, "glpi_relogins_total", tenant="acme") == 1


def test_graceful_shutdown_ends_the_glpi_sessions(served: Served, simulator) -> None:
    for _ in range(6):
        assert (
            requests.get(served.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code == 200
        )
    assert served.stop() == 0
    paths = [call.path for call in simulator.sim.calls]
    opened = sum(p.endswith("/initSession") for p in paths)
    assert opened >= 1
    assert sum(p.endswith("/killSession") for p in paths) == opened


def test_secrets_never_reach_the_logs(served: Served) -> None:
    request_secrets = [
        "wrong-bearer-SECRET-aaaa1111",
        "header-session-SECRET-bbbb2222",
        "header-app-SECRET-cccc3333",
        "query-user-SECRET-dddd4444",
    ]
    requests.get(
        served.url + "/scim/v2/Users",
        timeout=5,
        headers={
            "Authorization": f"Bearer {request_secrets[0]}",
            "Session-Token": request_secrets[1],
            "App-Token": request_secrets[2],
        },
    )
    requests.get(served.url + f"/scim/v2/Users?user_token={request_secrets[3]}", timeout=5)
    requests.get(served.url + "/scim/v2/Users", headers=AUTH, timeout=10)
    requests.post(
        served.url + "/scim/v2/Users",
        headers=AUTH,
        timeout=10,
        data=f'{{"password": "{request_secrets[0]}", "userName": ',
    )
    served.stop()
    log = served.log()
    assert "glpi_scim_bridge.access" in log
    for secret in [*request_secrets, TOKEN, SIM_APP_TOKEN, SIM_USER_TOKEN]:
        assert secret not in log


def test_oversized_bodies_get_413(served: Served) -> None:
    declared = requests.post(
        served.url + "/scim/v2/Users", headers=AUTH, data=b"x" * (1024 * 1024 + 1), timeout=10
    )
    assert declared.status_code == 413
    assert declared.headers["Content-Type"].startswith("application/scim+json")
    assert declared.json()["status"] == "413"

    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    conn.putrequest("POST", "/scim/v2/Users")
    conn.putheader("Authorization", AUTH["Authorization"])
    conn.putheader("Content-Type", "application/scim+json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    chunk = b"x" * 65536
    try:
        for _ in range(20):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
    except OSError:
        pass
    streamed = conn.getresponse()
    body = streamed.read()
    assert streamed.status == 413, body
    assert b'"413"' in body
    conn.close()


def test_glpi_down_gives_503_and_readyz_names_the_tenant(tmp_path, simulator) -> None:
    with Served(tmp_path, {"tenants": [tenant(simulator.url)]}, workers=1) as server:
        assert requests.get(server.url + "/readyz", timeout=10).status_code == 200
        simulator.stop()
        down = requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=15)
        assert down.status_code == 503
        assert re.fullmatch(r"\d+", down.headers["Retry-After"])
        assert down.json()["status"] == "503"
        time.sleep(5.2)
        ready = requests.get(server.url + "/readyz", timeout=15)
        assert ready.status_code == 503, "the tenant storage needs ping() (see app/ops/health.py)"
        assert ready.json()["tenants"]["acme"]["status"] == "fail"
        assert simulator.url.split("//")[1] not in ready.text
        assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def test_rate_limit_shared_by_workers_through_redis(tmp_path, simulator, redis_url: str) -> None:
    raw = {
        "redis": {"url": redis_url},
        "tenants": [tenant(simulator.url, rate_limit={"requests_per_second": 0.2, "burst": 4})],
    }
    with Served(tmp_path, raw, workers=2) as server:
        statuses = [
            requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=10).status_code
            for _ in range(6)
        ]
        refused = requests.get(server.url + "/scim/v2/Users", headers=AUTH, timeout=10)
        assert statuses == [200] * 4 + [429] * 2
        assert refused.status_code == 429
        assert re.fullmatch(r"[1-9]\d*", refused.headers["Retry-After"])
        assert refused.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        text = requests.get(server.url + "/metrics", timeout=5).text
        assert counter(text, "rate_limited_total", tenant="acme") == 3


SCIM_JSON = {**AUTH, "Content-Type": "application/scim+json"}
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
PASSWORDS = ["Pw-first-Secret-91!", "Pw-entra-Secret-92!", "Pw-okta-Secret-93!"]


def provision(url: str) -> dict:
    """A full IdP cycle: create, Entra PATCH, Okta PUT, group with member, deprovision."""

    def call(method: str, path: str, body: dict | None = None) -> requests.Response:
        return requests.request(
            method, url + "/scim/v2" + path, json=body, headers=SCIM_JSON, timeout=15
        )

    created = call(
        "POST",
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "flow.user@example.org",
            "password": PASSWORDS[0],
            "name": {"givenName": "Flow", "familyName": "User"},
            "emails": [{"value": "flow.user@example.org", "type": "work", "primary": True}],
        },
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    patched = call(
        "PATCH",
        f"/Users/{user_id}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "Replace", "path": "password", "value": PASSWORDS[1]},
                {"op": "Replace", "path": "active", "value": "False"},
            ],
        },
    )
    assert patched.status_code in (200, 204), patched.text
    replaced = call(
        "PUT",
        f"/Users/{user_id}",
        {
            "schemas": [USER_SCHEMA],
            "userName": "flow.user@example.org",
            "password": PASSWORDS[2],
            "active": True,
            "name": {"givenName": "Flow", "familyName": "Renamed"},
        },
    )
    assert replaced.status_code == 200, replaced.text
    group = call(
        "POST",
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Flow Group", "members": [{"value": user_id}]},
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    assert call("DELETE", f"/Groups/{group_id}").status_code == 204
    assert call("DELETE", f"/Users/{user_id}").status_code == 204
    return {"user": user_id, "group": group_id}


def test_provisioning_flow_leaks_no_secret_or_password(served: Served, simulator) -> None:
    provision(served.url)
    sessions = list(simulator.sim.sessions)
    served.stop()
    log = served.log()
    assert sessions
    assert log.count('"glpi_scim_bridge.access"') >= 6
    for secret in [*PASSWORDS, TOKEN, SIM_APP_TOKEN, SIM_USER_TOKEN, *sessions]:
        assert secret not in log


def test_bulk_writes_are_audited_per_operation(served: Served) -> None:
    bulk = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "u1",
                "data": {
                    "schemas": [USER_SCHEMA],
                    "userName": "bulk.user@example.org",
                    "password": PASSWORDS[0],
                },
            },
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "g1",
                "data": {
                    "schemas": [GROUP_SCHEMA],
                    "displayName": "Bulk Group",
                    "members": [{"value": "bulkId:u1"}],
                },
            },
        ],
    }
    answer = requests.post(served.url + "/scim/v2/Bulk", json=bulk, headers=SCIM_JSON, timeout=30)
    assert answer.status_code == 200, answer.text
    served.stop()
    events = [
        (e["operation"], e["resource_type"], e["result"], e["attributes"])
        for e in served.lines()
        if e.get("event") == "audit"
    ]
    assert events == [
        ("POST", "User", "success", ["password", "userName"]),
        ("POST", "Group", "success", ["displayName", "members"]),
    ]
    assert PASSWORDS[0] not in served.log()


def test_audit_events_match_the_changes_that_landed(served: Served, simulator) -> None:
    simulator.sim.reset_calls()
    ids = provision(served.url)
    glpi_writes = [
        c
        for c in simulator.sim.calls
        if c.method in ("POST", "PUT", "PATCH", "DELETE")
        and "Session" not in c.path
        and c.status < 300
    ]
    served.stop()
    events = [
        (e["operation"], e["resource_type"], e["resource_id"], e["result"])
        for e in served.lines()
        if e.get("event") == "audit"
    ]
    assert events == [
        ("POST", "User", ids["user"], "success"),
        ("PATCH", "User", ids["user"], "success"),
        ("PUT", "User", ids["user"], "success"),
        ("POST", "Group", ids["group"], "success"),
        ("DELETE", "Group", ids["group"], "success"),
        ("DELETE", "User", ids["user"], "success"),
    ]
    assert len(glpi_writes) >= len(events)
    [patch] = [e for e in served.lines() if e.get("event") == "audit" and e["operation"] == "PATCH"]
    assert patch["attributes"] == ["active", "password"]
    assert all(
        e["tenant"] == "acme" and e["request_id"]
        for e in served.lines()
        if e.get("event") == "audit"
    )


def test_two_bridges_sharing_redis_create_one_group_and_one_user_under_a_race(
    tmp_path, simulator, redis_url: str
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    raw = {"redis": {"url": redis_url}, "tenants": [tenant(simulator.url)]}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with Served(tmp_path / "a", raw) as first, Served(tmp_path / "b", raw) as second:
        urls = [first.url, second.url] * 4

        def create(args: tuple[str, str, dict]) -> int:
            url, path, body = args
            return requests.post(
                url + "/scim/v2" + path, json=body, headers=SCIM_JSON, timeout=30
            ).status_code

        group = {"schemas": [GROUP_SCHEMA], "displayName": "Race Group"}
        user = {"schemas": [USER_SCHEMA], "userName": "race.user@example.org"}
        with ThreadPoolExecutor(max_workers=8) as pool:
            group_statuses = sorted(pool.map(create, [(u, "/Groups", group) for u in urls]))
            user_statuses = sorted(pool.map(create, [(u, "/Users", user) for u in urls]))
    assert group_statuses == [201] + [409] * 7
    assert user_statuses == [201] + [409] * 7
    assert [g["name"] for g in simulator.sim.rows("Group")].count("Race Group") == 1
    assert [u["name"].lower() for u in simulator.sim.rows("User")].count(
        "race.user@example.org"
    ) == 1


def _self_signed(tmp_path) -> tuple[str, str]:
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed: run scripts/system-deps.sh")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return str(cert), str(key)


def test_tls_in_gunicorn_refuses_versions_below_1_2(tmp_path, simulator) -> None:
    import ssl
    import warnings

    cert, key = _self_signed(tmp_path)
    raw = {
        "server": {"tls": {"certfile": cert, "keyfile": key}},
        "tenants": [tenant(simulator.url)],
    }
    with Served(tmp_path, raw, workers=1) as server:
        assert server.url.startswith("https://")
        assert probe(server) == 0
        for version, name in (
            (ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
            (ssl.TLSVersion.TLSv1_3, "TLSv1.3"),
        ):
            context = ssl.create_default_context(cafile=cert)
            context.minimum_version = context.maximum_version = version
            conn = http.client.HTTPSConnection(
                "127.0.0.1", server.port, context=context, timeout=10
            )
            conn.request("GET", "/healthz")
            assert conn.getresponse().status == 200
            assert conn.sock.version() == name
            conn.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            old.load_verify_locations(cert)
            old.set_ciphers("DEFAULT:@SECLEVEL=0")
            old.minimum_version = ssl.TLSVersion.TLSv1
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=old, timeout=10)
        with pytest.raises(ssl.SSLError) as refused:
            conn.request("GET", "/healthz")
        conn.close()
        # The server's alert, not a client-side refusal: the client did offer TLS 1.1.
        assert "PROTOCOL_VERSION" in str(refused.value).upper()
    assert probe(server) == 1
