"""The served bridge: 413, 503 with Retry-After, 429 through Redis, the create race."""

from __future__ import annotations

import http.client
import re
import time

import requests

from tests.ops.served import AUTH
from tests.ops.served import GROUP_SCHEMA
from tests.ops.served import SCIM_JSON
from tests.ops.served import USER_SCHEMA
from tests.ops.served import Served
from tests.ops.served import counter
from tests.ops.served import tenant


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
