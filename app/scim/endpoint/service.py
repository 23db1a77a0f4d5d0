"""The work behind the SCIM resource views: one function per verb, for any resource type.

Views in :mod:`app.scim.endpoint.routes` stay a line or two long; this module reads
the request (body, parameters), calls the tenant's storage and shapes the
answer (projection, ``meta.location``, ``meta.resourceType``, status,
``Location``). It knows SCIM and the :class:`~app.scim.storage.Storage`
interface only.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from flask import Response
from flask import current_app
from flask import g
from flask import request
from flask import url_for

from app.scim.constants import SEARCH_REQUEST_SCHEMA
from app.scim.endpoint.etags import check_if_match
from app.scim.endpoint.etags import etag_headers
from app.scim.endpoint.etags import has_if_match
from app.scim.endpoint.etags import not_modified
from app.scim.endpoint.responses import dumps
from app.scim.endpoint.responses import list_response
from app.scim.endpoint.responses import scim_response
from app.scim.endpoint.responses import scim_text_response
from app.scim.errors import InvalidSyntaxError
from app.scim.errors import InvalidValueError
from app.scim.errors import SCIMError
from app.scim.payload import load_resource
from app.scim.projection import project
from app.scim.projection import selection_for
from app.scim.query import ListParams
from app.scim.query import build_search
from app.scim.query import load_params
from app.scim.schema import RESOURCES
from app.scim.schema import Attribute
from app.scim.storage import AttributeSelection
from app.scim.storage import Context
from app.scim.storage import Storage
from app.scim.storage import ValueParts

#: Request media types accepted for bodies: the SCIM media type (RFC 7644
#: §8.1) and plain JSON, which some clients send.
BODY_MEDIA_TYPES = ("application/scim+json", "application/json")

#: View (endpoint) that serves one resource of each type, for ``meta.location``;
#: relative to the blueprint the request came through, so that a resource
#: reached under a tenant prefix (``/scim/v2/t/<tenant>``) is located there too.
RESOURCE_ENDPOINTS = {"User": ".get_user", "Group": ".get_group"}

#: The cheapest read of a resource that still carries ``meta.version``.
VERSION_ONLY = AttributeSelection(attributes=("id",))


class UnsupportedMediaTypeError(SCIMError):
    """415: the body is neither ``application/scim+json`` nor ``application/json``."""

    status = 415
    scim_type = "invalidSyntax"
    default_detail = "The request body must be application/scim+json or application/json."


def settings() -> dict:
    """Return the validated bridge configuration."""
    return current_app.config["BRIDGE"]


def storage() -> Storage:
    """Return the storage of the authenticated tenant."""
    return g.tenant.storage


def context(selection: AttributeSelection | None = None, *, in_parts: bool = False) -> Context:
    """Build the storage :class:`Context` of this request."""
    return Context(
        tenant=g.tenant.name,
        attributes=selection or AttributeSelection(),
        request_id=g.get("request_id"),
        if_match=request.headers.get("If-Match"),
        in_parts=in_parts,
    )


def read_json() -> Any:
    """Parse the request body as JSON.

    A body without ``Content-Type`` is read as JSON too: some clients omit
    it, and the body is validated anyway.

    :raises UnsupportedMediaTypeError: for another media type.
    :raises InvalidSyntaxError: for an empty or malformed body.
    """
    if request.mimetype and request.mimetype not in BODY_MEDIA_TYPES:
        raise UnsupportedMediaTypeError()
    raw = request.get_data(cache=True)
    if request.content_length is not None and len(raw) < request.content_length:
        raise InvalidSyntaxError(
            "The request body is shorter than its Content-Length: it did not arrive whole."
        )
    if not raw.strip():
        raise InvalidSyntaxError("The request body is empty.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSyntaxError("The request body is not valid JSON.") from exc
    except RecursionError:
        raise InvalidSyntaxError("The request body is nested too deeply.") from None
    check_text(body)
    return body


#: C0 control characters but TAB, LF and CR: no IdP sends them, GLPI would store them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_text(body: Any) -> None:
    """Refuse strings that are not text: lone UTF-16 surrogates and control characters.

    RFC 8259 §8.2 lets ``"\\udfff"`` through the JSON grammar although it is
    no character ("the behavior of software that receives JSON texts
    containing such values is unpredictable"): it cannot be encoded to send
    to GLPI. Walked without recursion, keys and values alike.

    :raises InvalidSyntaxError: a lone surrogate.
    :raises InvalidValueError: a control character.
    """
    pending = [body]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidSyntaxError(
                    "The request body holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                    "which is not text."
                ) from None
            if _CONTROL.search(item):
                raise InvalidValueError(
                    "A value holds a control character (U+0000 to U+001F other than tab, "
                    "line feed and carriage return)."
                )


def query_selection(resource_type: str) -> AttributeSelection:
    """The ``attributes``/``excludedAttributes`` of the query string (RFC 7644 §3.9)."""
    params = load_params(request.args.to_dict())
    return selection_for(RESOURCES[resource_type], params.attributes, params.excluded)


def location(resource_type: str, resource_id: str) -> str:
    """Return the absolute URL of a resource."""
    endpoint = RESOURCE_ENDPOINTS[resource_type]
    key = "user_id" if resource_type == "User" else "group_id"
    return url_for(endpoint, _external=True, **{key: resource_id})


def add_references(resource_type: str, resource: dict) -> dict:
    """Fill the ``$ref`` of references to our own resources (members, groups, manager).

    A reference (RFC 7643 §2.3.7) is a URI; for our own resources it is
    their location. A backend knows the ``value`` (and the member ``type``); the absolute URI
    depends on how the bridge is reached, so it is computed here.
    """
    schema = RESOURCES[resource_type]
    out = dict(resource)
    for key, value in resource.items():
        extension = schema.extension(key)
        if extension is not None and isinstance(value, dict):
            out[key] = {k: _with_refs(extension.attribute(k), v) for k, v in value.items()}
        else:
            out[key] = _with_refs(schema.core.attribute(key), value)
    return out


def _with_refs(attr: Attribute | None, value: Any) -> Any:
    ref = attr.sub("$ref") if attr is not None and attr.is_complex else None
    targets = [t for t in (ref.reference_types if ref else ()) if t in RESOURCE_ENDPOINTS]
    if not targets:
        return value

    prefixes: dict[str, str | None] = {}

    def ref(kind: str, item_id: str) -> str:
        """``location(kind, item_id)``; for a numeric id (every GLPI id), from the URL of
        id 0, built once per attribute: a 10,000-member group is 10,000 references."""
        if not (item_id.isascii() and item_id.isdigit()):
            return location(kind, item_id)
        if kind not in prefixes:
            zero = location(kind, "0")
            prefixes[kind] = zero[:-1] if zero.endswith("/0") else None
        prefix = prefixes[kind]
        return prefix + item_id if prefix is not None else location(kind, item_id)

    def one(item: Any) -> Any:
        if not isinstance(item, dict) or not item.get("value") or item.get("$ref"):
            return item
        kind = item.get("type") if item.get("type") in targets else targets[0]
        return {**item, "$ref": ref(kind, str(item["value"]))}

    return [one(v) for v in value] if isinstance(value, list) else one(value)


def present(resource_type: str, resource: dict, selection: AttributeSelection) -> dict:
    """Project a stored resource and complete its ``meta`` (RFC 7643 §3.1)."""
    shown = project(add_references(resource_type, resource), RESOURCES[resource_type], selection)
    if "meta" in shown:
        meta = {k: v for k, v in shown["meta"].items() if v is not None}
        meta["resourceType"] = resource_type
        meta["location"] = location(resource_type, str(resource["id"]))
        shown["meta"] = meta
    return shown


def present_text(resource_type: str, resource: dict,
                 selection: AttributeSelection) -> tuple[str, dict]:
    """The JSON text of :func:`present`, and what it shows but the attributes in parts.

    An attribute the storage delivers in :class:`ValueParts` (a 10,000-member
    group's ``members``, one GLPI range per part) is presented and serialised
    part by part, while the storage reads the next parts, then joined into the
    text. The text is whole before anything is sent: a read that fails after the
    first parts is an error answer, never a truncated ``200``.
    """
    parted = [key for key, value in resource.items() if isinstance(value, ValueParts)]
    texts = {key: _part_texts(resource_type, key, resource[key], selection) for key in parted}
    marks = {key: f"\x00{key} {secrets.token_hex(8)}" for key in parted if texts[key]}
    shown = present(resource_type, {**resource, **{k: marks.get(k) for k in parted}}, selection)
    text = dumps(shown)
    for key, mark in marks.items():
        text = text.replace(dumps(mark), "[" + ",".join(texts[key]) + "]", 1)
    return text, {k: v for k, v in shown.items() if k not in marks}


def _part_texts(resource_type: str, key: str, parts: ValueParts,
                selection: AttributeSelection) -> list[str]:
    """Each non-empty part of ``resource[key]``, presented as :func:`present` would
    (``$ref``, projection), as JSON array items without the brackets."""
    schema = RESOURCES[resource_type]
    out = []
    for part in parts:
        shown = project(add_references(resource_type, {key: part}), schema, selection)
        values = next((v for k, v in shown.items() if k != "schemas"), None)
        if values:
            out.append(dumps(values)[1:-1])
    return out


def get_resource(resource_type: str, resource_id: str) -> Response:
    """GET one resource (RFC 7644 §3.4.1); 304 when ``If-None-Match`` names its version."""
    selection = query_selection(resource_type)
    resource = storage().get(context(selection, in_parts=True), resource_type, resource_id)
    try:
        if not_modified(resource):
            return scim_response(None, 304, etag_headers(resource))
        text, shown = present_text(resource_type, resource, selection)
    finally:
        for value in resource.values():
            if isinstance(value, ValueParts):
                value.close()
    return scim_text_response(text, 200, etag_headers(resource, shown))


def create_resource(resource_type: str) -> Response:
    """POST a resource (RFC 7644 §3.3): 201, the resource, its ``Location`` and ``ETag``."""
    selection = query_selection(resource_type)
    body = load_resource(read_json(), resource_type, strict_unknown=strict_unknown())
    created = storage().create(context(selection), resource_type, body)
    shown = present(resource_type, created, selection)
    url = location(resource_type, str(created["id"]))
    return scim_response(shown, 201, {"Location": url, **etag_headers(created, shown)})


def check_precondition(resource_type: str, resource_id: str) -> None:
    """Compare ``If-Match``, when given, with the version the storage reads now (412)."""
    if has_if_match():
        check_if_match(storage().get(context(VERSION_ONLY), resource_type, resource_id))


def written(resource_type: str, resource_id: str, returned: dict | None,
            selection: AttributeSelection) -> dict | None:
    """The resource to answer a write with.

    A client that sent ``If-Match`` works with versions and needs the one
    the storage now holds; a backend may answer a write without reading it
    back (the GLPI backend answers a Group PATCH from the patch itself), so
    the resource is read again then.
    """
    if has_if_match():
        return storage().get(context(selection), resource_type, resource_id)
    return returned


def replace_resource(resource_type: str, resource_id: str) -> Response:
    """PUT a resource (RFC 7644 §3.5.1): 200 and the resource; 412 on a stale ``If-Match``."""
    selection = query_selection(resource_type)
    body = load_resource(read_json(), resource_type, strict_unknown=strict_unknown())
    check_precondition(resource_type, resource_id)
    replaced = storage().replace(context(selection), resource_type, resource_id, body)
    replaced = written(resource_type, resource_id, replaced, selection)
    shown = present(resource_type, replaced, selection)
    return scim_response(shown, 200, etag_headers(replaced, shown))


def delete_resource(resource_type: str, resource_id: str) -> Response:
    """DELETE a resource (RFC 7644 §3.6): 204 without a body; 412 on a stale ``If-Match``."""
    check_precondition(resource_type, resource_id)
    storage().delete(context(), resource_type, resource_id)
    return scim_response(None, 204)


def list_resources(resource_type: str, params: ListParams) -> Response:
    """List or search one resource type (RFC 7644 §3.4.2, §3.4.3)."""
    query, selection = build_search(params, RESOURCES[resource_type], max_results())
    result = storage().search(context(selection), resource_type, query)
    shown = [present(resource_type, r, selection) for r in result.resources]
    return scim_response(list_response(shown, result.total, query.start_index))


def query_params() -> ListParams:
    """Parameters of a GET list request."""
    return load_params(request.args.to_dict())


def search_params() -> ListParams:
    """Parameters of a POST ``.search`` request (RFC 7644 §3.4.3).

    The body is a SearchRequest, whose ``schemas`` names
    ``urn:ietf:params:scim:api:messages:2.0:SearchRequest``.
    """
    body = read_json()
    if not isinstance(body, dict):
        raise InvalidSyntaxError("The request body must be a JSON object.")
    schemas = next((v for k, v in body.items() if str(k).lower() == "schemas"), None)
    if not isinstance(schemas, list) or SEARCH_REQUEST_SCHEMA not in schemas:
        raise InvalidValueError(f'schemas: must be ["{SEARCH_REQUEST_SCHEMA}"].')
    return load_params(body)


def max_results() -> int:
    """The largest page a list returns: ``scim.max_results``, advertised as ``maxResults``."""
    return int(settings()["scim"]["max_results"])


def strict_unknown() -> bool:
    """Whether unknown attributes in a body are refused (``scim.unknown_attributes: error``)."""
    return settings()["scim"]["unknown_attributes"] == "error"
