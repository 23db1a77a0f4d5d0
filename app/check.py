"""``glpi-scim-bridge check``: can each tenant reach GLPI and provision with its account?

For every tenant it starts a GLPI session and reports the GLPI version, the
API account, its active profile and entities, then compares the profile's
rights (read from ``getActiveProfile``, nothing is written to GLPI) with
what the bridge needs. Every problem comes with a fix. A refused login names
the exact setting that is wrong, from GLPI's error code. Secrets are never
printed. Exit status: 0 when every tenant passes, 1 when a tenant has a
problem, 2 when the configuration itself is invalid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TextIO
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from app.config import load_for_command
from app.glpi.client.encoding import like_value
from app.glpi.client.encoding import major_version
from app.glpi.client.errors import GlpiAuthError
from app.glpi.client.errors import GlpiError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiRightError
from app.glpi.client.errors import GlpiUnavailableError
from app.glpi.client.items import GlpiClient
from app.glpi.profiles.ledger import build_ledger
from app.scim.errors import UnavailableError

READ, UPDATE, CREATE, DELETE, PURGE = 1, 2, 4, 8, 16
_BIT_NAMES = {READ: "READ", UPDATE: "UPDATE", CREATE: "CREATE", DELETE: "DELETE", PURGE: "PURGE"}

#: Where each right is granted in GLPI's profile form.
_RIGHT_PLACES = {
    "user": "Administration > User",
    "group": "Administration > Group",
    "entity": "Administration > Entity",
    "profile": "Administration > Profile",
    "dropdown": "Setup > Dropdowns",
}

_CREDENTIAL_FIXES = {
    "glpi.app_token": "copy the App-Token of the bridge's API client (Setup > General > API) into "
    "glpi.app_token, or set it to null when that API client has no token",
    "glpi.user_token": "regenerate the API token of the bridge's GLPI account (its preferences, "
    "Remote access keys) and put it in glpi.user_token",
    "glpi.login/glpi.password": "check glpi.login and glpi.password against GLPI's login form",
    "the account of glpi.user_token (deactivated, deleted or without a profile)": "in GLPI, make "
    "the bridge's account active, take it out of the trash and give it a profile",
    "the GLPI API client's IP range": "add the bridge's address to an active API client (Setup > "
    "General > API)",
}


@dataclass(frozen=True)
class Requirement:
    """Rights the bridge needs on one GLPI right key, and why."""

    key: str
    bits: int
    why: str


@dataclass
class TenantReport:
    """What ``check`` found for one tenant."""

    name: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, text: str, fix: str) -> None:
        self.problems.append((text, fix))


def required_rights(tenant: dict) -> list[Requirement]:
    """The rights the bridge needs, given the tenant's deprovisioning policy."""
    user_bits = READ | CREATE | UPDATE
    policy = tenant.get("deprovisioning", "trash")
    if policy == "trash":
        user_bits |= DELETE
    elif policy == "purge":
        user_bits |= PURGE
    return [
        Requirement(
            "user",
            user_bits,
            f"create and update users, their e-mails and memberships; deprovisioning is {policy!r}",
        ),
        Requirement(
            "group",
            READ | CREATE | UPDATE | PURGE,
            "create, rename and delete groups (GLPI groups have no trash)",
        ),
        Requirement("entity", READ, "read the tenant's entity"),
        Requirement("profile", READ, "find default_profile and give it to new users"),
        Requirement(
            "dropdown", READ | CREATE, "create titles and user categories (UserTitle, UserCategory)"
        ),
    ]


def _bit_names(bits: int) -> str:
    return ", ".join(name for bit, name in _BIT_NAMES.items() if bits & bit)


