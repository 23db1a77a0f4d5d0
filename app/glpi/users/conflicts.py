"""Why GLPI refused a new user, and the look-ups a create needs.

GLPI's unique key on users is ``(name, authtype, auths_id)``: a local or
LDAP ``jdoe`` does not stop GLPI from adding an SSO ``jdoe`` next to it,
and GLPI's logins then find either (glpi-api.md §3.2). So before each create
the bridge looks the login up across every authtype, among live users
(:meth:`ConflictResolver.refuse_taken_login`) and then in the trash
(:meth:`ConflictResolver.trashed_to_restore`; GLPI's search shows either live
or trashed rows, never both), then creates. The trash is searched before the
create because a user trashed with another authtype (local, created with a
password) would not stop GLPI from adding a second user with the login
(issue 13). When GLPI still refuses the create (a user trashed or created
since the look-ups), the bridge looks the login up to answer precisely
(issue 4, "Scope and uniqueness"):

1. an in-scope user with that login is in GLPI's trash → it is restored
   and updated (``users.restore_trashed``), or 409 explaining the trash
   (looked up first: re-provisioning is the usual cause, and it then costs
   one search after the refusal);
2. an in-scope user already has the login (compared case-insensitively, as
   GLPI's collation does; created since the look-up) → 409 ``uniqueness``.
   The ``userName eq`` filter sees this same user: both use
   :meth:`TenantScope.user_criteria`;
3. the login exists outside the tenant's entities → 409 explaining that;
4. nothing has the login → GLPI refused for another reason: 400 with
   GLPI's message. But first, when the bridge's session may be blind to an
   entity created since its login (GLPI 10.0.12 and 11.0.6 restrict every
   search to the entities frozen at login, for an account that did not see
   them all then), it logs in again (at most once per 10 s, shared with the
   renewals for rights) and the look-ups run once more: a user an admin put in
   a new sub-entity is then the IdP's 409, not a 400 it never gets out of
   (docs/real-glpi.md, difference 6).

A login held by a user that GLPI left without any profile when it cut a
create short, and that only the bridge ever touched, is not a conflict: the
create is finished (:mod:`app.glpi.users.unfinished_creates`).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.glpi.cache import BackendCaches
from app.glpi.client.encoding import like_value
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiRightError
from app.glpi.scope import TenantScope
from app.glpi.users.mapping import OPT_ID
from app.glpi.users.mapping import OPT_LOGIN
from app.glpi.users.mapping import OPT_PROFILES
from app.glpi.users.unfinished_creates import MAX_LOG_ENTRIES
from app.glpi.users.unfinished_creates import may_finish
from app.glpi.users.write_calls import find_by_name
from app.scim.errors import BackendError
from app.scim.errors import ConflictError
from app.scim.errors import InvalidValueError

log = logging.getLogger(__name__)


def _profiles(row: dict) -> list[str]:
    value = row.get(str(OPT_PROFILES)) or []
    return [str(p) for p in (value if isinstance(value, list) else [value])]


def collate(text: str) -> str:
    """``text`` as MySQL's ``utf8mb4_unicode_ci`` compares it: without case nor accents.

    GLPI's unique key on logins uses that collation, so ``élodie`` collides
    with an existing ``Elodie``.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Takeover:
    """A user a create takes over: a trashed one to restore, or an unfinished create."""

    row: dict
    restore: bool


