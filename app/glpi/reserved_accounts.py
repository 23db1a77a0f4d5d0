"""GLPI's own accounts, which are not IdP identities: kept out of SCIM.

A stock GLPI ships with accounts no IdP ever provisioned: ``glpi`` (the
Super-Admin), ``post-only``, ``tech`` and ``normal`` (its demo accounts) and
``glpi-system`` (the author of automatic actions). The bridge's own API
account is one more. Shown through SCIM they confuse every IdP: Okta's OIN
test reads ``GET /Users?count=1&startIndex=1`` and expects the user it gets
to carry a name and an e-mail, which ``glpi`` has not; an Okta import offers
all of them as app users to match.

So these *reserved* accounts are invisible to SCIM (docs/mapping.md,
"GLPI's own accounts"): not listed nor counted, 404 by id, matched by no
filter, and a create of one of their logins is a 409 ``uniqueness`` naming
the reserved account. They also stay protected (never modified or deleted).

They are kept out by the tenant's user criteria themselves
(:meth:`app.glpi.scope.TenantScope.user_criteria`), as one ``AND NOT`` group,
so GLPI pages and counts without them (``totalcount`` stays exact) and no
call is added to a read, a filter or a page:

* a reserved login is ``name contains ^login$``: GLPI's anchored ``LIKE``
  without wildcard is "equal under the column's collation", exactly how
  GLPI's unique key compares logins (checked on GLPI 10.0.12 and 11.0.6);
* the bridge's account is ``id equals <glpiID>`` (``getFullSession``, read
  once per cache lifetime, as for its protection);
* holders of a reserved profile are ``id equals`` their ids, read with one
  search per cache lifetime: ``AND NOT`` over option 20 is no use, GLPI
  applies it to each ``Profile_User`` row, so a user holding another profile
  too stays in (checked on both versions).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.glpi.client.encoding import like_value

#: Search options of ``User`` used here.
OPT_LOGIN = 1
OPT_ID = 2
OPT_PROFILES = 20

#: Most holders of reserved profiles kept out by id (each costs ~60 URL characters).
MAX_RESERVED_HOLDERS = 50


def hidden_criteria(logins: Iterable[str], ids: Iterable[int], version: str) -> list[dict]:
    """``AND NOT (name is l1 OR ... OR id is i1 ...)``; empty when nothing is reserved.

    :param logins: reserved logins, plain text (the configuration refuses
        ``%``, ``^``, ``$`` and edge spaces, which would make ``LIKE`` wider
        and hide more than asked).
    """
    leaves = [
        {"field": OPT_LOGIN, "searchtype": "contains", "value": like_value(login, version)}
        for login in sorted(set(logins))
    ]
    leaves += [{"field": OPT_ID, "searchtype": "equals", "value": int(i)} for i in sorted(set(ids))]
    if not leaves:
        return []
    chained = [leaves[0], *({**leaf, "link": "OR"} for leaf in leaves[1:])]
    return [{"link": "AND NOT", "criteria": chained}]


def reserved_reason(
    login: str | None,
    *,
    logins: frozenset[str],
    api_login: str | None,
    profiles: Iterable[str] = (),
    reserved_profiles: frozenset[str] = frozenset(),
) -> str | None:
    """Why ``login`` (holding ``profiles``) is a reserved GLPI account, or None.

    Logins compare case-insensitively (``casefold``), profiles by name.
    """
    folded = (login or "").casefold()
    if folded and api_login and folded == api_login.casefold():
        return f"{login!r} is the GLPI account the bridge itself uses"
    if folded and folded in logins:
        return f"{login!r} is a reserved GLPI account (listed in this tenant's reserved.logins)"
    held = sorted({str(p).casefold() for p in profiles if p} & reserved_profiles)
    if held:
        return (
            f"{login!r} holds the profile {held[0]!r}, listed in this tenant's "
            "reserved.profiles"
        )
    return None
