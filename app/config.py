"""Configuration: defaults < YAML file < environment < explicit overrides.

The merged mapping is validated with :class:`ConfigSchema` (marshmallow).
Every problem is reported at once with its key path; secret values never
appear in a message. The result is a plain nested dict of validated values.

Environment overrides follow Flask's ``from_prefixed_env`` convention:
``GLPISCIM_`` then the key path joined by ``__``, list items by index, and
values JSON-decoded when they parse as JSON::

    GLPISCIM_SERVER__WORKERS=4
    GLPISCIM_TENANTS__0__GLPI__USER_TOKEN=...
    GLPISCIM_TENANTS__0__TOKENS='["t1", "t2"]'

Any secret (``tokens``, ``glpi.app_token``, ``glpi.user_token``,
``glpi.password``, ``oauth`` client secrets, ``admin.password_hash``,
``metrics.token``) may instead be given as ``<key>_file``: a path whose
content (stripped) is the value, for Docker or Kubernetes secrets.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

ENV_PREFIX = "GLPISCIM_"
CONFIG_PATH_ENV = "GLPISCIM_CONFIG"

#: Keys whose values are secrets: never printed, loadable from ``<key>_file``.
SECRET_KEYS = frozenset(
    {"tokens", "app_token", "user_token", "password", "secrets", "password_hash", "token",
     "signing_key", "session_secret"}
)


class ConfigError(Exception):
    """The configuration is invalid; ``errors`` maps key paths to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        lines = [f"  {path}: {'; '.join(msgs)}" for path, msgs in sorted(errors.items())]
        super().__init__("invalid configuration:\n" + "\n".join(lines))


def _d(text: str, default: Any = None) -> dict:
    """Field metadata: the description shown in docs/configuration.md."""
    return {"description": text, "default": default}


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TimeoutsSchema(_Strict):
    connect = fields.Float(load_default=3.05, validate=validate.Range(min=0.1),
                           metadata=_d("Seconds to open a connection to GLPI.", 3.05))
    read = fields.Float(load_default=30.0, validate=validate.Range(min=0.1),
                        metadata=_d("Seconds to wait for a GLPI answer.", 30.0))


class GlpiSchema(_Strict):
    url = fields.Url(required=True, require_tld=False, schemes={"http", "https"},
                     metadata=_d("Base URL of GLPI's legacy REST API, ending in /apirest.php."))
    app_token = fields.String(load_default=None, allow_none=True,
                              metadata=_d("GLPI API client App-Token (secret); omitted when null."))
    user_token = fields.String(load_default=None, allow_none=True,
                               metadata=_d("API token of the GLPI account the bridge acts as (secret)."))
    login = fields.String(load_default=None, allow_none=True,
                          metadata=_d("Login of that account, when no user_token is used."))
    password = fields.String(load_default=None, allow_none=True,
                             metadata=_d("Password for login (secret)."))
    version = fields.String(load_default="auto", validate=validate.OneOf(["auto", "10", "11"]),
                            metadata=_d("GLPI major version; auto reads it from getGlpiConfig.", "auto"))
    timeouts = fields.Nested(TimeoutsSchema, load_default=lambda: TimeoutsSchema().load({}),
                             metadata=_d("Connect and read timeouts."))
    retries = fields.Integer(load_default=2, validate=validate.Range(min=0, max=10),
                             metadata=_d("Retries of idempotent calls on connection errors and 502/503/504.", 2))
    verify_tls = fields.Boolean(load_default=True,
                                metadata=_d("Verify GLPI's TLS certificate.", True))
    pool_size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=200),
                               metadata=_d("HTTP connections kept open to GLPI per process.", 10))

    @validates_schema(skip_on_field_errors=False)
    def _one_credential(self, data: dict, **_: Any) -> None:
        if not data.get("user_token") and not (data.get("login") and data.get("password")):
            raise ValidationError("give user_token, or login and password", "user_token")


class EntitySchema(_Strict):
    id = fields.Integer(load_default=0, validate=validate.Range(min=0),
                        metadata=_d("GLPI entity id users and groups are provisioned into.", 0))
    recursive = fields.Boolean(load_default=True,
                               metadata=_d("Whether the tenant's scope includes sub-entities.", True))


class ProtectedSchema(_Strict):
    logins = fields.List(fields.String(), load_default=list,
                         metadata=_d("Logins never modified nor deleted through SCIM.", []))
    profiles = fields.List(fields.String(), load_default=list,
                           metadata=_d("Profiles (names) whose holders are protected, e.g. Super-Admin.", []))


