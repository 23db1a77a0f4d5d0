"""Why GLPI refused a new user, and the look-ups a create needs.

GLPI's unique key on users is ``(name, authtype, auths_id)``: a local or
LDAP ``jdoe`` does not stop GLPI from adding an SSO ``jdoe`` next to it,
and GLPI's logins then find either (glpi-api.md §3.2). So before each create
the bridge looks the login up across every authtype (one search,
:meth:`ConflictResolver.refuse_taken_login`); the create itself is one more
call. When GLPI still refuses the create (a trashed user with the same
login and authtype), the bridge looks the login up to answer precisely
(issue 4, "Scope and uniqueness"):

1. an in-scope user already has the login (compared case-insensitively, as
   GLPI's collation does) → 409 ``uniqueness``. The ``userName eq`` filter
   sees this same user: both use :meth:`TenantScope.user_criteria`;
2. an in-scope user with that login is in GLPI's trash → it is restored
   and updated (``users.restore_trashed``), or 409 explaining the trash;
3. the login exists outside the tenant's entities → 409 explaining that;
4. nothing has the login → GLPI refused for another reason: 400 with
   GLPI's message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from app.glpi.cache import BackendCaches
from app.glpi.encoding import like_value
from app.glpi.errors import GlpiBadRequestError
from app.glpi.mapping import OPT_LOGIN
from app.glpi.mapping import OPT_PROFILES
from app.glpi.scope import TenantScope
from app.glpi.user_writes import find_by_name
from app.scim.errors import BackendError
from app.scim.errors import ConflictError
from app.scim.errors import InvalidValueError


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

    def refuse_taken_login(self, login: str) -> None:
        """Refuse to create ``login`` when a user of any authtype already has it.

        One search on the happy path; more only to explain a conflict.

        :raises ConflictError: the login is taken, in or outside the tenant.
        """
        self._refuse_reserved(login, [])
        taken = self.find_login(login, scoped=False)
        if taken is None:
            return
        existing = str(taken.get(str(OPT_LOGIN)) or login)
        self._refuse_reserved(login, _profiles(taken), existing=existing)
        if self.find_login(login, scoped=True) is not None:
            raise ConflictError(
                f"A user with userName {login!r} already exists "
                "(GLPI compares logins without case nor accents)."
            )
        raise ConflictError(
            f"The login {login!r} already exists in GLPI outside this tenant's entities; "
            "it cannot be created again, and this tenant may not manage it."
        )

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

    def explain_refused_create(self, login: str, exc: GlpiBadRequestError) -> dict:
        """Turn GLPI's refusal of ``POST /User`` into the right SCIM answer.

        :returns: the row of a trashed in-scope user to restore.
        :raises ConflictError: the login is taken.
        :raises InvalidValueError: GLPI refused for another reason.
        """
        if self.find_login(login, scoped=True) is not None:
            raise ConflictError(
                f"A user with userName {login!r} already exists "
                "(GLPI compares logins without case nor accents)."
            ) from exc
        trashed = self.find_login(login, scoped=True, is_deleted=True)
        if trashed is not None:
            if (self._tenant.get("users") or {}).get("restore_trashed", True):
                return trashed
            raise ConflictError(
                f"A user with userName {login!r} is in GLPI's trash; restore or "
                "purge it in GLPI (users.restore_trashed is off)."
            ) from exc
        if (
            self.find_login(login, scoped=False) is not None
            or self.find_login(login, scoped=False, is_deleted=True) is not None
        ):
            raise ConflictError(
                f"The login {login!r} already exists in GLPI outside this tenant's entities; "
                "it cannot be created again, and this tenant may not manage it."
            ) from exc
        raise InvalidValueError(
            f"GLPI refused the user: {exc.message or 'no reason given'}."
        ) from exc
