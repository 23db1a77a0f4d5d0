"""The audit trail: one event per change that landed in GLPI (or failed to).

Every authenticated SCIM write (POST, PUT, PATCH, DELETE on ``/Users`` or
``/Groups``) produces one event when its response is sent
(:func:`audit_request`): tenant, IdP operation, resource type and id, the
names of the attributes the IdP sent, and the result (``success`` for a
2xx, else ``failure`` with the status). While serving it, a backend adds
what only it knows with :func:`audit_detail`::

    audit_detail(glpi_ids={"User": 42, "UserEmail": [7]}, attributes=["emails"])
    audit_detail(result="noop")          # nothing needed changing

Writes outside a SCIM request (e.g. each operation of a Bulk request) are
recorded with :func:`audit_event`, which takes the same fields.

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
from urllib.parse import urlsplit

from app.ops.logs import make_handler
from app.ops.paths import scim_segments
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


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_RESOURCE_TYPES = {"Users": "User", "Groups": "Group"}
_NOT_ATTRIBUTES = frozenset({"schemas", "id", "meta", "Operations"})


def audit_detail(
    *,
    glpi_ids: Mapping[str, Any] | None = None,
    attributes: Iterable[str] | Mapping[str, Any] = (),
    result: str | None = None,
) -> None:
    """Add backend facts to the current request's audit event.

    :param glpi_ids: GLPI ids touched, by itemtype; merged with earlier calls.
    :param attributes: names of attributes changed (added to those the IdP sent).
    :param result: ``"noop"`` when nothing needed changing (or ``"failure"``).
    """
    from flask import g

    detail = g.setdefault("audit_detail", {"glpi_ids": {}, "attributes": set(), "result": None})
    detail["glpi_ids"].update(glpi_ids or {})
    detail["attributes"].update(_attribute_names(attributes))
    if result is not None:
        if result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}")
        detail["result"] = result


def _path_attribute(path: str) -> str:
    """``members[value eq "x"].display`` → ``members``; keeps a schema URN prefix."""
    head = path.split("[", 1)[0]
    if head.lower().startswith("urn:"):
        return head
    return head.split(".", 1)[0]


def sent_attribute_names(method: str, body: Any) -> list[str]:
    """Names of the attributes a SCIM write carries (never their values)."""
    if not isinstance(body, dict):
        return []
    names: set[str] = set()
    if method == "PATCH":
        for operation in body.get("Operations") or []:
            if not isinstance(operation, dict):
                continue
            path = operation.get("path")
            if isinstance(path, str) and path:
                names.add(_path_attribute(path))
            elif isinstance(operation.get("value"), dict):
                names.update(_path_attribute(str(key)) for key in operation["value"])
        return sorted(names)
    for key, value in body.items():
        if key in _NOT_ATTRIBUTES:
            continue
        if key.lower().startswith("urn:") and isinstance(value, dict):
            names.update(f"{key}:{sub}" for sub in value)
        else:
            names.add(key)
    return sorted(names)


def _resource(path: str) -> tuple[str, str | None] | None:
    """(resource type, id) of a ``/scim/v2/Users[/<id>]`` path, else None."""
    parts = scim_segments(path)
    if parts is None:
        return None
    resource_type = _RESOURCE_TYPES.get(parts[0])
    if resource_type is None or len(parts) > 2 or (len(parts) == 2 and parts[1].startswith(".")):
        return None
    return resource_type, parts[1] if len(parts) == 2 else None


def audit_request(response: Any) -> None:
    """``after_request``: the audit events of an authenticated SCIM write, if this is one.

    A Bulk request gives one event per operation it ran, from its BulkResponse.
    """
    from flask import g
    from flask import request

    tenant = g.get("tenant")
    if tenant is None or request.method not in _WRITE_METHODS:
        return
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # nested too deeply to parse: the view refused it already
        body = None
    if scim_segments(request.path) == ["Bulk"]:
        _audit_bulk(tenant, body, response.get_json(silent=True))
        return
    target = _resource(request.path)
    if target is None:
        return
    resource_type, resource_id = target
    if resource_id is None and response.status_code == 201:
        created = response.get_json(silent=True)
        resource_id = created.get("id") if isinstance(created, dict) else None
    detail = g.get("audit_detail") or {"glpi_ids": {}, "attributes": set(), "result": None}
    attributes = set(sent_attribute_names(request.method, body))
    result = detail["result"] or ("success" if response.status_code < 300 else "failure")
    audit_event(
        tenant=tenant,
        operation=request.method,
        resource_type=resource_type,
        resource_id=resource_id,
        result=result,
        glpi_ids=detail["glpi_ids"],
        attributes=attributes | detail["attributes"],
        detail=None if result != "failure" else f"HTTP {response.status_code}",
    )


def _bulk_source(result: dict, pending: list[dict]) -> dict:
    """The request operation a BulkResponse entry answers (by bulkId, else method and path)."""
    location = urlsplit(str(result.get("location") or "")).path.rstrip("/")
    for operation in pending:
        same_bulk = result.get("bulkId") and operation.get("bulkId") == result.get("bulkId")
        path = str(operation.get("path") or "").rstrip("/")
        same_target = (
            not result.get("bulkId")
            and str(operation.get("method", "")).upper() == str(result.get("method", "")).upper()
            and bool(path)
            and location.endswith(path)
        )
        if same_bulk or same_target:
            pending.remove(operation)
            return operation
    return {}


def _audit_bulk(tenant: object, body: Any, answer: Any) -> None:
    """One event per operation a Bulk request ran (RFC 7644 §3.7.3 BulkResponse)."""
    if not isinstance(body, dict) or not isinstance(answer, dict):
        return
    pending = [op for op in body.get("Operations") or [] if isinstance(op, dict)]
    for result in answer.get("Operations") or []:
        if not isinstance(result, dict):
            continue
        source = _bulk_source(result, pending)
        method = str(result.get("method") or source.get("method") or "").upper()
        location = urlsplit(str(result.get("location") or "")).path
        target = _resource(location) if location else None
        if target is None and source.get("path"):
            target = _resource("/scim/v2/" + str(source["path"]).lstrip("/"))
        if target is None or method not in _WRITE_METHODS:
            continue
        status_text = str(result.get("status", ""))
        status = int(status_text) if status_text.isdigit() else 500
        audit_event(
            tenant=tenant,
            operation=method,
            resource_type=target[0],
            resource_id=target[1],
            result="success" if status < 300 else "failure",
            attributes=sent_attribute_names(method, source.get("data")),
            detail=f"bulk {result.get('bulkId') or ''}".strip()
            + ("" if status < 300 else f": HTTP {status}"),
        )