class GroupsSchema(_Strict):
    is_recursive = fields.Boolean(load_default=False,
                                  metadata=_d("is_recursive of groups created through SCIM.", False))
    flags = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.OneOf([0, 1])),
                        load_default=lambda: {"is_usergroup": 1, "is_requester": 1, "is_assign": 1,
                                              "is_notify": 1, "is_manager": 1, "is_watcher": 1},
                        metadata=_d("GLPI group flags set on create.",
                                    {"is_usergroup": 1, "is_requester": 1, "is_assign": 1}))


class UsersSchema(_Strict):
    authtype_without_password = fields.Integer(
        load_default=4, validate=validate.OneOf([1, 2, 3, 4]),
        metadata=_d("GLPI authtype of users created without a password (4 = external/SSO).", 4))
    authtype_with_password = fields.Integer(
        load_default=1, validate=validate.OneOf([1, 2, 3, 4]),
        metadata=_d("GLPI authtype of users created with a password (1 = GLPI local).", 1))
    restore_trashed = fields.Boolean(
        load_default=True,
        metadata=_d("Restore and update a trashed user with the same login instead of 409.", True))
    filter_scan_limit = fields.Integer(
        load_default=2000, validate=validate.Range(min=0),
        metadata=_d("Largest user count for which an untranslatable filter is scanned.", 2000))


class MappingSchema(Schema):
    class Meta:
        unknown = RAISE

    user = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=dict,
                       metadata=_d("Overrides of the User attribute mapping: SCIM path -> GLPI column, "
                                   "null to drop an attribute (see docs/mapping.md).", {}))
    group = fields.Dict(keys=fields.String(validate=validate.OneOf(["externalId"])),
                        values=fields.String(allow_none=True, validate=validate.OneOf(
                            ["code", "ldap_group_dn", "ldap_value", "comment"])),
                        load_default=dict,
                        metadata=_d("Overrides of the Group mapping: externalId -> code (GLPI 11 only; "
                                    "the default there), ldap_group_dn (the default on GLPI 10), "
                                    "ldap_value, comment, or null (not stored); see docs/groups.md.", {}))

    @validates_schema
    def _user_mapping(self, data: dict, **_: Any) -> None:
        """Check user overrides with the backend's own rules, so a typo is a config error."""
        from app.glpi.mapping import UserMapping

        try:
            UserMapping.build(data.get("user") or {})
        except ValueError as exc:
            raise ValidationError(str(exc), "user") from None


class RateLimitSchema(_Strict):
    requests_per_second = fields.Float(load_default=0, validate=validate.Range(min=0),
                                       metadata=_d("Sustained SCIM requests per second; 0 disables.", 0))
    burst = fields.Integer(load_default=50, validate=validate.Range(min=1),
                           metadata=_d("Requests allowed in a burst above the rate.", 50))


def _hashed_or_clear_token(value: str) -> None:
    if value.startswith("sha256:"):
        digest = value[len("sha256:"):]
        if len(digest) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digest):
            raise ValidationError("a sha256: token needs 64 hex digits")
    elif len(value) < 16:
        raise ValidationError("a bearer token needs at least 16 characters")


def _hashed_secret(value: str) -> None:
    if not value.startswith("sha256:") or len(value) != 71 or any(
            c not in "0123456789abcdefABCDEF" for c in value[7:]):
        raise ValidationError("a client secret is stored hashed, as sha256:<64 hex digits>")


class OAuthClientSchema(_Strict):
    client_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,128}$"),
                              metadata=_d("OAuth2 client id the IdP authenticates with."))
    secrets = fields.List(fields.String(validate=_hashed_secret), required=True,
                          validate=validate.Length(min=1),
                          metadata=_d("Client secrets as sha256:<hex>; several allow rotation (secret)."))


class OAuthSchema(_Strict):
    clients = fields.List(fields.Nested(OAuthClientSchema), load_default=list,
                          metadata=_d("OAuth2 clients allowed the client_credentials grant.", []))
    token_lifetime = fields.Integer(load_default=3600, validate=validate.Range(min=3600, max=21600),
                                    metadata=_d("Access token lifetime in seconds (1 h to 6 h).", 3600))


