"""Finishing a create that GLPI cut short: which profile-less user the bridge may take over.

GLPI writes a new user in steps (``User::add``): the ``glpi_users`` row, then
its e-mails, then its profile row (``Profile_User``). A GLPI restart, a
timeout or a failed insert between the steps leaves a user with its login
and maybe its e-mail, but **no profile at all** (real GLPI 10.0.12 and
11.0.6, issue 13). Such a user is in no tenant's scope: the IdP's
``userName eq`` finds nothing, its ``POST`` gets 409 "exists outside this
tenant", for ever. GLPI 10 even answers the create itself with 201 when the
profile insert fails.

So a ``POST`` whose login belongs to such a user **finishes** that create
(columns, e-mails, then the static profile row last, so that a second cut
leaves it adoptable again) and answers 201, when every sign says the bridge
made it and nobody else ever owned it (:func:`may_finish`):

* the login equals the one asked for (GLPI's collation), the user is live;
* it holds **no** ``Profile_User`` row anywhere (GLPI's search shows every
  row only to a session that sees all entities; a narrower session never
  sees such a user at all, so nothing is taken over);
* its default entity is the tenant's entity and its authtype one the tenant
  creates users with (what ``create_input`` writes);
* its history (``GET /User/:id/Log``) holds only entries made by the
  bridge's own GLPI account, and none about a profile: a user made by a
  person, imported, or whose profiles were removed is never taken;
* its login is not protected.

Any doubt keeps the former answer (409 "exists outside this tenant").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

#: Most history entries read; an orphan of a cut create has a handful.
MAX_LOG_ENTRIES = 50

_AUTHOR_ID = re.compile(r"\((\d+)\)\s*$")
_PROFILE_LINKS = frozenset({"Profile", "Profile_User"})


def bridge_authtypes(tenant: Mapping[str, Any]) -> frozenset[int]:
    """The authtypes the bridge gives the users it creates for ``tenant``."""
    users = tenant.get("users") or {}
    return frozenset(
        {
            int(users.get("authtype_with_password", 1)),
            int(users.get("authtype_without_password", 4)),
        }
    )


def author_id(user_name: Any) -> int | None:
    """The GLPI user id of a history entry's author (``"glpi (2)"`` → 2)."""
    match = _AUTHOR_ID.search(str(user_name or ""))
    return int(match.group(1)) if match else None


def may_finish(
    item: Mapping[str, Any],
    history: Iterable[Mapping[str, Any]],
    *,
    tenant: Mapping[str, Any],
    bridge_user_id: int | None,
) -> str | None:
    """Why the profile-less user ``item`` (``GET /User/:id``) may **not** be taken over,
    or None when the bridge made it and may finish its create (see the module docstring).
    """
    entity = int((tenant.get("entity") or {}).get("id", 0))
    if int(item.get("is_deleted") or 0):
        return "it is in GLPI's trash"
    if str(item.get("entities_id")) != str(entity):
        return "its default entity is not this tenant's"
    if not str(item.get("authtype", "")).isdigit() or int(item["authtype"]) not in bridge_authtypes(
        tenant
    ):
        return "its authentication type is not one the bridge gives"
    if bridge_user_id is None:
        return "the bridge's own GLPI account is unknown"
    entries = list(history)
    if len(entries) >= MAX_LOG_ENTRIES:
        return "it has a long history in GLPI"
    for entry in entries:
        if author_id(entry.get("user_name")) != bridge_user_id:
            return "its GLPI history shows changes by another account"
        if str(entry.get("itemtype_link") or "") in _PROFILE_LINKS:
            return "it had a profile, which was removed"
    return None


def static_profile_row(user_id: int, tenant: Mapping[str, Any], profile_id: int) -> dict:
    """The ``Profile_User`` input of the static row a create gives (as ``create_input``)."""
    entity = tenant.get("entity") or {}
    return {
        "users_id": int(user_id),
        "profiles_id": int(profile_id),
        "entities_id": int(entity.get("id", 0)),
        "is_recursive": 1 if entity.get("recursive", True) else 0,
        "is_dynamic": 0,
    }
