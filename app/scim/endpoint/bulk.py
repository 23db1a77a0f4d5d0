"""``POST /Bulk`` (RFC 7644 §3.7): many resource operations in one request.

Each operation is served by the very view that serves it alone: it is
dispatched inside the Bulk request as a request of its own (same tenant,
same URL prefix, ``If-Match`` from its ``version``), so its ``status``,
``location``, ``version`` and error body are exactly what the operation
would have answered on its own.

* **bulkId references.** RFC 7644 §3.7.2: "the client MAY reference a
  resource ... by the bulkId, prefixed by "bulkId:"". Any string equal to
  ``bulkId:<id>`` in ``data`` (group ``members[].value``, ``manager.value``)
  or in ``path`` (``/Users/bulkId:qwerty``) is replaced by the id the
  referenced POST created. An operation referring to an unknown bulkId, or
  to one whose POST failed, fails with 400 ``invalidValue``.
* **Order.** Operations run in request order, except that an operation
  runs after every POST whose bulkId it references (a stable topological
  order), so a group may list users that appear later in the request.
* **Circular references.** RFC 7644 §3.7.1: "The service provider MUST try
  to resolve circular cross-references between resources in a single bulk
  job but MAY stop after a failed attempt and instead return HTTP status
  code 409 (Conflict)." Ordering is the bridge's attempt: operations left
  in a cycle (or depending on one) cannot be ordered and get 409.
* **failOnErrors.** "An integer specifying the number of errors that the
  service provider will accept before the operation is terminated": after
  that many failed operations, the rest are not run and not listed.
* **Limits.** RFC 7644 §3.7.4: "If the number of operations exceeds the
  "maxOperations" or the payload exceeds the "maxPayloadSize", the service
  provider returns HTTP status code 413 (Payload Too Large)". Both are
  advertised by ServiceProviderConfig from the same values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Response
from flask import current_app
from flask import request
from werkzeug.test import EnvironBuilder

from app.scim.constants import SCIM_CONTENT_TYPE
from app.scim.endpoint.responses import scim_response
from app.scim.endpoint.service import read_json
from app.scim.endpoint.service import settings
from app.scim.errors import InvalidSyntaxError
from app.scim.errors import InvalidValueError
from app.scim.errors import PayloadTooLargeError
from app.scim.errors import SCIMError

BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
METHODS = ("POST", "PUT", "PATCH", "DELETE")
BULK_ID_PREFIX = "bulkId:"
_PATH = re.compile(r"^/(Users|Groups)(?:/([^/?#]+))?$")


class CircularReferenceError(SCIMError):
    """409: the operation is part of (or depends on) a cycle of bulkId references."""

    status = 409
    default_detail = "The operation is part of, or depends on, a circular bulkId reference."


def limits() -> tuple[int, int]:
    """``(maxOperations, maxPayloadSize)``: what is enforced, and advertised."""
    scim = settings()["scim"]
    payload = min(int(scim["bulk_max_payload_bytes"]), int(settings()["server"]["max_body_bytes"]))
    return int(scim["bulk_max_operations"]), payload


@dataclass
class Operation:
    """One entry of ``Operations``, as read."""

    index: int
    method: str
    path: str
    bulk_id: str | None = None
    version: str | None = None
    data: Any = None
    refs: set[str] = field(default_factory=set)
    error: SCIMError | None = None


def _member(raw: dict, name: str) -> Any:
    """A member of ``raw`` by case-insensitive name (RFC 7643 §2.1)."""
    return next((v for k, v in raw.items() if str(k).lower() == name.lower()), None)


def references(value: Any) -> set[str]:
    """The bulkIds ``value`` refers to (strings ``bulkId:<id>``, at any depth)."""
    if isinstance(value, str):
        return {value[len(BULK_ID_PREFIX):]} if value.startswith(BULK_ID_PREFIX) else set()
    if isinstance(value, dict):
        return set().union(*(references(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(references(v) for v in value)) if value else set()
    return set()


def substitute(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every ``bulkId:<id>`` replaced by the created resource's id."""
    if isinstance(value, str) and value.startswith(BULK_ID_PREFIX):
        return ids[value[len(BULK_ID_PREFIX):]]
    if isinstance(value, dict):
        return {k: substitute(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, ids) for v in value]
    return value