class ProfileRuleSchema(_Strict):
    profile = fields.String(required=True,
                            metadata=_d("GLPI profile (name or id) the rule grants, as a static row."))
    entity = fields.Integer(required=True, validate=validate.Range(min=0),
                            metadata=_d("Entity id of the granted row; must be in the tenant's scope."))
    recursive = fields.Boolean(load_default=False,
                               metadata=_d("is_recursive of the granted row.", False))
    when_role = fields.String(load_default=None, allow_none=True,
                              metadata=_d("Grant when the user's SCIM roles hold this value "
                                          "(an Entra app role value)."))
    when_group = fields.String(load_default=None, allow_none=True,
                               metadata=_d("Grant when the user is a member of the tenant's SCIM "
                                           "group with this displayName (case-insensitive)."))

    @validates_schema(skip_on_field_errors=False)
    def _one_condition(self, data: dict, **_: Any) -> None:
        if bool(data.get("when_role")) == bool(data.get("when_group")):
            raise ValidationError("give exactly one of when_role and when_group", "when_role")


class TenantSchema(_Strict):
    name = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,64}$"),
                         metadata=_d("Tenant name, used in logs, metrics and URL prefixes."))
    tokens = fields.List(fields.String(validate=_hashed_or_clear_token), load_default=list,
                         metadata=_d("Bearer tokens the IdP may send, in clear or as sha256:<hex> (secret).", []))
    glpi = fields.Nested(GlpiSchema, required=True, metadata=_d("GLPI connection."))
    entity = fields.Nested(EntitySchema, load_default=lambda: EntitySchema().load({}),
                           metadata=_d("Entity the tenant provisions into."))
    default_profile = fields.String(load_default="Self-Service",
                                    metadata=_d("Profile (name or id) given to created users, as a static row.",
                                                "Self-Service"))
    deprovisioning = fields.String(load_default="trash",
                                   validate=validate.OneOf(["trash", "purge", "deactivate"]),
                                   metadata=_d("What DELETE /Users/{id} does.", "trash"))
    users = fields.Nested(UsersSchema, load_default=lambda: UsersSchema().load({}),
                          metadata=_d("User provisioning options."))
    groups = fields.Nested(GroupsSchema, load_default=lambda: GroupsSchema().load({}),
                           metadata=_d("Group provisioning options."))
    protected = fields.Nested(ProtectedSchema, load_default=lambda: ProtectedSchema().load({}),
                              metadata=_d("Accounts SCIM may never modify or delete."))
    mapping = fields.Nested(MappingSchema, load_default=lambda: MappingSchema().load({}),
                            metadata=_d("Attribute mapping overrides."))
    rate_limit = fields.Nested(RateLimitSchema, load_default=lambda: RateLimitSchema().load({}),
                               metadata=_d("Per-tenant rate limit."))
    oauth = fields.Nested(OAuthSchema, load_default=lambda: OAuthSchema().load({}),
                          metadata=_d("OAuth2 client credentials (RFC 6749 §4.4) for this tenant."))
    profile_rules = fields.List(fields.Nested(ProfileRuleSchema), load_default=list,
                                metadata=_d("Rules granting GLPI profiles from SCIM roles and group "
                                            "memberships (docs/profile-rules.md).", []))

    @validates_schema(skip_on_field_errors=False)
    def _has_credential(self, data: dict, **_: Any) -> None:
        if not data.get("tokens") and not (data.get("oauth") or {}).get("clients"):
            raise ValidationError("at least one bearer token or OAuth client is required", "tokens")


class ProxyFixSchema(_Strict):
    enabled = fields.Boolean(load_default=False,
                             metadata=_d("Trust X-Forwarded-* headers from a reverse proxy.", False))
    x_for = fields.Integer(load_default=1, metadata=_d("Proxies trusted for X-Forwarded-For.", 1))
    x_proto = fields.Integer(load_default=1, metadata=_d("Proxies trusted for X-Forwarded-Proto.", 1))
    x_host = fields.Integer(load_default=1, metadata=_d("Proxies trusted for X-Forwarded-Host.", 1))
    x_port = fields.Integer(load_default=0, metadata=_d("Proxies trusted for X-Forwarded-Port.", 0))
    x_prefix = fields.Integer(load_default=0, metadata=_d("Proxies trusted for X-Forwarded-Prefix.", 0))


class TlsSchema(_Strict):
    certfile = fields.String(load_default=None, allow_none=True,
                             metadata=_d("PEM certificate for TLS served by gunicorn itself."))
    keyfile = fields.String(load_default=None, allow_none=True,
                            metadata=_d("PEM private key for certfile."))


