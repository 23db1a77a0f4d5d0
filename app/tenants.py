"""Tenants: each holds its configuration, its storage and its credentials.

A request is routed to its tenant by the bearer token it presents. Tokens
are configured in clear or as ``sha256:<hex>``; both are kept only as
SHA-256 digests here and compared with :func:`hmac.compare_digest`, against
every configured token, so neither timing nor an early exit reveals which
token (or how much of one) matched.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask
from flask import current_app


def token_digest(token: str) -> bytes:
    """Return the SHA-256 digest a configured token (clear or ``sha256:``) stands for."""
    if token.startswith("sha256:"):
        return bytes.fromhex(token[len("sha256:"):])
    return hashlib.sha256(token.encode("utf-8")).digest()


@dataclass
class Tenant:
    name: str
    config: dict
    storage: Any
    token_digests: list[bytes] = field(default_factory=list)


class TenantRegistry:
    """All tenants of the app, and the credential → tenant look-up.

    ``verify_access_token`` (from :mod:`app.oauth`) maps an OAuth2 access
    token to its tenant name; static tokens are tried first.
    """

    def __init__(self, tenants: list[Tenant],
                 verify_access_token: Callable[[str], str | None] | None = None):
        self.tenants = {t.name: t for t in tenants}
        self._digests = [(d, t) for t in tenants for d in t.token_digests]
        self._verify_access_token = verify_access_token

    def authenticate(self, token: str) -> Tenant | None:
        """Return the tenant owning ``token``, or None. Constant time in the token."""
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        for digest, tenant in self._digests:
            if hmac.compare_digest(presented, digest) and found is None:
                found = tenant
        if found is None and self._verify_access_token is not None and token.count(".") == 2:
            name = self._verify_access_token(token)
            found = self.tenants.get(name) if name else None
        return found

    def get(self, name: str) -> Tenant | None:
        return self.tenants.get(name)

    def close(self) -> None:
        for tenant in self.tenants.values():
            close = getattr(tenant.storage, "close", None)
            if close is not None:
                close()


def build_registry(settings: dict, factory: Callable[[dict, dict], Any],
                   verify_access_token: Callable[[str], str | None] | None = None) -> TenantRegistry:
    tenants = [
        Tenant(
            name=t["name"],
            config=t,
            storage=factory(t, settings),
            token_digests=[token_digest(tok) for tok in t["tokens"]],
        )
        for t in settings["tenants"]
    ]
    return TenantRegistry(tenants, verify_access_token)


def init_app(app: Flask, factory: Callable[[dict, dict], Any]) -> None:
    oauth = app.extensions.get("oauth")
    verify = oauth.verify if oauth is not None and oauth.clients else None
    app.extensions["tenants"] = build_registry(app.config["BRIDGE"], factory, verify)


def registry() -> TenantRegistry:
    return current_app.extensions["tenants"]
