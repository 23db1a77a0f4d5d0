"""The PATCH flow of the SCIM endpoint (RFC 7644 §3.5.2).

1. Read the PatchOp envelope (``schemas``, ``Operations``).
2. Load the resource from the storage, without the attributes handled as
   deltas: for a Group, ``members`` is excluded from the context so that a
   backend does not read a 10,000-member list to add one member.
3. Apply the operations with :func:`app.scim.patch.engine.apply_patch`. When the
   engine needs the stored members (a filter on ``members`` that names no
   explicit values), reload with them and apply again without deltas.
4. Hand the :class:`~app.scim.patch.engine.PatchResult` to ``storage.patch``,
   which writes only what changed. A PATCH that changes nothing writes
   nothing.

The answer: a User PATCH returns 200 and the resource (honouring
``attributes``); a Group PATCH returns 204, or 200 with the resource when
the client named ``attributes`` or ``excludedAttributes``. RFC 7644 §3.5.2:
"On successful completion, the server either MUST return a 200 OK response
code and the entire resource within the response body, subject to the
"attributes" query parameter ..., or MAY return HTTP status code 204 (No
Content) and the appropriate response headers for a successful PATCH
request." Entra
recommends 204 for groups: "Returning a body with a list of all the members
isn't advisable".
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import request

from app.scim.constants import GROUP
from app.scim.constants import PATCH_OP_SCHEMA
from app.scim.endpoint.etags import check_if_match
from app.scim.endpoint.etags import etag_headers
from app.scim.endpoint.etags import has_if_match
from app.scim.endpoint.responses import scim_response
from app.scim.endpoint.service import VERSION_ONLY
from app.scim.endpoint.service import context
from app.scim.endpoint.service import present
from app.scim.endpoint.service import query_selection
from app.scim.endpoint.service import read_json
from app.scim.endpoint.service import storage
from app.scim.endpoint.service import written
from app.scim.errors import InvalidSyntaxError
from app.scim.errors import InvalidValueError
from app.scim.patch.engine import NeedsFullAttribute
from app.scim.patch.engine import PatchResult
from app.scim.patch.engine import apply_patch
from app.scim.schema import RESOURCES
from app.scim.schema import ResourceSchema
from app.scim.storage import AttributeSelection

#: Multi-valued attributes a backend receives as deltas, per resource type.
DELTA_ATTRIBUTES = {GROUP: frozenset({"members"})}

#: Read-only attributes a PATCH never needs loaded, per resource type.
NOT_LOADED = {"User": ("groups",)}


def load_operations(body: Any) -> list:
    """Read a PatchOp body; return its ``Operations``.

    RFC 7644 §3.5.2: "The body of each request MUST contain the "schemas"
    attribute with the URI value of
    "urn:ietf:params:scim:api:messages:2.0:PatchOp"". Member names are
    matched case-insensitively (RFC 7643 §2.1); extra members (the
    Postman collection's ``"id"``) are ignored.

    :raises InvalidSyntaxError: when the body is not an object.
    :raises InvalidValueError: when ``schemas`` lacks the PatchOp URN.
    """
    if not isinstance(body, dict):
        raise InvalidSyntaxError("The request body must be a JSON object.")
    members = {str(k).lower(): v for k, v in body.items()}
    schemas = members.get("schemas")
    if not isinstance(schemas, list) or PATCH_OP_SCHEMA not in schemas:
        raise InvalidValueError(f'schemas: must be ["{PATCH_OP_SCHEMA}"].')
    return members.get("operations")


def without_extension_schemas(operations: Any, schema: ResourceSchema) -> Any:
    """Drop the ``schemas`` member of extension objects in PATCH values.

    scim2-models (and so scim2-tester) serialises a whole-extension value,
    ``{"op": "add", "path": "<extension URN>", "value": {...}}``, with the
    extension's own ``"schemas": [<URN>]`` inside. ``schemas`` is not an
    attribute of the extension; like a read-only member of a path-less
    value it is ignored rather than rejected.
    """
    if not isinstance(operations, list):
        return operations
    return [_strip_schemas(op, schema) if isinstance(op, dict) else op for op in operations]


def _strip_schemas(operation: dict, schema: ResourceSchema) -> dict:
    members = {str(k).lower(): k for k in operation}
    path = operation.get(members.get("path", "path"))
    value = operation.get(members.get("value", "value"))
    if not isinstance(value, dict):
        return operation
    if isinstance(path, str) and schema.extension(path) is not None:
        value = _no_schemas(value)
    elif path is None:
        value = {k: _no_schemas(v) if schema.extension(str(k)) and isinstance(v, dict) else v
                 for k, v in value.items()}
    return {**operation, members.get("value", "value"): value}


def _no_schemas(value: dict) -> dict:
    return {k: v for k, v in value.items() if str(k).lower() != "schemas"}


def compute_patch(resource_type: str, resource_id: str,
                  operations: list) -> tuple[dict, PatchResult]:
    """Load the resource and apply ``operations``; return the loaded resource and the result."""
    schema = RESOURCES[resource_type]
    deltas = DELTA_ATTRIBUTES.get(resource_type, frozenset())
    lean = AttributeSelection(excluded=tuple(deltas) + NOT_LOADED.get(resource_type, ()))
    resource = storage().get(context(lean), resource_type, resource_id)
    try:
        return resource, apply_patch(resource, operations, schema, deltas)
    except NeedsFullAttribute:
        skipped = NOT_LOADED.get(resource_type, ())
        full = AttributeSelection(attributes=_every_attribute(schema, skipped))
        resource = storage().get(context(full), resource_type, resource_id)
        return resource, apply_patch(resource, operations, schema, frozenset())


def _every_attribute(schema: ResourceSchema, skipped: tuple[str, ...]) -> tuple[str, ...]:
    """Name every attribute and sub-attribute explicitly, so that a backend also
    returns the values it gives only on request (``members.display``)."""
    names = []
    for attr in schema.core.attributes:
        if attr.name not in skipped:
            names.append(attr.name)
            names.extend(f"{attr.name}.{sub.name}" for sub in attr.sub_attributes)
    for extension in schema.extensions:
        names.extend(f"{extension.id}:{a.name}" for a in extension.attributes)
    return tuple(names)


def patch_resource(resource_type: str, resource_id: str) -> Response:
    """PATCH a resource and answer per the rules in the module docstring."""
    selection = query_selection(resource_type)
    operations = without_extension_schemas(load_operations(read_json()), RESOURCES[resource_type])
    loaded, result = compute_patch(resource_type, resource_id, operations)
    check_if_match(loaded)
    ctx = context(selection)
    updated = None if result.is_noop else storage().patch(ctx, resource_type, resource_id, result)
    if not _wants_body(resource_type):
        # A client working with versions gets the new one (RFC 7644 §3.14), read back.
        fresh = written(resource_type, resource_id, None, VERSION_ONLY)
        return scim_response(None, 204, etag_headers(fresh))
    if updated is None or has_if_match():
        updated = storage().get(ctx, resource_type, resource_id)
    shown = present(resource_type, updated, selection)
    return scim_response(shown, 200, etag_headers(updated, shown))


def _wants_body(resource_type: str) -> bool:
    if resource_type != GROUP:
        return True
    return any(k.lower() in ("attributes", "excludedattributes") for k in request.args)
