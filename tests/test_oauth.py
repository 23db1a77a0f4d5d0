"""OAuth2 client credentials: token issue, expiry, wrong secret, rotation, RFC 6749 errors."""

from __future__ import annotations

import base64
import hashlib
import time

import jwt
import pytest
from flask import Flask

from app import oauth
from app import tenants
from app.config import validate_config

SIGNING_KEY = "k" * 40


def hashed(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()


def settings(lifetime: int = 3600) -> dict:
    def tenant(name: str, client_id: str, secrets: list[str]) -> dict:
        return {
            "name": name,
            "glpi": {"url": "http://glpi.invalid/apirest.php", "user_token": "u"},
            "oauth": {"clients": [{"client_id": client_id, "secrets": [hashed(s) for s in secrets]}],
                      "token_lifetime": lifetime},
        }

    return validate_config({
        "oauth": {"signing_key": SIGNING_KEY},
        "tenants": [tenant("a", "client-a", ["old-secret", "new-secret"]), tenant("b", "client-b", ["b-secret"])],
    })


@pytest.fixture
def app() -> Flask:
    flask_app = Flask(__name__)
    flask_app.config["BRIDGE"] = settings()
    oauth.init_app(flask_app)
    tenants.init_app(flask_app, lambda t, s: object())
    return flask_app


def basic(client_id: str, secret: str) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_client_secret_basic_issues_a_bearer_token(app: Flask) -> None:
    response = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers=basic("client-a", "new-secret"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    registry = app.extensions["tenants"]
    assert registry.authenticate(body["access_token"]).name == "a"


def test_client_secret_post_and_rotation(app: Flask) -> None:
    client = app.test_client()
    for secret in ("old-secret", "new-secret"):
        response = client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "client-a", "client_secret": secret})
        assert response.status_code == 200, secret


@pytest.mark.parametrize(
    ("data", "headers", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, basic("client-a", "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, basic("nobody", "x"), 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "client-a", "client_secret": "wrong"}, {},
         401, "invalid_client"),
        ({"grant_type": "client_credentials"}, {}, 401, "invalid_client"),
        ({"grant_type": "password"}, basic("client-a", "new-secret"), 400, "unsupported_grant_type"),
        ({}, basic("client-a", "new-secret"), 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_secret": "new-secret"}, basic("client-a", "new-secret"),
         400, "invalid_request"),
    ],
)
def test_rfc6749_error_bodies(app: Flask, data: dict, headers: dict, status: int, error: str) -> None:
    response = app.test_client().post("/oauth/token", data=data, headers=headers)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == error
    assert set(body) == {"error", "error_description"}
    if status == 401:
        assert response.headers["WWW-Authenticate"]


def test_basic_auth_failure_announces_basic(app: Flask) -> None:
    response = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers=basic("client-a", "wrong"))
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_json_body_is_refused(app: Flask) -> None:
    response = app.test_client().post("/oauth/token", json={"grant_type": "client_credentials"},
                                      headers=basic("client-a", "new-secret"))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_expired_token_is_refused() -> None:
    issuer = oauth.TokenIssuer(settings())
    client = issuer.clients["client-a"]
    stale = issuer.issue(client, now=time.time() - 3601)["access_token"]
    fresh = issuer.issue(client)["access_token"]
    assert issuer.verify(fresh) == "a"
    assert issuer.verify(stale) is None


def test_token_of_tenant_a_never_authenticates_tenant_b(app: Flask) -> None:
    issuer: oauth.TokenIssuer = app.extensions["oauth"]
    token = issuer.issue(issuer.clients["client-a"])["access_token"]
    assert app.extensions["tenants"].authenticate(token).name == "a"
    claims = jwt.decode(token, SIGNING_KEY, algorithms=["HS256"], audience=oauth.AUDIENCE)
    claims["tenant"] = "b"
    forged_tenant = jwt.encode(claims, SIGNING_KEY, algorithm="HS256")
    assert app.extensions["tenants"].authenticate(forged_tenant) is None


def test_forged_or_unsigned_tokens_are_refused(app: Flask) -> None:
    issuer: oauth.TokenIssuer = app.extensions["oauth"]
    now = int(time.time())
    claims = {"iss": "glpi-scim-bridge", "aud": oauth.AUDIENCE, "sub": "client-a", "tenant": "a",
              "iat": now, "exp": now + 600}
    registry = app.extensions["tenants"]
    assert registry.authenticate(jwt.encode(claims, "another-key-" * 4, algorithm="HS256")) is None
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert registry.authenticate(unsigned) is None
    assert registry.authenticate(issuer.issue(issuer.clients["client-b"])["access_token"]).name == "b"


def test_removing_a_client_revokes_its_tokens() -> None:
    issued = oauth.TokenIssuer(settings()).issue(oauth.TokenIssuer(settings()).clients["client-a"])
    reduced = settings()
    reduced["tenants"][0]["oauth"]["clients"] = []
    assert oauth.TokenIssuer(reduced).verify(issued["access_token"]) is None


def test_lifetime_is_configurable_within_entra_bounds() -> None:
    assert oauth.TokenIssuer(settings(lifetime=21600)).clients["client-a"].lifetime == 21600
    with pytest.raises(Exception, match="oauth.token_lifetime"):
        settings(lifetime=600)


def test_signing_key_is_required_with_clients() -> None:
    raw = {"tenants": [{"name": "a", "glpi": {"url": "http://g.invalid/apirest.php", "user_token": "u"},
                        "oauth": {"clients": [{"client_id": "c", "secrets": [hashed("s")]}]}}]}
    with pytest.raises(Exception, match="oauth.signing_key"):
        validate_config(raw)


def test_clear_client_secrets_are_refused_in_config() -> None:
    raw = {"oauth": {"signing_key": SIGNING_KEY},
           "tenants": [{"name": "a", "glpi": {"url": "http://g.invalid/apirest.php", "user_token": "u"},
                        "oauth": {"clients": [{"client_id": "c", "secrets": ["in-clear"]}]}}]}
    with pytest.raises(Exception, match="secrets"):
        validate_config(raw)