class ServerSchema(_Strict):
    bind = fields.String(load_default="0.0.0.0:8000", metadata=_d("Address gunicorn listens on.", "0.0.0.0:8000"))
    workers = fields.Integer(load_default=2, validate=validate.Range(min=1, max=64),
                             metadata=_d("gunicorn worker processes.", 2))
    threads = fields.Integer(load_default=8, validate=validate.Range(min=1, max=64),
                             metadata=_d("Threads per worker. Each waits on GLPI for most of a "
                                         "request: 8 gave two thirds more throughput than 4 at "
                                         "GLPI's 20 ms per call (docs/performance.md); keep it "
                                         "at most glpi.pool_size.", 8))
    timeout = fields.Integer(load_default=60, validate=validate.Range(min=5),
                             metadata=_d("Seconds before a silent worker is restarted.", 60))
    graceful_timeout = fields.Integer(load_default=30, validate=validate.Range(min=1),
                                      metadata=_d("Seconds given to workers to finish on shutdown.", 30))
    access_log = fields.Boolean(load_default=True, metadata=_d("Write one JSON access line per request.", True))
    max_body_bytes = fields.Integer(load_default=1048576, validate=validate.Range(min=1024),
                                    metadata=_d("Largest accepted request body; larger gets 413.", 1048576))
    proxy_fix = fields.Nested(ProxyFixSchema, load_default=lambda: ProxyFixSchema().load({}),
                              metadata=_d("werkzeug ProxyFix behind a TLS-terminating proxy."))
    tls = fields.Nested(TlsSchema, load_default=lambda: TlsSchema().load({}),
                        metadata=_d("TLS served directly by gunicorn."))


class ScimSchema(_Strict):
    max_results = fields.Integer(load_default=200, validate=validate.Range(min=1, max=10000),
                                 metadata=_d("Largest page a list or search returns (advertised).", 200))
    unknown_attributes = fields.String(load_default="ignore", validate=validate.OneOf(["ignore", "error"]),
                                       metadata=_d("Unknown attributes in payloads: ignore or 400.", "ignore"))
    bulk_max_operations = fields.Integer(
        load_default=100, validate=validate.Range(min=1, max=10000),
        metadata=_d("Most operations one POST /Bulk may carry; more gets 413 (advertised as "
                    "bulk.maxOperations).", 100))
    bulk_max_payload_bytes = fields.Integer(
        load_default=1048576, validate=validate.Range(min=1024),
        metadata=_d("Largest POST /Bulk body in bytes; larger gets 413. bulk.maxPayloadSize "
                    "advertises the smaller of this and server.max_body_bytes.", 1048576))


class LoggingSchema(_Strict):
    level = fields.String(load_default="INFO",
                          validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]),
                          metadata=_d("Log level.", "INFO"))
    audit_sink = fields.String(load_default="stdout", validate=validate.OneOf(["stdout", "file", "off"]),
                               metadata=_d("Where audit events go.", "stdout"))
    audit_file = fields.String(load_default=None, allow_none=True,
                               metadata=_d("Audit file path when audit_sink is file."))


class MetricsSchema(_Strict):
    enabled = fields.Boolean(load_default=True, metadata=_d("Serve /metrics.", True))
    token = fields.String(load_default=None, allow_none=True,
                          metadata=_d("Bearer token required on /metrics; open when null (secret)."))


class RedisSchema(_Strict):
    url = fields.String(load_default=None, allow_none=True,
                        metadata=_d("redis:// URL; shares caches, locks and rate limits across replicas."))


class CacheSchema(_Strict):
    ttl_seconds = fields.Integer(load_default=300, validate=validate.Range(min=1),
                                 metadata=_d("Lifetime of cached id look-ups.", 300))
    max_entries = fields.Integer(load_default=10000, validate=validate.Range(min=10),
                                 metadata=_d("Entries per cache.", 10000))


class ActivitySchema(_Strict):
    enabled = fields.Boolean(load_default=True,
                             metadata=_d("Record one event per SCIM request for the status page.", True))
    path = fields.String(load_default=None, allow_none=True,
                         metadata=_d("SQLite file of the events; <temp dir>/glpi-scim-bridge/activity.sqlite "
                                     "when null. Unused when redis.url is set (a Redis stream is used)."))
    max_age_days = fields.Float(load_default=30, validate=validate.Range(min=0.01),
                                metadata=_d("Events older than this are dropped.", 30))
    max_events = fields.Integer(load_default=100000, validate=validate.Range(min=100),
                                metadata=_d("At most this many events are kept.", 100000))