def check_rights(report: TenantReport, profile: dict, tenant: dict) -> None:
    """Compare the active profile's rights with :func:`required_rights`."""
    verdicts = []
    for need in required_rights(tenant):
        value = profile.get(need.key)
        if value is None and need.key not in profile:
            verdicts.append(f"{need.key} not reported")
            report.notes.append(
                f"GLPI did not report the {need.key!r} right; make sure the profile "
                f"has {_bit_names(need.bits)} on it ({need.why})."
            )
            continue
        missing = need.bits & ~int(value or 0)
        if missing:
            verdicts.append(f"{need.key} MISSING {_bit_names(missing)}")
            report.problem(
                f"profile {profile.get('name')!r} lacks {_bit_names(missing)} on {need.key!r}, "
                f"needed to {need.why}",
                f"in GLPI, Administration > Profiles > {profile.get('name')} > "
                f"{_RIGHT_PLACES[need.key]}: grant {_bit_names(missing)}",
            )
        else:
            verdicts.append(f"{need.key} ok")
    report.facts.append(("rights", "; ".join(verdicts)))


def _safe_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _entity_names(client: GlpiClient) -> dict[int, str]:
    try:
        return {int(e["id"]): str(e.get("name")) for e in client.get_my_entities(recursive=True)}
    except (GlpiError, KeyError, TypeError, ValueError):
        return {}


def _check_session(report: TenantReport, client: GlpiClient, tenant: dict) -> None:
    glpi = tenant["glpi"]
    cfg = client.get_glpi_config()
    reported = str(cfg.get("version") or "unknown")
    detected = major_version(reported) if reported != "unknown" else None
    report.facts.append(
        ("version", f"GLPI {reported}" + (f" (behaves as {detected})" if detected else ""))
    )
    configured = glpi.get("version", "auto")
    if configured != "auto" and detected and configured != detected:
        report.problem(
            f"glpi.version is {configured} but GLPI reports {reported}",
            "set glpi.version to auto (or to the reported major version)",
        )
    session = client.get_full_session()
    report.facts.append(
        (
            "account",
            f"{session.get('glpiname')} (id {session.get('glpiID')}), login by {client.auth_mode}",
        )
    )
    profile = client.get_active_profile()
    report.facts.append(
        (
            "profile",
            f"{profile.get('name')} (id {profile.get('id')}, {profile.get('interface')} interface)",
        )
    )
    active = client.get_active_entities()
    ids = [int(e["id"]) for e in active.get("active_entities") or [] if "id" in e]
    names = _entity_names(client)
    listed = ", ".join(f"{i} {names.get(i, '')}".strip() for i in ids) or "none"
    recursive = "recursive" if active.get("active_entity_recursive") else "not recursive"
    report.facts.append(("entities", f"{listed} (active entity {active.get('id')}, {recursive})"))
    wanted = tenant["entity"]["id"]
    if wanted not in ids:
        report.problem(
            f"the tenant's entity {wanted} is not among the account's active entities",
            f"give the account a profile on entity {wanted} (or a parent, recursive), "
            f"or change entity.id",
        )
    check_rights(report, profile, tenant)
    _check_targets(report, client, tenant)


def _read_target(report: TenantReport, what: str, read: Callable[[], Any], fix: str) -> Any:
    """Run one read of :func:`_check_targets`; a refusal or a miss becomes a problem."""
    try:
        return read()
    except GlpiNotFoundError:
        report.problem(f"{what} does not exist in GLPI", fix)
    except GlpiRightError:
        report.problem(
            f"the account may not read {what}",
            "give the account's profile READ on it, in an entity the session can see",
        )
    return None


def _check_targets(report: TenantReport, client: GlpiClient, tenant: dict) -> None:
    """The tenant's entity and default profile must exist and be readable."""
    entity_id = tenant["entity"]["id"]
    entity = _read_target(
        report,
        f"entity {entity_id}",
        lambda: client.get_item("Entity", entity_id),
        "set entity.id to the id of an existing entity",
    )
    if entity is not None:
        scope = "and its sub-entities" if tenant["entity"].get("recursive", True) else "only"
        name = entity.get("completename") or entity.get("name")
        report.facts.append(("target", f"entity {entity_id} {name} {scope}"))
    wanted = str(tenant.get("default_profile") or "")
    if not wanted:
        return
    if wanted.isdigit():
        found = _read_target(
            report,
            f"default_profile {wanted}",
            lambda: [client.get_item("Profile", int(wanted))],
            "set default_profile to the name or id of an existing profile",
        )
    else:
        found = _read_target(
            report,
            f"the profiles (to find default_profile {wanted!r})",
            lambda: client.list_items(
                "Profile", search_text={"name": like_value(wanted, client.version) or wanted}
            ),
            "check the profile right",
        )
        found = [p for p in found or [] if p.get("name") == wanted] if found is not None else None
        if found == []:
            report.problem(
                f"default_profile {wanted!r} does not exist in GLPI",
                "set default_profile to the exact name (or the id) of an existing profile",
            )
    if found:
        report.facts.append(
            ("new users", f"get profile {found[0].get('name')} (id {found[0]['id']})")
        )


