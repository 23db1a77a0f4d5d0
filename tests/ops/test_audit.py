"""Audit events: names of changed attributes, never values; stdout, file or off."""

from __future__ import annotations

import json

import pytest

from app.config import validate_config
from app.ops.audit import audit_event
from app.ops.audit import setup_audit
from app.ops.redact import Redactor
from tests.ops.conftest import make_settings


def _configure(**logging_keys) -> None:
    setup_audit(validate_config(make_settings(logging=logging_keys)), Redactor(["pw-Secret-123"]))


def _events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if '"event": "audit"' in line]


def test_event_on_stdout_records_names_not_values(capsys) -> None:
    _configure(audit_sink="stdout")
    audit_event(
        tenant="acme",
        operation="PATCH",
        resource_type="User",
        resource_id=42,
        glpi_ids={"User": 42, "UserEmail": [7]},
        attributes={"password": "pw-Secret-123", "active": False},
        result="success",
    )
    [event] = _events(capsys.readouterr().out)
    assert {
        k: event[k]
        for k in (
            "tenant",
            "operation",
            "resource_type",
            "resource_id",
            "glpi_ids",
            "attributes",
            "result",
        )
    } == {
        "tenant": "acme",
        "operation": "PATCH",
        "resource_type": "User",
        "resource_id": "42",
        "glpi_ids": {"User": 42, "UserEmail": [7]},
        "attributes": ["active", "password"],
        "result": "success",
    }


def test_event_to_file_and_detail_redacted(tmp_path, capsys) -> None:
    path = tmp_path / "audit.log"
    _configure(audit_sink="file", audit_file=str(path))
    audit_event(
        tenant="acme",
        operation="POST",
        resource_type="Group",
        resource_id=None,
        result="failure",
        detail="GLPI refused password=pw-Secret-123",
    )
    _configure(audit_sink="off")
    [event] = _events(path.read_text())
    assert event["result"] == "failure"
    assert event["resource_id"] is None
    assert "pw-Secret-123" not in path.read_text()
    assert _events(capsys.readouterr().out) == []


def test_sink_off_writes_nothing(capsys) -> None:
    _configure(audit_sink="off")
    audit_event(
        tenant="acme", operation="DELETE", resource_type="User", resource_id="3", result="success"
    )
    assert _events(capsys.readouterr().out) == []


def test_unknown_result_is_refused() -> None:
    with pytest.raises(ValueError):
        audit_event(
            tenant="acme", operation="DELETE", resource_type="User", resource_id="3", result="ok"
        )


@pytest.mark.parametrize(
    ("method", "body", "names"),
    [
        (
            "POST",
            {
                "schemas": ["x"],
                "userName": "a",
                "password": "pw-Secret-123",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "IT"},
            },
            [
                "password",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "userName",
            ],
        ),
        (
            "PATCH",
            {
                "Operations": [
                    {"op": "Replace", "path": "password", "value": "pw-Secret-123"},
                    {"op": "remove", "path": 'members[value eq "7"]'},
                    {"op": "replace", "value": {"active": False, "name.givenName": "B"}},
                ]
            },
            ["active", "members", "name", "password"],
        ),
        (
            "PUT",
            {"id": "3", "meta": {}, "displayName": "Staff", "members": []},
            ["displayName", "members"],
        ),
        ("PATCH", ["not", "an", "object"], []),
    ],
)
def test_sent_attribute_names(method: str, body: object, names: list[str]) -> None:
    from app.ops.audit import sent_attribute_names

    assert sent_attribute_names(method, body) == names