def _werkzeug_hash(value: str) -> None:
    if not value.startswith(("scrypt:", "pbkdf2:")):
        raise ValidationError("give a werkzeug password hash (glpi-scim-bridge hash-password)")


class AdminSchema(_Strict):
    username = fields.String(load_default="admin", metadata=_d("Status page user name.", "admin"))
    password_hash = fields.String(load_default=None, allow_none=True, validate=_werkzeug_hash,
                                  metadata=_d("Hash of the status page password; the page is off when null "
                                              "(secret)."))
    session_secret = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=32),
                                   metadata=_d("Key signing the status page session cookie, the same on "
                                               "every replica (secret)."))
    secure_cookie = fields.Boolean(load_default=True,
                                   metadata=_d("Send the session cookie over HTTPS only.", True))
    docs_url = fields.Url(load_default=None, allow_none=True, require_tld=False,
                          metadata=_d("Where your copy of the bridge's docs/ is published; the page then "
                                      "links to its troubleshooting guide."))

    @validates_schema(skip_on_field_errors=False)
    def _secret_with_password(self, data: dict, **_: Any) -> None:
        if data.get("password_hash") and not data.get("session_secret"):
            raise ValidationError("required with password_hash", "session_secret")


class OAuthServerSchema(_Strict):
    signing_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=32),
                                metadata=_d("HMAC key (32+ chars) signing access tokens, shared by every "
                                            "replica; required when a tenant has OAuth clients (secret)."))
    issuer = fields.String(load_default="glpi-scim-bridge",
                           metadata=_d("iss claim of issued access tokens.", "glpi-scim-bridge"))


class ConfigSchema(_Strict):
    server = fields.Nested(ServerSchema, load_default=lambda: ServerSchema().load({}),
                           metadata=_d("HTTP serving (gunicorn)."))
    scim = fields.Nested(ScimSchema, load_default=lambda: ScimSchema().load({}),
                         metadata=_d("SCIM protocol options."))
    logging = fields.Nested(LoggingSchema, load_default=lambda: LoggingSchema().load({}),
                            metadata=_d("Logs and audit."))
    metrics = fields.Nested(MetricsSchema, load_default=lambda: MetricsSchema().load({}),
                            metadata=_d("Prometheus metrics."))
    redis = fields.Nested(RedisSchema, load_default=lambda: RedisSchema().load({}),
                          metadata=_d("Optional Redis for several replicas."))
    cache = fields.Nested(CacheSchema, load_default=lambda: CacheSchema().load({}),
                          metadata=_d("In-process caches."))
    oauth = fields.Nested(OAuthServerSchema, load_default=lambda: OAuthServerSchema().load({}),
                          metadata=_d("The OAuth2 token endpoint."))
    activity = fields.Nested(ActivitySchema, load_default=lambda: ActivitySchema().load({}),
                             metadata=_d("The activity store behind the status page."))
    admin = fields.Nested(AdminSchema, load_default=lambda: AdminSchema().load({}),
                          metadata=_d("The admin status page at /admin/."))
    tenants = fields.List(fields.Nested(TenantSchema), required=True,
                          validate=validate.Length(min=1), metadata=_d("The tenants (IdP + GLPI scope)."))

    @validates_schema
    def _unique_tenants(self, data: dict, **_: Any) -> None:
        tenants = data.get("tenants", [])
        names = [t["name"] for t in tenants]
        if len(names) != len(set(names)):
            raise ValidationError("tenant names must be unique", "tenants")
        client_ids = [c["client_id"] for t in tenants for c in t["oauth"]["clients"]]
        if len(client_ids) != len(set(client_ids)):
            raise ValidationError("OAuth client ids must be unique across tenants", "tenants")
        if client_ids and not (data.get("oauth") or {}).get("signing_key"):
            raise ValidationError("required when a tenant has OAuth clients", "oauth.signing_key")


