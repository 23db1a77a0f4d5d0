"""Profile rules: GLPI profiles granted from SCIM ``roles`` and group memberships.

A tenant's ``profile_rules`` each grant one *target*, a static ``Profile_User``
row (profile, entity, recursive), when a condition holds: the user's SCIM
``roles`` hold ``when_role`` (an Entra app role value), or the user is a
member of the tenant's group named ``when_group``. :class:`ProfileRules`
keeps exactly the rows the rules imply (docs/profile-rules.md):

* a row is added when its rule starts to match;
* a row is removed when no rule grants its target any more;
* only rows the rules **created** are ever removed. GLPI stores no author
  on ``Profile_User``, so the id of every row a rule creates is written to
  the tenant's :mod:`~app.glpi.profiles.ledger`; a row made by hand, even one
  identical to a rule's target, is never in it, and is never touched.
  When a rule starts to match and the user already holds its target (by
  hand), nothing is added and nothing is owned: the hand-made row stays
  when the rule stops matching;
* the tenant's default profile on its entity is never removed, and a user
  left with no profile row at all is given it back, so a user always keeps
  at least the default profile (and stays in the tenant's scope).

``roles`` are not stored anywhere else in GLPI. A user's roles are read
back as the ``when_role`` values whose targets the user holds, so a PATCH
that adds or removes one role keeps the others. Entra sends roles as
``{"value": "Admin"}`` on POST but, without the ``aadOptscim062020`` flag,
as a JSON-encoded string on PATCH
(``{"value": "{\\"id\\":…,\\"value\\":\\"25\\",…}"}``): both are read.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.glpi.cache import BackendCaches
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import GlpiRightError
from app.glpi.groups import criteria as gc
from app.glpi.profiles.ledger import RowLedger
from app.glpi.profiles.ledger import Target
from app.glpi.users.write_calls import find_by_name
from app.scim.errors import BackendError
from app.scim.errors import UnavailableError

log = logging.getLogger(__name__)

#: Rows per relation read (GLPI advertises ``Accept-Range: Group_User 1000``); one page is
#: read for a user's own rows, as many as needed for a group's members.
PAGE = 1000


@dataclass(frozen=True)
class Rule:
    profile: str
    entity: int
    recursive: bool
    when_role: str | None
    when_group: str | None


def role_values(roles: Any) -> set[str]:
    """The role values of a SCIM ``roles`` list, Entra's JSON-string form included."""
    found: set[str] = set()
    for item in roles if isinstance(roles, list) else []:
        value = item.get("value") if isinstance(item, dict) else item
        found |= _decoded(value)
    return found


def _decoded(value: Any) -> set[str]:
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {value}
        items = parsed if isinstance(parsed, list) else [parsed]
        return {
            str(i["value"]) for i in items if isinstance(i, dict) and i.get("value") is not None
        }
    return {str(value)} if value not in (None, "") else set()


@dataclass(frozen=True)
class RowPlan:
    """What a sync does to one user's ``Profile_User`` rows.

    :ivar add: targets to create, written down in the ledger.
    :ivar fallback: the default profile row to put back on a user left with no row.
    :ivar remove: ids of rule-made rows to purge.
    :ivar gone: ledger entries whose row GLPI no longer has as it was made.
    """

    add: list[Target] = field(default_factory=list)
    fallback: Target | None = None
    remove: list[int] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)


