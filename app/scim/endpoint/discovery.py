"""Discovery documents: ServiceProviderConfig, ResourceTypes, Schemas (RFC 7643 §5-7, RFC 7644 §4).

Everything here is generated from :mod:`app.scim.schema` and the
configuration, and it tells the truth: a feature is advertised only when
the endpoint implements it, and the tests check each claim against what the
app does (``filter.supported`` ⇒ filtering works, ``maxResults`` ⇒ pages
never exceed it, and so on).

RFC 7644 §4: "If a "filter" is provided, the service provider SHOULD respond
with HTTP status code 403 (Forbidden) to ensure that clients cannot
incorrectly assume that any matching conditions specified in a filter are
true." Writes are refused with 405 by the routing (only GET is routed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from flask import Response
from flask import request
from flask import url_for

from app.scim.constants import RESOURCE_TYPE_SCHEMA
from app.scim.constants import SCHEMA_SCHEMA
from app.scim.constants import SERVICE_PROVIDER_CONFIG_SCHEMA
from app.scim.endpoint.auth import current_tenant
from app.scim.endpoint.bulk import limits as bulk_limits
from app.scim.endpoint.responses import list_response
from app.scim.endpoint.responses import scim_response
from app.scim.errors import ForbiddenError
from app.scim.errors import NotFoundError
from app.scim.schema import RESOURCES
from app.scim.schema import SCHEMAS
from app.scim.schema import Attribute
from app.scim.schema import ResourceSchema
from app.scim.schema import Schema

#: Which resource type each schema describes (to ask the storage what it stores).
_RESOURCE_OF_SCHEMA = {s.id: r.name for r in RESOURCES.values() for s in r.schemas}


def _refuse_filter() -> None:
    if any(k.lower() == "filter" for k in request.args):
        raise ForbiddenError("Discovery endpoints do not support filtering.")


def service_provider_config(max_results: int) -> dict:
    """Build the ServiceProviderConfig (RFC 7643 §5).

    ``bulk.maxPayloadSize`` is the limit :mod:`app.scim.endpoint.bulk` enforces: the
    smaller of ``scim.bulk_max_payload_bytes`` and ``server.max_body_bytes``.
    """
    bulk_operations, bulk_payload = bulk_limits()
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": bulk_operations,
                 "maxPayloadSize": bulk_payload},
        "filter": {"supported": True, "maxResults": int(max_results)},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": authentication_schemes(),
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": url_for(".get_service_provider_config", _external=True),
        },
    }


def authentication_schemes() -> list[dict]:
    """The schemes this tenant accepts (RFC 7643 §5 ``authenticationSchemes``).

    Bearer tokens always; OAuth 2.0 client credentials (``POST /oauth/token``)
    only when the tenant has OAuth clients: its access tokens are then sent
    as bearer tokens too.
    """
    schemes = [{
        "type": "oauthbearertoken",
        "name": "OAuth Bearer Token",
        "description": "Authentication with a bearer token in the Authorization header.",
        "specUri": "https://www.rfc-editor.org/info/rfc6750",
        "primary": True,
    }]
    if (current_tenant().config.get("oauth") or {}).get("clients"):
        schemes.append({
            "type": "oauth2",
            "name": "OAuth 2.0 client credentials",
            "description": "Access tokens from POST /oauth/token (client_credentials grant, "
                           "client_secret_basic or client_secret_post), sent as bearer tokens.",
            "specUri": "https://www.rfc-editor.org/info/rfc6749",
            "primary": False,
        })
    return schemes


def resource_type_document(resource: ResourceSchema) -> dict:
    """Build a ResourceType (RFC 7643 §6)."""
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": resource.name,
        "name": resource.name,
        "endpoint": resource.endpoint,
        "description": resource.description,
        "schema": resource.core.id,
        "schemaExtensions": [{"schema": ext.id, "required": False} for ext in resource.extensions],
        "meta": {
            "resourceType": "ResourceType",
            "location": url_for(".get_resource_type", name=resource.name, _external=True),
        },
    }


def advertised(attr: Attribute, path: str, support: Mapping[str, str] | None,
               canonical: Mapping[str, list[str]]) -> Attribute | None:
    """The definition of ``attr`` as this tenant's storage keeps it, or None when it is not kept.

    ``support`` maps canonical paths to their mutability (None: the storage
    keeps everything). A complex attribute keeps the sub-attributes listed
    there, or all of them when none is listed.
    """
    if support is not None and path not in support:
        return None
    subs = attr.sub_attributes
    if support is not None and any(k.startswith(path + ".") for k in support):
        subs = tuple(
            sub for sub in (advertised(s, f"{path}.{s.name}", support, canonical) for s in subs)
            if sub is not None
        )
    changes: dict = {"sub_attributes": tuple(subs)}
    if support is not None:
        changes["mutability"] = support[path]
    if path in canonical:
        changes["canonical_values"] = tuple(canonical[path])
    return dataclasses.replace(attr, **changes)


def _storage_view(resource_type: str | None) -> tuple[Mapping[str, str] | None, Mapping[str, list[str]]]:
    """What the tenant's storage says it keeps for ``resource_type``."""
    storage = current_tenant().storage
    support_of = getattr(storage, "attribute_support", None)
    canonical_of = getattr(storage, "canonical_values", None)
    if resource_type is None:
        return None, {}
    support = support_of(resource_type) if callable(support_of) else None
    canonical = canonical_of(resource_type) if callable(canonical_of) else None
    return support, canonical or {}


def schema_document(schema: Schema) -> dict:
    """Build a Schema definition (RFC 7643 §7) from the attribute model.

    Only what the tenant's storage keeps is advertised, with the mutability
    it really has: a client (and scim2-tester) must never expect an
    attribute the backend cannot give back.
    """
    support, canonical = _storage_view(_RESOURCE_OF_SCHEMA.get(schema.id))
    prefix = "" if schema.id in (r.core.id for r in RESOURCES.values()) else schema.id + ":"
    attributes = [advertised(a, prefix + a.name, support, canonical) for a in schema.attributes]
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": [attr.to_dict() for attr in attributes if attr is not None],
        "meta": {
            "resourceType": "Schema",
            "location": url_for(".get_schema", urn=schema.id, _external=True),
        },
    }


def get_service_provider_config(max_results: int) -> Response:
    _refuse_filter()
    return scim_response(service_provider_config(max_results))


def list_resource_types() -> Response:
    _refuse_filter()
    documents = [resource_type_document(r) for r in RESOURCES.values()]
    return scim_response(list_response(documents, len(documents), 1))


def get_resource_type(name: str) -> Response:
    """Return one ResourceType; the name is matched case-insensitively."""
    for resource in RESOURCES.values():
        if resource.name.lower() == name.lower():
            return scim_response(resource_type_document(resource))
    raise NotFoundError(f"Resource type {name!r} not found.")


def list_schemas() -> Response:
    _refuse_filter()
    documents = [schema_document(s) for s in SCHEMAS.values()]
    return scim_response(list_response(documents, len(documents), 1))


def get_schema(urn: str) -> Response:
    """Return one Schema by its URN (matched case-insensitively)."""
    for schema in SCHEMAS.values():
        if schema.id.lower() == urn.lower():
            return scim_response(schema_document(schema))
    raise NotFoundError(f"Schema {urn!r} not found.")