def check_tenant(
    tenant: dict, client_factory: Callable[..., GlpiClient] | None = None
) -> TenantReport:
    """Reach the tenant's GLPI, log in and inspect the account; GLPI failures become problems."""
    report = TenantReport(tenant["name"])
    glpi = tenant["glpi"]
    report.facts.append(("glpi", _safe_url(glpi["url"])))
    factory = client_factory or GlpiClient.from_config
    client = factory(glpi, name=tenant["name"])
    try:
        client.session.current()
        _check_session(report, client, tenant)
    except GlpiAuthError as exc:
        report.problem(
            f"GLPI refused the login: {exc.credential} is wrong ({exc.code})",
            _CREDENTIAL_FIXES.get(exc.credential, f"check {exc.credential}"),
        )
    except GlpiUnavailableError as exc:
        report.problem(
            f"cannot reach GLPI: {exc.message or exc}",
            "check glpi.url, the network path and that GLPI's API is enabled "
            "(Setup > General > API)",
        )
    except GlpiError as exc:
        report.problem(
            f"GLPI answered {exc.status} {exc.code or ''}: {exc.message}".replace("  ", " "),
            "check glpi.url points at GLPI's apirest.php and that the API is enabled",
        )
    finally:
        client.close()
    return report


def format_report(report: TenantReport) -> str:
    """Render one tenant's report as text (no secrets: only names, ids and codes)."""
    lines = [f"tenant {report.name}: {'OK' if report.ok else 'PROBLEM'}"]
    lines += [f"  {label + ':':<10} {text}" for label, text in report.facts]
    for text, fix in report.problems:
        lines += [f"  PROBLEM: {text}", f"     fix: {fix}"]
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines)


def run_check(
    config_path: str | None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    environ: Any = None,
) -> int:
    """Check every tenant of the configuration; print a report; return the exit status."""
    out = out or sys.stdout
    config = load_for_command(config_path, environ, err or sys.stderr)
    if config is None:
        return 2
    reports = [check_tenant(tenant) for tenant in config["tenants"]]
    for report in reports:
        print(format_report(report), file=out)
    failed = [r.name for r in reports if not r.ok]
    ledger_ok = check_ledger(config, out)
    print(
        f"check: {len(reports) - len(failed)}/{len(reports)} tenant(s) OK"
        + (f"; failing: {', '.join(failed)}" if failed else ""),
        file=out,
    )
    return 1 if failed or not ledger_ok else 0


def check_ledger(config: dict, out: TextIO) -> bool:
    """When a tenant has profile rules, their ledger must be writable (docs/profile-rules.md)."""
    if not any(t.get("profile_rules") for t in config["tenants"]):
        return True
    where = "redis.url" if config["redis"]["url"] else f"ledger.path {config['ledger']['path']}"
    try:
        ledger = build_ledger(config)
        if ledger is None:
            raise UnavailableError("no ledger configured")
        ledger.ping()
    except UnavailableError as exc:
        cause = exc.__cause__ or exc
        print(f"ledger: PROBLEM: profile rules cannot record their rows in {where} ({cause})",
              file=out)
        print("     fix: make it writable by the bridge, on storage that survives restarts",
              file=out)
        return False
    print(f"ledger: OK ({where})", file=out)
    return True
