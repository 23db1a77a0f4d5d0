"""OAuth2 client credentials (RFC 6749 §4.4) for IdPs that need it.

Entra's gallery requires OAuth2 client credentials with token lifetimes of
1 to 6 hours. ``POST /oauth/token`` authenticates a configured client by
``client_secret_basic`` or ``client_secret_post`` and issues a short-lived
access token: a JWT signed with HS256 (PyJWT; no home-made crypto) carrying
the tenant. Any replica verifies it with the shared ``oauth.signing_key``,
so no token store is needed. Client secrets are configured hashed
(``sha256:<hex>``) and compared in constant time; a client may hold several
secrets so they can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from urllib.parse import unquote

import jwt
from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify
from flask import request

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

AUDIENCE = "glpi-scim-bridge/scim"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    tenant: str
    secret_digests: tuple[bytes, ...]
    lifetime: int


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response."""

    def __init__(self, error: str, description: str, status: int = 400, basic: bool = False):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.basic = basic


class TokenIssuer:
    """Issues and verifies access tokens for the configured clients."""

    def __init__(self, settings: dict):
        self.signing_key = settings["oauth"]["signing_key"]
        self.issuer = settings["oauth"]["issuer"]
        self.clients = {
            c["client_id"]: OAuthClient(
                client_id=c["client_id"],
                tenant=t["name"],
                secret_digests=tuple(bytes.fromhex(s[len("sha256:"):]) for s in c["secrets"]),
                lifetime=t["oauth"]["token_lifetime"],
            )
            for t in settings["tenants"]
            for c in t["oauth"]["clients"]
        }

    def authenticate_client(self, client_id: str, secret: str) -> OAuthClient | None:
        """Return the client when ``secret`` matches one of its secrets (constant time)."""
        client = self.clients.get(client_id)
        presented = hashlib.sha256(secret.encode("utf-8")).digest()
        ok = False
        for digest in client.secret_digests if client else (b"\0" * 32,):
            ok = hmac.compare_digest(presented, digest) or ok
        return client if ok and client else None

    def issue(self, client: OAuthClient, now: float | None = None) -> dict:
        now = int(now if now is not None else time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": client.client_id,
            "tenant": client.tenant,
            "iat": now,
            "exp": now + client.lifetime,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self.signing_key, algorithm=ALGORITHM)
        return {"access_token": token, "token_type": "Bearer", "expires_in": client.lifetime}

    def verify(self, token: str) -> str | None:
        """Return the tenant name of a valid access token, or None.

        The client must still be configured: removing a client revokes its
        outstanding tokens.
        """
        if not self.signing_key:
            return None
        try:
            claims = jwt.decode(
                token, self.signing_key, algorithms=[ALGORITHM], audience=AUDIENCE,
                issuer=self.issuer, options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        client = self.clients.get(str(claims.get("sub")))
        if client is None or client.tenant != claims.get("tenant"):
            return None
        return client.tenant


def _client_credentials() -> tuple[str, str, bool]:
    """Read the client id and secret from Basic auth or the form (RFC 6749 §2.3.1).

    RFC 6749 §2.3.1: "The client MUST NOT use more than one authentication
    method in each request."
    """
    header = request.headers.get("Authorization", "")
    form_id = request.form.get("client_id")
    form_secret = request.form.get("client_secret")
    if header.lower().startswith("basic "):
        if form_secret is not None:
            raise OAuthError("invalid_request", "Use one client authentication method only.")
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Client authentication failed.", 401, basic=True) from None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            raise OAuthError("invalid_client", "Client authentication failed.", 401, basic=True)
        # RFC 6749 §2.3.1: the id and secret are form-urlencoded before Basic encoding.
        return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " ")), True
    if form_id is None or form_secret is None:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return form_id, form_secret, False


@bp.post("/token")
def token():
    """Issue an access token (RFC 6749 §4.4.2, §5.1)."""
    issuer: TokenIssuer = current_app.extensions["oauth"]
    if request.mimetype != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded.")
    client_id, secret, basic = _client_credentials()
    client = issuer.authenticate_client(client_id, secret)
    if client is None:
        raise OAuthError("invalid_client", "Client authentication failed.", 401, basic=basic)
    grant_type = request.form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Only client_credentials is supported.")
    response = jsonify(issuer.issue(client))
    _no_store(response)
    return response


def _no_store(response):
    """RFC 6749 §5.1: "The authorization server MUST include the HTTP
    "Cache-Control" response header field with a value of "no-store" in any
    response containing tokens, credentials, or other sensitive information,
    as well as the "Pragma" response header field with a value of "no-cache"."
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.errorhandler(OAuthError)
def _oauth_error(exc: OAuthError):
    response = jsonify({"error": exc.error, "error_description": exc.description})
    response.status_code = exc.status
    if exc.status == 401:
        # RFC 6749 §5.2: with Basic, the server MUST answer 401 with WWW-Authenticate.
        response.headers["WWW-Authenticate"] = 'Basic realm="oauth"' if exc.basic else "Bearer"
    return _no_store(response)


def init_app(app: Flask) -> None:
    """Serve the token endpoint when any tenant has OAuth clients."""
    issuer = TokenIssuer(app.config["BRIDGE"])
    app.extensions["oauth"] = issuer
    if issuer.clients:
        app.register_blueprint(bp)
