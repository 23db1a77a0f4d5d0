"""The audit trail: one event per change that landed in GLPI (or failed to).

The GLPI backends call :func:`audit_event` after each write::

    audit_event(
        tenant="contoso",
        operation="PATCH",
        resource_type="User",
        resource_id="42",
        glpi_ids={"User": 42, "UserEmail": [7]},
        attributes=["active", "emails"],
        result="success",
    )

An event records names of changed attributes, never their values, so a
password change shows up as ``"attributes": ["password"]`` and nothing
more. Events are JSON lines on the ``glpi_scim_bridge.audit`` logger,
written to stdout, to a file, or nowhere, as ``logging.audit_sink`` says.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from app.ops.logs import make_handler
from app.ops.redact import Redactor

audit_log = logging.getLogger("glpi_scim_bridge.audit")

RESULTS = ("success", "failure", "noop")


def setup_audit(settings: dict, redactor: Redactor) -> None:
    """Point the audit logger at the configured sink (``stdout``, ``file`` or ``off``)."""
    for old in list(audit_log.handlers):
        audit_log.removeHandler(old)
        old.close()
    audit_log.propagate = False
    audit_log.setLevel(logging.INFO)
    sink = settings["logging"]["audit_sink"]
    if sink == "off":
        audit_log.disabled = True
        return
    audit_log.disabled = False
    handler = None
    if sink == "file":
        path = settings["logging"]["audit_file"]
        if not path:
            raise ValueError("logging.audit_file is required when logging.audit_sink is file")
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    audit_log.addHandler(make_handler(redactor, handler))


def _request_id() -> str | None:
    from flask import g
    from flask import has_request_context

    return g.get("request_id") if has_request_context() else None


def _attribute_names(attributes: Iterable[str] | Mapping[str, Any]) -> list[str]:
    names = attributes.keys() if isinstance(attributes, Mapping) else attributes
    return sorted({str(name) for name in names})


def audit_event(
    *,
    tenant: object,
    operation: str,
    resource_type: str,
    resource_id: str | int | None,
    result: str,
    glpi_ids: Mapping[str, Any] | None = None,
    attributes: Iterable[str] | Mapping[str, Any] = (),
    detail: str | None = None,
    request_id: str | None = None,
) -> None:
    """Record one change applied (or refused) in GLPI.

    :param tenant: the :class:`~app.tenants.Tenant` or its name.
    :param operation: the IdP's operation: ``POST``, ``PUT``, ``PATCH``, ``DELETE``
        (or a finer name such as ``"restore"``).
    :param resource_type: ``"User"`` or ``"Group"``.
    :param resource_id: the SCIM id (None when a create failed).
    :param result: ``"success"``, ``"failure"`` or ``"noop"``.
    :param glpi_ids: GLPI ids touched, by itemtype (``{"User": 42, "Group_User": [3, 4]}``).
    :param attributes: names of the changed SCIM attributes; a mapping is reduced
        to its keys, so values can never be recorded.
    :param detail: a short reason for a failure (redacted like every log line).
    :param request_id: defaults to the current request's id.
    """
    if result not in RESULTS:
        raise ValueError(f"result must be one of {RESULTS}")
    audit_log.info(
        "%s %s %s",
        operation,
        resource_type,
        result,
        extra={
            "event": "audit",
            "tenant": str(getattr(tenant, "name", tenant)),
            "operation": operation,
            "resource_type": resource_type,
            "resource_id": None if resource_id is None else str(resource_id),
            "glpi_ids": dict(glpi_ids or {}),
            "attributes": _attribute_names(attributes),
            "result": result,
            "detail": detail,
            "request_id": request_id or _request_id(),
        },
    )
