"""A tenant's scope in GLPI: which entities, which users, which accounts are protected.

**Entity membership of a user.** GLPI has no "user belongs to entity" column
(``glpi_users.entities_id`` is only a default-entity preference). A user is
in a tenant's scope when it holds at least one ``Profile_User`` row whose
``entities_id`` is the tenant's entity, or one of its sub-entities when
``entity.recursive`` is on; the row's own ``is_recursive`` does not matter.
That is GLPI search option 80 ("Entities (Profile)"), and the criteria built
here are the only definition of the scope: the ``userName eq`` filter, reads
by id, the uniqueness check after a refused create, and group member checks
(``app.glpi.groups``) all use them, so they see exactly the same users. A
user without any profile row is in no tenant's scope.

The criterion is ``under <entity>`` for a recursive tenant (GLPI expands it
to the subtree, so a sub-entity created later is in scope at once) and
``equals <entity>`` otherwise. The entity tree itself is read (once, cached)
only where the bridge needs the list of ids in Python: profile rules.
"""

from __future__ import annotations

from typing import Any

from app.glpi import group_criteria as gc
from app.glpi.cache import BackendCaches
from app.glpi.errors import GlpiError

#: Largest entity list read for the tree.
MAX_ENTITIES = 5000


class TenantScope:
    """Entity ids, user criteria and protected accounts of one tenant."""

    def __init__(self, client: Any, tenant: dict, caches: BackendCaches):
        self._client = client
        self._entity = int(tenant.get("entity", {}).get("id", 0))
        self._recursive = bool(tenant.get("entity", {}).get("recursive", True))
        protected = tenant.get("protected") or {}
        self.protected_logins = frozenset(str(x).casefold() for x in protected.get("logins", []))
        self.protected_profiles = frozenset(
            str(x).casefold() for x in protected.get("profiles", [])
        )
        self._caches = caches

    @property
    def entity_id(self) -> int:
        return self._entity

    @property
    def recursive(self) -> bool:
        return self._recursive

    def entity_ids(self) -> list[int]:
        """The tenant's entity, plus its sub-entities when recursive."""
        if not self._recursive:
            return [self._entity]
        return list(self._caches.entity_tree.get_or_load(("tree", self._entity), self._load_tree))

    def holds_entity(self, entity_id: int) -> bool:
        """True when ``entity_id`` is the tenant's entity, or below it when recursive.

        For rows read by id or by ``GET /<itemtype>`` (which only GLPI's own
        entity rights restrict). The tenant's own entity costs nothing; a
        sub-entity is looked up in the cached tree, read again once on a miss
        so that a sub-entity created since counts at once.
        """
        entity_id = int(entity_id)
        if entity_id == self._entity:
            return True
        if not self._recursive:
            return False
        if entity_id in self.entity_ids():
            return True
        self._caches.entity_tree.evict(("tree", self._entity))
        return entity_id in self.entity_ids()

    def listable_entity_filter(self) -> dict[str, str] | None:
        """``searchText`` restricting ``GET /<itemtype>`` to exactly the tenant's entities,
        or None when a ``LIKE`` cannot say it (a recursive tenant below the root).

        ``{}`` for the root entity with recursion: GLPI's own restriction to the
        session's entities is then the tenant's scope, as for ``/search``.
        """
        if not self._recursive:
            return {"entities_id": f"^{self._entity}$"}
        if self._entity == 0:
            return {}
        return None

    def _load_tree(self) -> tuple[int, ...]:
        rows = self._client.list_items("Entity", range=(0, MAX_ENTITIES - 1))
        children: dict[int, list[int]] = {}
        for row in rows:
            parent = row.get("entities_id")
            if parent is not None and int(row["id"]) != int(parent):
                children.setdefault(int(parent), []).append(int(row["id"]))
        found, todo = [self._entity], [self._entity]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.append(child)
                    todo.append(child)
        return tuple(sorted(found))

    def user_criteria(self) -> list[dict]:
        """``/search/User`` criteria selecting exactly the tenant's users."""
        return gc.user_scope(self._entity, self._recursive)

    def group_criteria(self) -> list[dict]:
        """``/search/Group`` criteria selecting exactly the tenant's groups."""
        return gc.group_scope(self._entity, self._recursive)

    def api_user_id(self) -> int | None:
        """The GLPI id of the account the bridge acts as (always protected)."""

        def load() -> int | None:
            try:
                session = self._client.get_full_session()
            except GlpiError:
                return None
            value = session.get("glpiID")
            return int(value) if str(value or "").isdigit() else None

        return self._caches.ids_by_name.get_or_load(("api-user",), load)

    def is_protected(self, user_id: int, login: str | None, profiles: list[str]) -> str | None:
        """Why ``user_id`` may not be changed through SCIM, or None."""
        if login and login.casefold() in self.protected_logins:
            return f"the account {login!r} is listed in this tenant's protected.logins"
        held = {p.casefold() for p in profiles if p}
        hit = sorted(held & self.protected_profiles)
        if hit:
            return f"the account holds the protected profile {hit[0]!r}"
        if self.api_user_id() == user_id:
            return "it is the GLPI account the bridge itself uses"
        return None
