"""Request ids, one JSON access line per request, and the SCIM request metrics.

The request id is the caller's ``X-Request-Id`` when it is a sane token
(1-128 characters of ``A-Za-z0-9._:-``), otherwise a fresh UUID; it is
stored in ``flask.g.request_id``, attached to every log line written
during the request and returned in the ``X-Request-Id`` response header.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Response
from flask import current_app
from flask import g
from flask import request

from app.ops.audit import audit_request
from app.ops.metrics import record_scim_request
from app.ops.paths import scim_segments

access_log = logging.getLogger("glpi_scim_bridge.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: Endpoints that become a metrics label; anything else is "other" (bounded cardinality).
_RESOURCES = {
    "Users": "User",
    "Groups": "Group",
    "Schemas": "Schemas",
    "ResourceTypes": "ResourceTypes",
    "ServiceProviderConfig": "ServiceProviderConfig",
    "Bulk": "Bulk",
    "Me": "Me",
    ".search": "search",
}


def scim_resource(path: str) -> str | None:
    """The metrics label of a SCIM path, or None when the path is not SCIM."""
    parts = scim_segments(path)
    if parts is None:
        return None
    return _RESOURCES.get(parts[0], "other")


def start_request() -> None:
    """``before_request``: take or make the request id, start the clock."""
    g.request_started = time.perf_counter()
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def finish_request(response: Response) -> Response:
    """``after_request``: return the request id, log the access line, count the request."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-Id"] = request_id
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    tenant = g.get("tenant") or g.get("ops_tenant")
    tenant_name = getattr(tenant, "name", None)
    resource = scim_resource(request.path)
    if resource is not None:
        record_scim_request(
            tenant_name or "-", resource, request.method, response.status_code, seconds
        )
    audit_request(response)
    if current_app.config["BRIDGE"]["server"]["access_log"]:
        rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "tenant": tenant_name,
                "operation": f"{request.method} {rule}",
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "remote_addr": request.remote_addr,
                "user_agent": request.user_agent.string or None,
            },
        )
    return response
