"""A tenant's scope in GLPI: which entities, which users, which accounts are protected.

**GLPI's own accounts** (``reserved``: GLPI's default accounts, the bridge's
own API account, holders of reserved profiles) are kept out of the user
criteria, so every read sees the same users without them
(:mod:`app.glpi.reserved_accounts`).

**Entity membership of a user.** GLPI has no "user belongs to entity" column
(``glpi_users.entities_id`` is only a default-entity preference). A user is
in a tenant's scope when it holds at least one ``Profile_User`` row whose
``entities_id`` is the tenant's entity, or one of its sub-entities when
``entity.recursive`` is on; the row's own ``is_recursive`` does not matter.
That is GLPI search option 80 ("Entities (Profile)"), and the criteria built
here are the only definition of the scope: the ``userName eq`` filter, reads
by id, the uniqueness check after a refused create, and group member checks
(``app.glpi.groups.store``) all use them, so they see exactly the same users. A
user without any profile row is in no tenant's scope.

The criterion is ``under <entity>`` for a recursive tenant (GLPI expands it
to the subtree, so a sub-entity created later is in scope at once) and
``equals <entity>`` otherwise. The entity tree itself is read (once, cached)
only where the bridge needs the list of ids in Python: profile rules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from app.glpi.cache import BackendCaches
from app.glpi.client.errors import GlpiError
from app.glpi.groups import criteria as gc
from app.glpi.reserved_accounts import MAX_RESERVED_HOLDERS
from app.glpi.reserved_accounts import OPT_PROFILES
from app.glpi.reserved_accounts import hidden_criteria
from app.glpi.reserved_accounts import reserved_reason
from app.glpi.users.write_calls import find_by_name
from app.scim.errors import BackendError

log = logging.getLogger(__name__)

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
        reserved = tenant.get("reserved") or {}
        self.reserved_logins = frozenset(str(x).casefold() for x in reserved.get("logins", []))
        self.reserved_profiles = frozenset(
            str(x).casefold() for x in reserved.get("profiles", [])
        )
        self._reserved_profile_names = tuple(str(x) for x in reserved.get("profiles", []))
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
        """``/search/User`` criteria selecting exactly the tenant's users, reserved ones out.

        No GLPI call once the bridge account's id (and, with reserved
        profiles, their holders) are cached.
        """
        ids = [*self._reserved_holder_ids()]
        api_id = self._api_account()[0]
        if api_id is not None:
            ids.append(api_id)
        hidden = hidden_criteria(self.reserved_logins, ids, self._client.version)
        return [*gc.user_scope(self._entity, self._recursive), *hidden]

    def group_criteria(self) -> list[dict]:
        """``/search/Group`` criteria selecting exactly the tenant's groups."""
        return gc.group_scope(self._entity, self._recursive)

    def _api_account(self) -> tuple[int | None, str | None]:
        """``(glpiID, glpiname)`` of the account the bridge acts as.

        From ``initSession`` (no call of its own), else ``getFullSession``.

        :raises GlpiError: GLPI did not answer.
        """

        def load() -> tuple[int | None, str | None]:
            known = getattr(self._client, "session_identity", None)
            identity = known() if callable(known) else None
            if identity is not None:
                return identity
            session = self._client.get_full_session()
            value = session.get("glpiID")
            login = session.get("glpiname")
            return (
                int(value) if str(value or "").isdigit() else None,
                str(login) if login else None,
            )

        return self._caches.ids_by_name.get_or_load(("api-user",), load)

    def api_user_id(self) -> int | None:
        """The GLPI id of the account the bridge acts as (always protected)."""
        try:
            return self._api_account()[0]
        except GlpiError:
            return None

    def _reserved_holder_ids(self) -> tuple[int, ...]:
        """Ids of the holders of ``reserved.profiles`` (one search per cache lifetime).

        :raises BackendError: more holders than can be kept out by id.
        """
        if not self._reserved_profile_names:
            return ()
        return self._caches.ids_by_name.get_or_load(("reserved-holders",), self._load_holders)

    def _load_holders(self) -> tuple[int, ...]:
        profile_ids = []
        for name in self._reserved_profile_names:
            found = self._caches.ids_by_name.get_or_load(
                ("profile", name.casefold()),
                lambda n=name: find_by_name(self._client, "Profile", n),
            )
            if found is None:
                log.warning("reserved.profiles names %r, which is not a GLPI profile", name)
            else:
                profile_ids.append(int(found))
        if not profile_ids:
            return ()
        total, rows = self._client.search(
            "User",
            gc.any_of(OPT_PROFILES, profile_ids),
            forcedisplay=[gc.USER_OPTION_ID],
            range=(0, MAX_RESERVED_HOLDERS - 1),
        )
        if total > MAX_RESERVED_HOLDERS:
            raise BackendError(
                f"The reserved profiles {', '.join(self._reserved_profile_names)} have {total} "
                f"holders, more than {MAX_RESERVED_HOLDERS} can be kept out of SCIM: list their "
                "logins in reserved.logins instead."
            )
        return tuple(sorted(int(r[str(gc.USER_OPTION_ID)]) for r in rows))

    def reserved_login(self, login: str, profiles: Iterable[str] = ()) -> str | None:
        """Why ``login`` (holding ``profiles``) is a reserved GLPI account, or None."""
        try:
            api_login = self._api_account()[1]
        except GlpiError:
            api_login = None
        return reserved_reason(
            login,
            logins=self.reserved_logins,
            api_login=api_login,
            profiles=profiles,
            reserved_profiles=self.reserved_profiles,
        )

    def is_protected(self, user_id: int, login: str | None, profiles: list[str]) -> str | None:
        """Why ``user_id`` may not be changed through SCIM, or None."""
        if login and login.casefold() in self.protected_logins:
            return f"the account {login!r} is listed in this tenant's protected.logins"
        held = {p.casefold() for p in profiles if p}
        hit = sorted(held & self.protected_profiles)
        if hit:
            return f"the account holds the protected profile {hit[0]!r}"
        reserved = reserved_reason(
            login,
            logins=self.reserved_logins,
            api_login=None,
            profiles=profiles,
            reserved_profiles=self.reserved_profiles,
        )
        if reserved:
            return reserved
        if self.api_user_id() == user_id:
            return "it is the GLPI account the bridge itself uses"
        return None
