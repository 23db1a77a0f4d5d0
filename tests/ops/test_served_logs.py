"""The served bridge: redaction of every log line, and the audit trail."""

from __future__ import annotations

import requests

from tests.ops.conftest import TOKEN
from tests.ops.served import AUTH
from tests.ops.served import GROUP_SCHEMA
from tests.ops.served import PASSWORDS
from tests.ops.served import SCIM_JSON
from tests.ops.served import SIM_APP_TOKEN
from tests.ops.served import SIM_USER_TOKEN
from tests.ops.served import USER_SCHEMA
from tests.ops.served import Served
from tests.ops.served import provision


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