def plan_rows(
    static: dict[int, Target],
    owned: dict[int, Target],
    wanted: set[Target],
    undecided: set[Target],
    default: Target,
    scope: set[int],
) -> RowPlan:
    """The rows to add and remove so that the rules' rows are exactly what they imply.

    :param static: the user's static rows in GLPI, id → target.
    :param owned: the ledger's rows of the user (the rules made them), id → target.
    :param wanted: the targets the rules grant now.
    :param undecided: targets whose rule cannot be decided (role rules when the
        roles are unknown): their rows are left as they are.
    :param default: the tenant's default profile row: never removed, and put
        back when no static row on the tenant's entities would be left.
    :param scope: the tenant's entity ids. Dynamic rows, and rows elsewhere, do
        not keep a user in the tenant (an SSO login can wipe dynamic rows).

    Only ``owned`` rows are removed, so a row made by hand, even one identical
    to a target, is never touched; a target already held is not added.
    """
    gone = sorted(row_id for row_id, target in owned.items() if static.get(row_id) != target)
    kept: set[Target] = set()
    remove = []
    for row_id, target in sorted(owned.items()):
        if row_id in gone:
            continue
        if target in wanted | undecided and target not in kept:
            kept.add(target)
        elif target[:2] != default[:2]:
            remove.append(row_id)  # no longer granted, or a duplicate from a race
    add = sorted(wanted - set(static.values()))
    left = [t for row_id, t in static.items() if row_id not in remove] + add
    fallback = None if any(entity in scope for _, entity, _ in left) else default
    return RowPlan(add, fallback, remove, gone)