def test_one_event_per_authenticated_scim_write(app_factory, capsys) -> None:
    from flask import g

    from app.ops.audit import audit_detail

    app = app_factory()

    @app.route("/scim/v2/Groups", methods=["POST"])
    def create_group():
        g.tenant = app.extensions["tenants"].get("acme")
        audit_detail(glpi_ids={"Group": 9, "Group_User": [4]})
        return {"id": "9"}, 201

    @app.route("/scim/v2/Groups/<group_id>", methods=["PATCH", "GET"])
    def patch_group(group_id: str):
        g.tenant = app.extensions["tenants"].get("acme")
        audit_detail(result="noop")
        return {"id": group_id}

    client = app.test_client()
    _configure(audit_sink="stdout")
    client.post("/scim/v2/Groups", json={"displayName": "Staff", "members": [{"value": "4"}]})
    client.patch(
        "/scim/v2/Groups/9", json={"Operations": [{"op": "add", "path": "members", "value": []}]}
    )
    client.get("/scim/v2/Groups/9")
    client.post("/scim/v2/Users", json={"userName": "x"})
    events = _events(capsys.readouterr().out)
    assert [
        (
            e["operation"],
            e["resource_type"],
            e["resource_id"],
            e["result"],
            e["attributes"],
            e["glpi_ids"],
        )
        for e in events
    ] == [
        (
            "POST",
            "Group",
            "9",
            "success",
            ["displayName", "members"],
            {"Group": 9, "Group_User": [4]},
        ),
        ("PATCH", "Group", "9", "noop", ["members"], {}),
    ]


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("/scim/v2/Users/42", ["Users", "42"]),
        ("/scim/v2/t/contoso/Users/42", ["Users", "42"]),
        ("/scim/v2/t/contoso/Groups", ["Groups"]),
        ("/scim/v2/Users/.search", ["Users", ".search"]),
        ("/scim/v2/", [""]),
        ("/healthz", None),
    ],
)
def test_scim_segments(path: str, segments: list[str] | None) -> None:
    from app.ops.paths import scim_segments

    assert scim_segments(path) == segments


def test_tenant_prefixed_writes_are_audited_and_labelled(app_factory, capsys) -> None:
    from flask import g

    from app.ops.access import scim_resource

    app = app_factory()

    @app.route("/scim/v2/t/<tenant>/Users/<user_id>", methods=["DELETE"])
    def delete_user(tenant: str, user_id: str):
        g.tenant = app.extensions["tenants"].get(tenant)
        return "", 204

    _configure(audit_sink="stdout")
    app.test_client().delete("/scim/v2/t/acme/Users/12")
    [event] = _events(capsys.readouterr().out)
    assert (event["operation"], event["resource_type"], event["resource_id"]) == (
        "DELETE",
        "User",
        "12",
    )
    assert scim_resource("/scim/v2/t/acme/Users/12") == "User"


def test_bulk_operations_are_audited_one_by_one(app_factory, capsys) -> None:
    from flask import g

    app = app_factory()
    answer = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
        "Operations": [
            {
                "method": "POST",
                "bulkId": "u1",
                "location": "https://b/scim/v2/Users/51",
                "status": "201",
            },
            {"method": "POST", "bulkId": "g1", "status": "409"},
            {"method": "PATCH", "location": "https://b/scim/v2/Groups/7", "status": "200"},
            {"method": "DELETE", "location": "https://b/scim/v2/Users/3", "status": "204"},
        ],
    }

    @app.route("/scim/v2/Bulk", methods=["POST"])
    def bulk():
        g.tenant = app.extensions["tenants"].get("acme")
        return answer

    request = {
        "Operations": [
            {"method": "DELETE", "path": "/Users/3"},
            {
                "method": "PATCH",
                "path": "/Groups/7",
                "data": {"Operations": [{"op": "add", "path": "members"}]},
            },
            {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {"displayName": "Dup"}},
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "u1",
                "data": {"userName": "b", "password": "pw-Secret-123"},
            },
        ]
    }
    _configure(audit_sink="stdout")
    app.test_client().post("/scim/v2/Bulk", json=request)
    out = capsys.readouterr().out
    events = [
        (e["operation"], e["resource_type"], e["resource_id"], e["result"], e["attributes"])
        for e in _events(out)
    ]
    assert events == [
        ("POST", "User", "51", "success", ["password", "userName"]),
        ("POST", "Group", None, "failure", ["displayName"]),
        ("PATCH", "Group", "7", "success", ["members"]),
        ("DELETE", "User", "3", "success", []),
    ]
    assert "pw-Secret-123" not in out