def resolve_path(path: str, ids: dict[str, str]) -> str:
    """``/Users/bulkId:qwerty`` → ``/Users/<created id>``."""
    endpoint, _, target = path.rpartition("/")
    if endpoint and target.startswith(BULK_ID_PREFIX):
        return f"{endpoint}/{substitute(target, ids)}"
    return path


def read_operation(index: int, raw: Any, seen: set[str]) -> Operation:
    """Read one operation; a malformed one carries its 400 in ``error``."""
    if not isinstance(raw, dict):
        return Operation(index, "", "", error=InvalidSyntaxError(
            f"Operations[{index}] must be an object."))
    method = str(_member(raw, "method") or "").upper()
    path = _member(raw, "path")
    bulk_id = _member(raw, "bulkId")
    version = _member(raw, "version")
    op = Operation(index, method, path if isinstance(path, str) else "",
                   str(bulk_id) if bulk_id is not None else None,
                   str(version) if version else None, _member(raw, "data"))
    match = _PATH.match(op.path)
    op.refs = references(op.data) | references(match.group(2) if match else None)
    if method not in METHODS:
        op.error = InvalidValueError(
            f"Operations[{index}].method must be one of {', '.join(METHODS)}.")
    elif match is None or (method == "POST") != (match.group(2) is None):
        op.error = InvalidValueError(
            f"Operations[{index}].path must be /Users or /Groups for POST, and /Users/<id> or "
            "/Groups/<id> otherwise.")
    elif op.bulk_id is not None and method == "POST" and op.bulk_id in seen:
        op.error = InvalidValueError(f"bulkId {op.bulk_id!r} is used by two operations.")
    elif op.bulk_id is not None and method == "POST":
        seen.add(op.bulk_id)
    return op


def read_request(body: Any) -> tuple[list[Operation], int | None]:
    """Read a BulkRequest; return its operations and ``failOnErrors``.

    :raises InvalidSyntaxError: the body is not a BulkRequest.
    :raises InvalidValueError: ``failOnErrors`` is not a positive integer.
    :raises PayloadTooLargeError: more operations than ``maxOperations``.
    """
    if not isinstance(body, dict):
        raise InvalidSyntaxError("The request body must be a JSON object.")
    schemas = _member(body, "schemas")
    if not isinstance(schemas, list) or BULK_REQUEST_SCHEMA not in schemas:
        raise InvalidValueError(f'schemas: must be ["{BULK_REQUEST_SCHEMA}"].')
    raw_ops = _member(body, "Operations")
    if not isinstance(raw_ops, list):
        raise InvalidSyntaxError("Operations: a list of operations is required.")
    max_operations, _ = limits()
    if len(raw_ops) > max_operations:
        raise PayloadTooLargeError(
            f"The bulk request has {len(raw_ops)} operations, more than maxOperations "
            f"({max_operations}).")
    fail_on_errors = _member(body, "failOnErrors")
    valid = isinstance(fail_on_errors, int) and not isinstance(fail_on_errors, bool)
    if fail_on_errors is not None and not (valid and fail_on_errors >= 1):
        raise InvalidValueError("failOnErrors must be a positive integer.")
    seen: set[str] = set()
    return [read_operation(i, raw, seen) for i, raw in enumerate(raw_ops)], fail_on_errors


def run_order(operations: list[Operation]) -> tuple[list[Operation], list[Operation]]:
    """A stable topological order of ``operations``, and those left in (or behind) a cycle.

    An operation depends on the POST that defines a bulkId it references.
    Among the operations that are ready, the earliest in the request runs first.
    """
    creator = {op.bulk_id: op.index for op in operations
               if op.method == "POST" and op.bulk_id is not None and op.error is None}
    needs = {op.index: {creator[r] for r in op.refs if r in creator} for op in operations}
    done: set[int] = set()
    order: list[Operation] = []
    pending = list(operations)
    while pending:
        ready = next((op for op in pending if needs[op.index] <= done), None)
        if ready is None:
            break
        order.append(ready)
        done.add(ready.index)
        pending.remove(ready)
    return order, pending