class ConflictResolver:
    """Login look-ups of one tenant."""

    def __init__(
        self,
        client: Any,
        tenant: dict,
        search_rows: Callable[..., tuple[int, list[dict]]],
        scope: TenantScope,
        caches: BackendCaches,
    ):
        self._client = client
        self._tenant = tenant
        self._search_rows = search_rows
        self._scope = scope
        self._caches = caches

    def default_profile_id(self) -> int:
        """The id of ``default_profile`` (a name, or an id), looked up once per cache lifetime."""
        wanted = str(self._tenant.get("default_profile") or "Self-Service")
        if wanted.isdigit():
            return int(wanted)
        found = self._caches.ids_by_name.get_or_load(
            ("profile", wanted.casefold()), lambda: find_by_name(self._client, "Profile", wanted)
        )
        if found is None:
            raise BackendError(f"The tenant's default_profile {wanted!r} does not exist in GLPI.")
        return int(found)

    def find_login(self, login: str, *, scoped: bool, is_deleted: bool = False) -> dict | None:
        """The row of the user whose login equals ``login`` (case-insensitively), or None."""
        value = like_value(login, self._client.version)
        criteria = [{"field": OPT_LOGIN, "searchtype": "contains", "value": value or "^"}]
        if scoped:
            criteria = [*self._scope.user_criteria(), {**criteria[0], "link": "AND"}]
        _, rows = self._search_rows(criteria, 0, 50, is_deleted=is_deleted, remember=scoped)
        for row in rows:
            if collate(str(row.get(str(OPT_LOGIN)) or "")) == collate(login):
                return row
        return None

    def refuse_taken_login(self, login: str) -> dict | None:
        """Refuse to create ``login`` when a user of any authtype already has it.

        One search on the happy path; more only to explain a conflict.

        :returns: None (the login is free), or the search row of a user whose
            create GLPI cut short, which the caller finishes
            (:mod:`app.glpi.users.unfinished_creates`).
        :raises ConflictError: the login is taken, in or outside the tenant.
        """
        self._refuse_reserved(login, [])
        found = self.find_login(login, scoped=False)
        if found is None:
            return None
        existing = str(found.get(str(OPT_LOGIN)) or login)
        self._refuse_reserved(login, _profiles(found), existing=existing)
        if self.unfinished_create(found):
            # No profile at all: out of scope, except for GLPI 10's "under" the root
            # entity, which also matches users without a profile row.
            return found
        if self.find_login(login, scoped=True) is not None:
            raise ConflictError(
                f"A user with userName {login!r} already exists "
                "(GLPI compares logins without case nor accents)."
            )
        raise self._outside(login)

    def unfinished_create(self, row: dict) -> bool:
        """True when ``row`` (an unscoped search row) is a user the bridge created and
        GLPI left without any profile: see :func:`app.glpi.users.unfinished_creates.may_finish`.

        Two reads (``GET /User/:id`` and its history), only on this conflict path.
        """
        if row.get(str(OPT_PROFILES)):
            return False
        login = str(row.get(str(OPT_LOGIN)) or "")
        if login.casefold() in self._scope.protected_logins:
            return False
        user_id = int(row[str(OPT_ID)])
        try:
            item = self._client.get_item("User", user_id)
            history = self._client.get_subitems(
                "User", user_id, "Log", range=(0, MAX_LOG_ENTRIES - 1)
            )
        except (GlpiNotFoundError, GlpiRightError, GlpiBadRequestError) as exc:
            log.info("GLPI user %s has no profile; its history cannot be read: %s", user_id, exc)
            return False  # no proof: keep the 409
        reason = may_finish(
            item, history, tenant=self._tenant, bridge_user_id=self._scope.api_user_id()
        )
        if reason is not None:
            log.info("GLPI user %s has no profile but is not taken over: %s", user_id, reason)
            return False
        log.warning(
            "GLPI user %s (%r) was left without a profile by an interrupted create; finishing it",
            user_id,
            login,
        )
        return True

    def _refuse_reserved(
        self, login: str, profiles: list[str], *, existing: str | None = None
    ) -> None:
        """A reserved GLPI account's login is taken, though no filter finds it (a 409 says why).

        :param existing: the login of the GLPI account found (it may differ from
            ``login`` in case or accents, which GLPI's unique key ignores).
        :raises ConflictError: ``uniqueness``, naming the reserved account.
        """
        reason = self._scope.reserved_login(existing or login, profiles)
        if reason:
            raise ConflictError(
                f"userName {login!r} cannot be created: {reason}. GLPI's own accounts are not "
                "IdP identities, so SCIM neither lists nor manages them (docs/mapping.md)."
            )

    def trashed_to_restore(self, login: str) -> Takeover | None:
        """The trashed user a create of ``login`` restores, whatever its authtype.

        One search of the trash across the whole GLPI; a second one, scoped, only when
        it holds the login, to tell this tenant's user from another's.

        :returns: None when no trashed user has the login.
        :raises ConflictError: the trashed user is outside this tenant, or
            ``users.restore_trashed`` is off.
        """
        if self.find_login(login, scoped=False, is_deleted=True) is None:
            return None
        trashed = self.find_login(login, scoped=True, is_deleted=True)
        if trashed is None:
            raise self._outside(login)
        return self._restorable(login, trashed)

    def _restorable(self, login: str, trashed: dict) -> Takeover:
        if (self._tenant.get("users") or {}).get("restore_trashed", True):
            return Takeover(trashed, restore=True)
        raise ConflictError(
            f"A user with userName {login!r} is in GLPI's trash; restore or "
            "purge it in GLPI (users.restore_trashed is off)."
        )

    @staticmethod
    def _outside(login: str) -> ConflictError:
        return ConflictError(
            f"The login {login!r} already exists in GLPI outside this tenant's entities; "
            "it cannot be created again, and this tenant may not manage it."
        )

    def explain_refused_create(self, login: str, exc: GlpiBadRequestError) -> Takeover:
        """Turn GLPI's refusal of ``POST /User`` into the right SCIM answer.

        :returns: a trashed in-scope user to restore, or a user whose create GLPI
            cut short (GLPI 11 refuses the create when the profile insert fails,
            after writing the user) to finish.
        :raises ConflictError: the login is taken.
        :raises InvalidValueError: GLPI refused for another reason.
        """
        found = self._explain(login, exc)
        if found is None and self._client.renew_for_frozen_entities():
            # Nothing this session can search has the login, yet GLPI's unique key refused
            # it: the session may be blind to an entity created since its login (GLPI
            # restricts searches to the entities it froze then). One new session looks again.
            log.info("GLPI refused user %r, which no search shows; looking again in a new "
                     "session (entities created since the login)", login)
            found = self._explain(login, exc)
        if found is None:
            raise InvalidValueError(
                f"GLPI refused the user: {(exc.message or 'no reason given').rstrip('.')}."
            ) from exc
        return found

    def _explain(self, login: str, exc: GlpiBadRequestError) -> Takeover | None:
        """The look-ups of :meth:`explain_refused_create`; None when none finds the login."""
        # The look-ups before the create saw the login neither live nor in the trash:
        # a racing create of the same login is the common reason of a refusal.
        if self.find_login(login, scoped=True) is not None:
            raise ConflictError(
                f"A user with userName {login!r} already exists "
                "(GLPI compares logins without case nor accents)."
            ) from exc
        trashed = self.find_login(login, scoped=True, is_deleted=True)
        if trashed is not None:
            try:
                return self._restorable(login, trashed)
            except ConflictError as conflict:
                raise conflict from exc
        outside = self.find_login(login, scoped=False)
        if outside is not None and self.unfinished_create(outside):
            return Takeover(outside, restore=False)
        if (
            outside is not None
            or self.find_login(login, scoped=False, is_deleted=True) is not None
        ):
            raise self._outside(login) from exc
        return None
