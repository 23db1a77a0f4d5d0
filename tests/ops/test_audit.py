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
