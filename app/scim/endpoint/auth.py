"""Bearer-token authentication of the SCIM endpoint.

RFC 7644 §2 leaves the authentication scheme to the service provider and
names OAuth 2.0 bearer tokens (RFC 6750) among the usual ones; Entra ID and
Okta's "HTTP Header" apps send ``Authorization: Bearer <token>``. The
token is looked up by :meth:`app.tenants.TenantRegistry.authenticate`, which
compares digests in constant time against every configured token (clear or
``sha256:``) and returns the tenant that owns it.

A missing, malformed or unknown token gets the same 401, with
``WWW-Authenticate: Bearer`` (RFC 6750 §3) and an Error body that does not
say which of these it was.

**Tenant prefix.** A request is routed by its credential. An IdP that
wants a distinct URL per tenant may use ``/scim/v2/t/<tenant>/...`` instead
(the same routes, registered a second time by :func:`app.scim.endpoint.routes.init_app`).
The prefix then has to name the tenant the credential belongs to, or the
answer is the same 401: a token of tenant A under ``/t/B`` is refused, and
the answer does not say whether tenant B exists.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask import request

from app.scim.errors import UnauthorizedError
from app.tenants import Tenant
from app.tenants import registry

#: Name under which the SCIM blueprint is registered a second time, under the tenant prefix.
TENANT_BLUEPRINT = "scim_tenant"


def bearer_token(header: str | None) -> str | None:
    """Extract the token of an ``Authorization: Bearer <token>`` header.

    The scheme is case-insensitive (RFC 7235 §2.1: "It uses a
    case-insensitive token as a means to identify the authentication
    scheme").
    """
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate_request() -> None:
    """Blueprint ``before_request`` hook: resolve the tenant or raise 401.

    :raises UnauthorizedError: when the token is missing or unknown.
    """
    token = bearer_token(request.headers.get("Authorization"))
    tenant = registry().authenticate(token) if token else None
    if tenant is None:
        raise UnauthorizedError()
    prefixed = g.get("url_tenant")
    if prefixed is not None and prefixed != tenant.name:
        raise UnauthorizedError()
    g.tenant = tenant


def take_url_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """``url_value_preprocessor``: keep the ``<tenant>`` of a prefixed URL out of the views."""
    if values and "tenant" in values:
        g.url_tenant = values.pop("tenant")


def give_url_tenant(endpoint: str, values: dict[str, Any]) -> None:
    """``url_defaults``: URLs built while serving a prefixed request keep its prefix."""
    prefixed = endpoint.startswith(TENANT_BLUEPRINT + ".")
    if prefixed and "tenant" not in values and g.get("url_tenant") is not None:
        values["tenant"] = g.url_tenant


def current_tenant() -> Tenant:
    """Return the tenant of the authenticated request."""
    return g.tenant