def _resolve_secret_files(node: Any, path: str, errors: dict[str, list[str]]) -> Any:
    """Replace every ``<secret>_file`` key by ``<secret>`` read from that file."""
    if isinstance(node, list):
        return [_resolve_secret_files(v, f"{path}.{i}", errors) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    out: dict = {}
    for key, value in node.items():
        key_path = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and key.endswith("_file") and key[:-5] in SECRET_KEYS:
            target = key[:-5]
            try:
                text = Path(str(value)).read_text(encoding="utf-8").strip()
            except OSError as exc:
                errors.setdefault(key_path, []).append(f"cannot read file ({exc.strerror})")
                continue
            out[target] = [t for t in text.splitlines() if t.strip()] if target == "tokens" else text
        else:
            out[key] = _resolve_secret_files(value, key_path, errors)
    return out


def _set_path(root: dict, parts: list[str], value: Any) -> None:
    node: Any = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append({})
            if last:
                node[index] = value
            else:
                if not isinstance(node[index], (dict, list)):
                    node[index] = {}
                node = node[index]
            continue
        if last:
            node[part] = value
        else:
            nxt = parts[i + 1]
            if part not in node or not isinstance(node[part], (dict, list)):
                node[part] = [] if nxt.isdigit() else {}
            node = node[part]


def env_overrides(environ: Mapping[str, str]) -> dict:
    """Build the override tree from ``GLPISCIM_*`` variables."""
    tree: dict = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_PATH_ENV:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if not parts:
            continue
        raw = environ[name]
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, (int, float)) and parts[-1] in SECRET_KEYS | {
                k + "_file" for k in SECRET_KEYS}:
            value = raw  # a numeric-looking secret stays a string
        _set_path(tree, parts, value)
    return tree


def deep_merge(base: Any, override: Any) -> Any:
    """Merge ``override`` into ``base``; dicts merge, lists merge by index."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = deep_merge(base.get(key), value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(override, list):
        out_list = list(base)
        for i, value in enumerate(override):
            if i < len(out_list):
                out_list[i] = deep_merge(out_list[i], value)
            else:
                out_list.append(value)
        return out_list
    return copy.deepcopy(override)


def _flatten_errors(messages: Any, path: str, out: dict[str, list[str]]) -> None:
    if isinstance(messages, dict):
        for key, value in messages.items():
            key_path = path if key == "_schema" else (f"{path}.{key}" if path else str(key))
            _flatten_errors(value, key_path, out)
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                _flatten_errors(item, path, out)
            else:
                out.setdefault(path or "<root>", []).append(str(item))
    else:
        out.setdefault(path or "<root>", []).append(str(messages))


def validate_config(raw: Mapping[str, Any]) -> dict:
    """Validate a merged mapping; raise :class:`ConfigError` listing every problem."""
    errors: dict[str, list[str]] = {}
    resolved = _resolve_secret_files(dict(raw), "", errors)
    try:
        config = ConfigSchema().load(resolved)
    except ValidationError as exc:
        _flatten_errors(exc.messages, "", errors)
        config = None
    if errors:
        raise ConfigError(errors)
    return config


def load_config(
    path: str | os.PathLike | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict:
    """Load, merge and validate the configuration.

    :param path: YAML file; defaults to ``$GLPISCIM_CONFIG`` when set.
    :param environ: the environment to read ``GLPISCIM_*`` from (``os.environ``).
    :param overrides: a mapping applied last (tests, the sandbox).
    :raises ConfigError: on an unreadable file or any invalid key.
    """
    environ = os.environ if environ is None else environ
    path = path or environ.get(CONFIG_PATH_ENV)
    data: Any = {}
    if path:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError({"<file>": [f"cannot read {path}: {exc.strerror}"]}) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError({"<file>": [f"{path} is not valid YAML{where}"]}) from None
        if not isinstance(data, dict):
            raise ConfigError({"<file>": [f"{path} must hold a mapping at the top level"]})
    merged = deep_merge(data, env_overrides(environ))
    if overrides:
        merged = deep_merge(merged, dict(overrides))
    return validate_config(merged)


def iter_schema_keys(schema: Schema | None = None, prefix: str = "") -> list[tuple[str, dict]]:
    """List every configuration key path with its metadata (for the docs test)."""
    schema = schema or ConfigSchema()
    keys: list[tuple[str, dict]] = []
    for name, fld in schema.fields.items():
        path = f"{prefix}{name}"
        keys.append((path, dict(fld.metadata)))
        inner = fld
        suffix = "."
        if isinstance(fld, fields.List):
            inner = fld.inner
            suffix = "[]."
        if isinstance(inner, fields.Nested):
            keys.extend(iter_schema_keys(inner.schema, path + suffix))
    return keys