class ProfileRules:
    """The profile rules of one tenant, applied through its GLPI client."""

    def __init__(
        self,
        client: Any,
        tenant: dict,
        scope: Any,
        caches: BackendCaches,
        ledger: RowLedger | None = None,
    ):
        self._client = client
        self._ledger = ledger
        self._tenant = str(tenant.get("name") or "")
        self._purges = tenant.get("deprovisioning") == "purge"
        self._scope = scope
        self._caches = caches
        self.rules = [
            Rule(
                str(r["profile"]),
                int(r["entity"]),
                bool(r.get("recursive")),
                r.get("when_role"),
                r.get("when_group"),
            )
            for r in tenant.get("profile_rules") or []
        ]
        self._default = str(tenant.get("default_profile") or "Self-Service")
        self._entity = int((tenant.get("entity") or {}).get("id", 0))

    @property
    def ledger(self) -> RowLedger | None:
        """Where the rows the rules create are written down (None without rules)."""
        return self._ledger

    @property
    def active(self) -> bool:
        return bool(self.rules)

    @property
    def has_role_rules(self) -> bool:
        return any(r.when_role for r in self.rules)

    def is_rule_group(self, name: Any) -> bool:
        wanted = str(name or "").casefold()
        return bool(wanted) and any((r.when_group or "").casefold() == wanted for r in self.rules)

    # -- look-ups -----------------------------------------------------------------------------

    def _profile_id(self, name: str) -> int:
        if name.isdigit():
            return int(name)
        found = self._caches.ids_by_name.get_or_load(
            ("profile", name.casefold()), lambda: find_by_name(self._client, "Profile", name)
        )
        if found is None:
            raise BackendError(f"The profile {name!r} of a profile rule does not exist in GLPI.")
        return int(found)

    def _target(self, rule: Rule) -> Target:
        return self._profile_id(rule.profile), rule.entity, rule.recursive

    def _usable(self) -> list[tuple[Rule, Target]]:
        """The rules whose entity is in the tenant's scope (the others are ignored, logged)."""
        scope = set(self._scope.entity_ids())
        usable = []
        for rule in self.rules:
            if rule.entity in scope:
                usable.append((rule, self._target(rule)))
            else:
                log.warning(
                    "profile rule on entity %s ignored: outside the tenant's entities", rule.entity
                )
        return usable

    def preview_rows(self, resource: dict) -> list[dict]:
        """The rows the role rules would grant a new user with ``resource``'s roles.

        For the status page's mapping preview; it reads profile ids, writes nothing.
        A new user is in no group yet, so group rules grant nothing at creation.
        """
        roles = role_values(resource.get("roles"))
        return [
            {
                "profiles_id": profile,
                "entities_id": entity,
                "is_recursive": int(recursive),
                "is_dynamic": 0,
                "granted by": f"role {rule.when_role!r}",
            }
            for rule, (profile, entity, recursive) in self._usable()
            if rule.when_role and rule.when_role in roles
        ]

    def rule_group_ids(self) -> dict[int, str]:
        """Group id → rule group name (casefolded), for the rule groups in the tenant's scope.

        Read from GLPI each time (one search per rule group name), never
        cached: a group renamed a moment ago must not keep granting.
        """
        found: dict[int, str] = {}
        for name in sorted({r.when_group.casefold() for r in self.rules if r.when_group}):
            criteria = self._scope.group_criteria() + [
                gc.group_of([gc.name_equals(name, self._client.version)])
            ]
            _, rows = self._client.search("Group", criteria, forcedisplay=[1, 2], range=(0, 999))
            for row in rows:
                if str(row.get("1") or "").strip().casefold() == name:
                    found[int(row["2"])] = name
        return found

    def _groups_of(self, user_id: int, rule_groups: dict[int, str]) -> set[str]:
        rows = self._client.get_subitems("User", user_id, "Group_User", range=(0, PAGE - 1))
        return {
            rule_groups[int(r["groups_id"])]
            for r in rows
            if int(r.get("groups_id") or 0) in rule_groups
        }

    def _rows(self, user_id: int) -> list[dict]:
        return self._client.get_subitems("User", user_id, "Profile_User", range=(0, PAGE - 1))

    @staticmethod
    def _row_target(row: dict) -> Target:
        return (
            int(row["profiles_id"]),
            int(row["entities_id"]),
            bool(int(row.get("is_recursive") or 0)),
        )

    # -- reads --------------------------------------------------------------------------------

    def roles_of(self, user_id: int) -> list[dict]:
        """The user's SCIM ``roles``: the ``when_role`` values whose targets it holds (static)."""
        held = {
            self._row_target(r) for r in self._rows(user_id) if not int(r.get("is_dynamic") or 0)
        }
        values = sorted(
            {rule.when_role for rule, target in self._usable() if rule.when_role and target in held}
        )
        return [{"value": v} for v in values]

    def members_of(self, group_id: int) -> set[int]:
        """Every member of a group, in pages of :data:`PAGE` rows."""
        members: set[int] = set()
        start = 0
        while True:
            rows = self._client.get_subitems(
                "Group", group_id, "Group_User", range=(start, start + PAGE - 1)
            )
            members.update(int(r["users_id"]) for r in rows if r.get("users_id"))
            if len(rows) < PAGE:
                return members
            start += PAGE

    def user_deleted(self, user_id: int) -> None:
        """After ``DELETE /Users``: under the ``purge`` policy GLPI purged the user and
        its rows with it, so the ledger forgets them (trash and deactivate keep rows).

        The purge has happened: a ledger failure here is logged, not answered
        (the entries left only point at rows that no longer exist).
        """
        if self._ledger is None or not self._purges:
            return
        try:
            self._ledger.drop(self._tenant, user_id)
        except UnavailableError:
            log.warning("profile rules: the ledger entries of purged user %s stay", user_id)

    def ping(self) -> None:
        """Raise unless the ledger can be written (a tenant without rules has none)."""
        if self._ledger is not None:
            self._ledger.ping()

    # -- the synchronisation ------------------------------------------------------------------

    def sync(
        self,
        user_id: int,
        *,
        roles: Any = None,
        roles_known: bool = False,
        rule_groups: dict[int, str] | None = None,
    ) -> None:
        """Make the user's managed rows exactly what the rules imply.

        :param roles: the user's SCIM ``roles`` when ``roles_known``; otherwise
            the targets of role rules are left as they are (a change of group
            membership says nothing about roles, which GLPI does not store).
        :param rule_groups: :meth:`rule_group_ids`, when the caller syncs many users.
        """
        usable = self._usable()
        if not usable:
            return
        values = role_values(roles) if roles_known else set()
        groups: set[str] = set()
        if any(r.when_group for r, _ in usable):
            if rule_groups is None:
                rule_groups = self.rule_group_ids()
            groups = self._groups_of(user_id, rule_groups)
        wanted: set[Target] = set()
        undecided: set[Target] = set()
        for rule, target in usable:
            if rule.when_role and not roles_known:
                undecided.add(target)
            elif (rule.when_role and rule.when_role in values) or (
                rule.when_group and rule.when_group.casefold() in groups
            ):
                wanted.add(target)
        self._apply(user_id, wanted, undecided)

    def _apply(self, user_id: int, wanted: set[Target], undecided: set[Target]) -> None:
        """Bring the user's rows to :func:`plan_rows` of what GLPI and the ledger hold."""
        if self._ledger is None:
            raise BackendError("Profile rules need a ledger (redis.url or ledger.path).")
        with self._ledger.hold(self._tenant, user_id):
            self._apply_held(user_id, wanted, undecided)

    def _apply_held(self, user_id: int, wanted: set[Target], undecided: set[Target]) -> None:
        rows = self._rows(user_id)
        static = {
            int(r["id"]): self._row_target(r) for r in rows if not int(r.get("is_dynamic") or 0)
        }
        default = (self._profile_id(self._default), self._entity, bool(self._scope.recursive))
        owned = self._owned(user_id, static)
        plan = plan_rows(static, owned, wanted, undecided, default, set(self._scope.entity_ids()))
        if plan.add or plan.fallback:
            watermark = max((int(r["id"]) for r in rows), default=0)
            self._add(user_id, plan.add, plan.fallback, watermark)
        if plan.remove:
            self._client.delete("Profile_User", plan.remove, force_purge=True)
        if plan.remove or plan.gone:
            self._ledger.forget(self._tenant, user_id, [*plan.remove, *plan.gone])
        if plan.add or plan.remove:
            log.info(
                "profile rules: user %s +%d -%d Profile_User rows",
                user_id,
                len(plan.add),
                len(plan.remove),
            )

    def _owned(self, user_id: int, static: dict[int, Target]) -> dict[int, Target]:
        """The user's rule-made rows, after settling the intents a lost answer left behind.

        An intent's row, if GLPI created it, is the lowest unrecorded row of
        its target above the watermark (GLPI ids only grow); none means the
        write never landed.
        """
        entries = self._ledger.read(self._tenant, user_id)
        owned = dict(entries.rows)
        if not entries.intents:
            return owned
        claimed: dict[int, Target] = {}
        for target, watermark in entries.intents.items():
            candidates = [
                row_id
                for row_id, held in static.items()
                if held == target and row_id > watermark and row_id not in owned
            ]
            if candidates:
                claimed[min(candidates)] = target
        if claimed:
            self._ledger.record(self._tenant, user_id, claimed)
            log.info(
                "profile rules: user %s: rows %s claimed from intents", user_id, sorted(claimed)
            )
        self._ledger.settle(self._tenant, user_id, entries.intents.keys() - claimed.values())
        return {**owned, **claimed}

    def _add(
        self, user_id: int, targets: list[Target], fallback: Target | None, watermark: int
    ) -> None:
        """Create the rule rows (and the ``fallback`` default row), writing down the rule rows.

        The intents are written first, so a lost answer is settled at the next
        sync. The default profile put back on a user left with no row is not a
        rule's: it is never removed, so it is not written down.
        """
        self._ledger.intend(self._tenant, user_id, targets, watermark)
        every = [*targets, *([fallback] if fallback else [])]
        inputs = [
            {
                "users_id": user_id,
                "profiles_id": p,
                "entities_id": e,
                "is_recursive": int(r),
                "is_dynamic": 0,
            }
            for p, e, r in every
        ]
        try:
            results = self._client.add("Profile_User", inputs)
        except GlpiPartialError as exc:
            self._write_down(user_id, targets, exc.results)
            raise
        except (GlpiBadRequestError, GlpiRightError):
            self._ledger.settle(self._tenant, user_id, targets)  # refused: nothing landed
            raise
        self._write_down(user_id, targets, results)

    def _write_down(self, user_id: int, targets: list[Target], results: list[Any]) -> None:
        """Record the ids GLPI gave the rule rows (results come in input order); the
        intents of rows GLPI refused are settled."""
        made = {
            int(result.id): target
            for target, result in zip(targets, results, strict=False)
            if result.ok and result.id is not None
        }
        refused = set(targets) - set(made.values())
        if refused:
            self._ledger.settle(self._tenant, user_id, refused)
        if not made:
            return
        try:
            self._ledger.record(self._tenant, user_id, made)
        except Exception:
            log.error(
                "profile rules: GLPI created Profile_User rows %s for user %s but the ledger "
                "could not record them; their intents are settled at the user's next sync",
                sorted(made),
                user_id,
            )
            raise
