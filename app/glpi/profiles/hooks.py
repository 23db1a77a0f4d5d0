"""Where profile rules run: around the backend's User and Group writes.

:class:`ProfileRuleHooks` wraps each storage operation of
:class:`~app.glpi.backend.GlpiBackend`. Without ``profile_rules`` it only
calls the operation, so a tenant without rules pays no GLPI call for them.
With rules (docs/profile-rules.md):

* a User create, replace or PATCH that carries ``roles`` re-applies the
  user's rules, with those roles (a PUT without ``roles`` leaves the
  role-granted rows as they are, as Group PUTs without ``members`` do);
* a write of a *rule group* (a group named by a ``when_group``), before or
  after the write, re-applies the rules of every user whose membership of
  a rule group changed: added or removed members, every member when the
  group is renamed into or out of a rule's name, or deleted;
* reads of one User add ``roles``, read back from the rows it holds, when
  role rules exist (a ``Profile_User`` read); lists do not, so a page keeps
  the cost in the call-count table of docs/mapping.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.glpi.profiles.rules import ProfileRules
from app.scim.patch.engine import PatchResult
from app.scim.storage import AttributeSelection
from app.scim.storage import Context

USER = "User"
GROUP = "Group"


def _member_ids(members: Any) -> set[int]:
    ids = set()
    for member in members if isinstance(members, list) else []:
        value = member.get("value") if isinstance(member, dict) else member
        if str(value or "").isdigit():
            ids.add(int(value))
    return ids


class ProfileRuleHooks:
    """Profile rules around the backend operations of one tenant."""

    def __init__(self, rules: ProfileRules, stores: dict[str, Any]):
        self.rules = rules
        self._stores = stores

    def ping(self) -> None:
        """Raise unless the rules' ledger can be written (readiness)."""
        self.rules.ping()

    # -- users ------------------------------------------------------------------------------

    def on_get(self, ctx: Context, resource_type: str, resource: dict) -> dict:
        if (
            resource_type != USER
            or not self.rules.has_role_rules
            or not ctx.attributes.wants("roles")
        ):
            return resource
        roles = self.rules.roles_of(int(resource["id"]))
        out = {k: v for k, v in resource.items() if k != "roles"}
        return {**out, "roles": roles} if roles else out

    def _user_written(self, ctx: Context, answer: dict, roles: Any, roles_known: bool) -> dict:
        if roles_known and self.rules.active:
            self.rules.sync(int(answer["id"]), roles=roles, roles_known=True)
        return self.on_get(ctx, USER, answer)

    def attribute_support(
        self, resource_type: str, support: dict[str, str] | None
    ) -> dict[str, str] | None:
        """Discovery: ``roles`` (its ``value``) is kept exactly when role rules exist."""
        if resource_type != USER or support is None or not self.rules.has_role_rules:
            return support
        return {**support, "roles": "readWrite", "roles.value": "readWrite"}

    # -- groups -----------------------------------------------------------------------------

    def _group_name(self, ctx: Context, group_id: str) -> str:
        lean = Context(
            tenant=ctx.tenant,
            attributes=AttributeSelection(attributes=("displayName",)),
            request_id=ctx.request_id,
        )
        return str(self._stores[GROUP].get(lean, group_id).get("displayName") or "")

    def _around_group(
        self,
        ctx: Context,
        group_id: str,
        new_name: str | None,
        write: Callable[[], Any],
        named: set[int] | None = None,
    ) -> Any:
        """Run a group write; re-apply the rules of the users whose rule-group membership changed.

        The users the request names (``named``) are re-applied too, changed or
        not: when GLPI failed after the membership write and before the profile
        rows, the IdP's retry finds the membership already done, and only this
        makes it converge (docs/resilience.md).

        :param new_name: the name after the write (None for a delete).
        """
        if not any(r.when_group for r in self.rules.rules):
            return write()
        old_name = self._group_name(ctx, group_id)
        was, will = self.rules.is_rule_group(old_name), self.rules.is_rule_group(new_name)
        if not (was or will):
            return write()
        gid = int(group_id)
        before = self.rules.members_of(gid)
        answer = write()
        after = self.rules.members_of(gid) if new_name is not None else set()
        renamed = was != will or (was and old_name.casefold() != str(new_name or "").casefold())
        changed = (before | after) if renamed else (before ^ after)
        self._sync_all(changed | (named or set()))
        return answer

    def _sync_all(self, user_ids: set[int]) -> None:
        if not user_ids:
            return
        rule_groups = self.rules.rule_group_ids()
        for user_id in sorted(user_ids):
            self.rules.sync(user_id, rule_groups=rule_groups)

    # -- the storage operations -------------------------------------------------------------

    def create(
        self, ctx: Context, resource_type: str, resource: dict, write: Callable[[], dict]
    ) -> dict:
        answer = write()
        if resource_type == USER:
            return self._user_written(ctx, answer, resource.get("roles"), "roles" in resource)
        if self.rules.is_rule_group(resource.get("displayName")):
            self._sync_all(_member_ids(resource.get("members")))
        return answer

    def replace(
        self,
        ctx: Context,
        resource_type: str,
        resource_id: str,
        resource: dict,
        write: Callable[[], dict],
    ) -> dict:
        if resource_type == USER:
            return self._user_written(ctx, write(), resource.get("roles"), "roles" in resource)
        named = _member_ids(resource.get("members"))
        return self._around_group(ctx, resource_id, resource.get("displayName"), write, named)

    def patch(
        self,
        ctx: Context,
        resource_type: str,
        resource_id: str,
        result: PatchResult,
        write: Callable[[], dict],
    ) -> dict:
        if resource_type == USER:
            known = "roles" in result.changed
            return self._user_written(ctx, write(), result.resource.get("roles"), known)
        delta = result.deltas.get("members")
        named = _member_ids(delta.added) | _member_ids(delta.removed) if delta else set()
        name = result.resource.get("displayName")
        return self._around_group(ctx, resource_id, name, write, named)

    def delete(
        self, ctx: Context, resource_type: str, resource_id: str, write: Callable[[], None]
    ) -> None:
        if resource_type == USER:
            write()
            if str(resource_id).isdigit():
                self.rules.user_deleted(int(resource_id))
            return
        self._around_group(ctx, resource_id, None, write)