def process_bulk() -> Response:
    """Serve ``POST /Bulk``: run the operations, answer a BulkResponse (200)."""
    _, max_payload = limits()
    size = request.content_length
    if size is not None and size > max_payload:
        raise PayloadTooLargeError(
            f"The size of the bulk operation exceeds the maxPayloadSize ({max_payload}).")
    raw = request.get_data(cache=True)
    if len(raw) > max_payload:
        raise PayloadTooLargeError(
            f"The size of the bulk operation exceeds the maxPayloadSize ({max_payload}).")
    operations, fail_on_errors = read_request(read_json())
    order, cyclic = run_order(operations)
    created: dict[str, str] = {}
    results: list[dict] = []
    errors = 0
    in_cycle = {op.index for op in cyclic}
    for op in order + cyclic:
        if fail_on_errors is not None and errors >= fail_on_errors:
            break
        if op.index in in_cycle and op.error is None:
            op.error = CircularReferenceError()
        result = run(op, created)
        results.append(result)
        errors += int(int(result["status"]) >= 400)
    return scim_response({"schemas": [BULK_RESPONSE_SCHEMA], "Operations": results})


def run(op: Operation, created: dict[str, str]) -> dict:
    """Run one operation; return its BulkResponse entry."""
    missing = sorted(r for r in op.refs if r not in created)
    if op.error is None and missing:
        op.error = InvalidValueError(
            f"bulkId {missing[0]!r} does not name a resource created earlier in this request.")
    if op.error is not None:
        return entry(op, op.error.status, None, None, op.error.to_dict())
    path = resolve_path(op.path, created)
    response = dispatch(op.method, path, substitute(op.data, created), op.version)
    body = response.get_json(silent=True) if response.get_data() else None
    succeeded = response.status_code == 201 and isinstance(body, dict)
    if op.method == "POST" and op.bulk_id and succeeded:
        created[op.bulk_id] = str(body.get("id"))
    location = response.headers.get("Location") or (
        resource_url(path) if op.method != "POST" else None)
    failed = response.status_code >= 400
    return entry(op, response.status_code, location, response.headers.get("ETag"),
                 body if failed else None)


def entry(op: Operation, status: int, location: str | None, version: str | None,
          error: dict | None) -> dict:
    """A BulkResponse operation: "status" is the HTTP status code as a string (RFC 7644 §3.7.3)."""
    out: dict[str, Any] = {"method": op.method or None}
    if op.bulk_id is not None:
        out["bulkId"] = op.bulk_id
    if location:
        out["location"] = location
    if version:
        out["version"] = version
    out["status"] = str(status)
    if error is not None:
        out["response"] = error
    return {k: v for k, v in out.items() if v is not None}


def base_path() -> str:
    """The SCIM base the Bulk request came through (``/scim/v2`` or a tenant prefix)."""
    return request.path.rstrip("/")[: -len("/Bulk")]


def resource_url(path: str) -> str:
    return request.host_url.rstrip("/") + request.script_root + base_path() + path


def dispatch(method: str, path: str, data: Any, version: str | None) -> Response:
    """Serve one operation with the app's own view, as if it had been sent alone."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    headers = {"Authorization": request.headers.get("Authorization", "")}
    if version:
        headers["If-Match"] = version
    builder = EnvironBuilder(
        path=base_path() + path, base_url=request.root_url, method=method, headers=headers,
        data=json.dumps(data) if data is not None else None,
        content_type=SCIM_CONTENT_TYPE if data is not None else None,
        environ_overrides={"REMOTE_ADDR": request.remote_addr or ""})
    with app.request_context(builder.get_environ()):
        request.view_args = {k: v for k, v in (request.view_args or {}).items() if k != "tenant"}
        try:
            return app.make_response(app.dispatch_request())
        except Exception as exc:  # noqa: BLE001 - every failure becomes its SCIM answer
            return app.make_response(app.handle_user_exception(exc))
