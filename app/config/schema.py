"""The configuration schema: every key, its default, its validation and its description.

The descriptions (``metadata["description"]``) are what docs/configuration.md and
config.example.yaml are generated from (``python -m app.ops.configdoc``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema


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
    session_max_age = fields.Integer(
        load_default=300, allow_none=True, validate=validate.Range(min=0, max=86400),
        metadata=_d("Seconds after which the bridge logs in to GLPI again before its next call; "
                    "0 or null: never. GLPI freezes a session's entities at login: an account "
                    "limited to a sub-entity does not find users of a sub-entity created later "
                    "until it logs in again, nor does a revoked right take effect "
                    "(docs/real-glpi.md, difference 6). One login per 5 minutes costs "
                    "25 to 42 ms.", 300))

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


class MembershipSchema(_Strict):
    chunk_rows = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=1000),
        metadata=_d("Group_User rows per GLPI call when memberships are added or removed. GLPI "
                    "writes an array row by row in PHP: 220 rows/s on an idle 2-core machine, "
                    "down to 3 rows/s per PHP worker on a saturated one (docs/performance.md), "
                    "where a call of 100 rows outlived the 30 s glpi.timeouts.read; 50 rows "
                    "take 0.25 to 15 s.", 50))
    concurrency = fields.Integer(
        load_default=4, validate=validate.Range(min=1, max=64),
        metadata=_d("Membership chunks sent to GLPI at once (GLPI serves them in parallel PHP "
                    "workers: 1.2 to 3.5 times its serial rate measured); at most "
                    "glpi.pool_size.", 4))
    time_budget_seconds = fields.Float(
        load_default=45.0, validate=validate.Range(min=0.1, max=3600),
        metadata=_d("Seconds a membership change may spend writing before the bridge stops "
                    "starting chunks and answers 429 with Retry-After; the IdP's retry completes "
                    "the rest (docs/groups.md). Under Okta's 60 s.", 45.0))


#: GLPI's own accounts, not IdP identities: kept out of SCIM by default
#: (docs/mapping.md, "GLPI's own accounts", gives the reason for each).
RESERVED_LOGINS = ["glpi", "glpi-system", "normal", "post-only", "tech"]


def _plain_login(value: str) -> None:
    """A reserved login is matched with GLPI's anchored LIKE: no wildcard nor anchor in it."""
    if not value.strip() or value != value.strip() or any(c in value for c in "%^$"):
        raise ValidationError("a reserved login must be a plain GLPI login (no %, ^, $ or edge spaces)")


class ReservedSchema(_Strict):
    logins = fields.List(fields.String(validate=_plain_login), load_default=lambda: list(RESERVED_LOGINS),
                         metadata=_d("GLPI accounts invisible to SCIM (not listed, 404, 409 on create) "
                                     "and never changed; [] shows them. The bridge's own account is "
                                     "always reserved.", RESERVED_LOGINS))
    profiles = fields.List(fields.String(), load_default=list,
                           metadata=_d("Profiles (names) whose holders are reserved too, e.g. "
                                       "Super-Admin (their ids are read once per cache lifetime).", []))


class GroupsSchema(_Strict):
    is_recursive = fields.Boolean(load_default=False,
                                  metadata=_d("is_recursive of groups created through SCIM.", False))
    flags = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.OneOf([0, 1])),
                        load_default=lambda: {"is_usergroup": 1, "is_requester": 1, "is_assign": 1,
                                              "is_notify": 1, "is_manager": 1, "is_watcher": 1},
                        metadata=_d("GLPI group flags set on create.",
                                    {"is_usergroup": 1, "is_requester": 1, "is_assign": 1}))
    membership = fields.Nested(MembershipSchema, load_default=lambda: MembershipSchema().load({}),
                               metadata=_d("How large membership changes are written to GLPI."))


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
                                   "null to drop an attribute (see docs/mapping.md). displayName: "
                                   "nickname (the default; one more GLPI call per read that returns "
                                   "users, per 50 of them), comment (no extra call, but it takes "
                                   "GLPI's comment field) or null (derived from the name, "
                                   "read-only).", {}))
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
        from app.glpi.users.mapping import UserMapping

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
    reserved = fields.Nested(ReservedSchema, load_default=lambda: ReservedSchema().load({}),
                             metadata=_d("GLPI's own accounts, kept out of SCIM (docs/mapping.md)."))
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

    @validates_schema
    def _membership_within_pool(self, data: dict, **_: Any) -> None:
        """Each concurrent chunk holds one pooled connection: more would queue (or
        open connections the pool then drops), so the bound is the pool."""
        concurrency = data["groups"]["membership"]["concurrency"]
        pool = data["glpi"]["pool_size"]
        if concurrency > pool:
            raise ValidationError(
                {"membership": {"concurrency": [f"must be at most glpi.pool_size ({pool})"]}},
                "groups")


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


class LedgerSchema(_Strict):
    path = fields.String(load_default=None, allow_none=True,
                         metadata=_d("SQLite file where profile rules write down the Profile_User rows "
                                     "they create, so that they never remove a row made by hand "
                                     "(docs/profile-rules.md). Required when a tenant has profile_rules "
                                     "and redis.url is unset; keep it on persistent storage. Unused "
                                     "when redis.url is set (Redis hashes per user are used)."))


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
    ledger = fields.Nested(LedgerSchema, load_default=lambda: LedgerSchema().load({}),
                           metadata=_d("Where profile rules record the rows they create."))
    tenants = fields.List(fields.Nested(TenantSchema), required=True,
                          validate=validate.Length(min=1), metadata=_d("The tenants (IdP + GLPI scope)."))

    @validates_schema
    def _across_sections(self, data: dict, **_: Any) -> None:
        """Rules spanning several sections; every broken one is reported at once."""
        errors: dict[str, list[str]] = {}
        tenants = data.get("tenants", [])
        names = [t["name"] for t in tenants]
        if len(names) != len(set(names)):
            errors.setdefault("tenants", []).append("tenant names must be unique")
        client_ids = [c["client_id"] for t in tenants for c in t["oauth"]["clients"]]
        if len(client_ids) != len(set(client_ids)):
            errors.setdefault("tenants", []).append("OAuth client ids must be unique across tenants")
        if client_ids and not (data.get("oauth") or {}).get("signing_key"):
            errors["oauth.signing_key"] = ["required when a tenant has OAuth clients"]
        ruled = [t["name"] for t in tenants if t.get("profile_rules")]
        if ruled and not (data.get("redis") or {}).get("url") and not (data.get("ledger") or {}).get("path"):
            errors["ledger.path"] = [
                f"required when a tenant has profile_rules ({', '.join(ruled)}) and redis.url is "
                "unset: the rules must record the rows they create"]
        if errors:
            raise ValidationError(errors)
