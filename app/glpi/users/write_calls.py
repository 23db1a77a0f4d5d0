"""The write half of SCIM Users over GLPI: inputs, diffs, e-mails, dropdowns.

Everything here turns a :class:`~app.glpi.users.scim_to_glpi.UserWrite` into the fewest
GLPI calls: a create carries its e-mails (``_useremails``) and the static
profile row (``_profiles_id``) in the ``POST /User`` itself; an update
writes only the columns whose value changes, and touches ``UserEmail`` rows
only when the set of addresses or the default one changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.glpi.cache import BackendCaches
from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import is_duplicate_entry
from app.glpi.users.mapping import DROPDOWN_BY_COLUMN
from app.glpi.users.mapping import NICKNAME
from app.glpi.users.mapping import OPT_EMAILS
from app.glpi.users.mapping import OPTION_BY_COLUMN
from app.glpi.users.mapping import user_language
from app.glpi.users.scim_to_glpi import UserWrite
from app.scim.errors import InvalidValueError


def create_input(
    write: UserWrite, tenant: Mapping[str, Any], profile_id: int, dropdown_ids: Mapping[str, int]
) -> dict:
    """The ``POST /User`` input of a new user.

    ``_profiles_id``/``_entities_id``/``_is_recursive`` make GLPI add that
    profile as a **static** row (``is_dynamic=0``): the automatic default
    profile is dynamic, and dynamic rows are wiped by rules at SSO login
    (glpi #21077). ``password2`` always goes with ``password``: without it
    GLPI 10.0.12 and 11.0.6 store the password in clear text.
    """
    entity = tenant.get("entity") or {}
    data = {k: v for k, v in write.fields.items() if v not in ("", None)}
    data.update(
        {column: dropdown_ids[column] for column in write.dropdowns if column in dropdown_ids}
    )
    if write.manager_id:
        data["users_id_supervisor"] = write.manager_id
    if write.password:
        data["password"] = data["password2"] = write.password
    data["authtype"] = authtype_for(write, tenant)
    data.update(
        {
            "entities_id": int(entity.get("id", 0)),
            "_profiles_id": int(profile_id),
            "_entities_id": int(entity.get("id", 0)),
            "_is_recursive": 1 if entity.get("recursive", True) else 0,
        }
    )
    if write.emails:
        keys = {address: f"-{i + 1}" for i, (address, _) in enumerate(primary_first(write.emails))}
        data["_useremails"] = {key: address for address, key in keys.items()}
        data["_default_email"] = keys[next(a for a, p in write.emails if p)]
    return data


def authtype_for(write: UserWrite, tenant: Mapping[str, Any]) -> int:
    """The authtype a create gives: ``users.authtype_with_password`` (1, local) when a
    password is sent, else ``users.authtype_without_password`` (4, external)."""
    users = tenant.get("users") or {}
    if write.password:
        return int(users.get("authtype_with_password", 1))
    return int(users.get("authtype_without_password", 4))


def primary_first(emails: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """GLPI lists a user's addresses by row id: create the primary one first."""
    return sorted(emails, key=lambda item: not item[1])


def current_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a search row shows, keyed by column name (dropdowns by their name)."""
    out: dict[str, Any] = {}
    for column, option in OPTION_BY_COLUMN.items():
        value = row.get(str(option))
        if isinstance(value, list):
            value = value[0] if value else None
        out[column] = value
    return out


def stored_language(stored: Any, wanted: str | None) -> Any:
    """The ``language`` GLPI holds after an update writes ``wanted`` (``""``/None: none).

    GLPI compares with PHP's ``!=`` (``CommonDBTM::update``): ``""`` does not
    replace NULL, so a user on GLPI's default language (NULL) keeps it when the
    IdP removes the attribute.
    """
    if not wanted and stored in (None, ""):
        return stored
    return wanted or ""


def language_changes(stored: Any, wanted: str | None, default_language: str | None) -> bool:
    """Whether writing ``wanted`` changes the language a user reads back as.

    ``en_GB`` written over NULL on an ``en_GB`` instance is no change: GLPI would
    store NULL again (:func:`app.glpi.users.mapping.user_language`).
    """
    if isinstance(stored, list):
        stored = stored[0] if stored else None
    after = stored_language(stored, wanted)
    return user_language(after, default_language) != user_language(stored, default_language)


def changed_fields(
    write: UserWrite,
    row: Mapping[str, Any],
    *,
    write_nickname: bool,
    default_language: str | None = None,
) -> dict:
    """The plain columns of ``write`` whose value differs from the search row.

    ``nickname`` is written only when the caller says ``displayName`` was
    given or changed (``write_nickname``: a read ``displayName`` may be
    derived, and must not be frozen into GLPI by a PATCH of another
    attribute), and then only when it differs from the row's value, if
    :mod:`app.glpi.users.nickname_reads` read it. ``language`` is compared as the locale
    it stands for, NULL being ``default_language`` (:func:`language_changes`).
    """
    current = current_columns(row)
    changes: dict[str, Any] = {}
    for column, value in write.fields.items():
        if column == NICKNAME:
            unchanged = NICKNAME in row and (row[NICKNAME] or "") == (value or "")
            if write_nickname and not unchanged:
                changes[column] = value
            continue
        old = current.get(column)
        if column == "language":
            if language_changes(old, value, default_language):
                changes[column] = value or ""
            continue
        if column == "is_active":
            if int(str(old).strip() in ("1", "True", "true")) != int(value):
                changes[column] = int(value)
            continue
        if (old or "") != (value or ""):
            changes[column] = value
    return changes


def changed_dropdowns(write: UserWrite, row: Mapping[str, Any]) -> dict[str, str | None]:
    """Dropdown columns whose name differs (case-insensitively) from the search row."""
    current = current_columns(row)
    out: dict[str, str | None] = {}
    for column, name in write.dropdowns.items():
        old = current.get(column) or None
        if (old or "").casefold() != (name or "").casefold():
            out[column] = name
    return out


def current_emails(row: Mapping[str, Any]) -> list[str]:
    value = row.get(str(OPT_EMAILS))
    if value is None:
        return []
    return [v for v in (value if isinstance(value, list) else [value]) if v]


def emails_differ(wanted: list[tuple[str, bool]], row: Mapping[str, Any]) -> bool:
    """True when the addresses, or which one is primary, differ from what was read."""
    current = current_emails(row)
    if {a.casefold() for a, _ in wanted} != {a.casefold() for a in current}:
        return True
    primary = next((a for a, p in wanted if p), None)
    return bool(primary and current and current[0].casefold() != primary.casefold())


class DropdownResolver:
    """``UserTitle``/``UserCategory`` ids by name, created on the fly (issue 4: title).

    Names are compared case-insensitively, as GLPI's collation does. A cached
    id is verified when it is used (``GET /<Dropdown>/<id>``, still named the
    same): GLPI stores any id it is given, so a stale one would leave a
    dangling title. A stale hit is evicted and looked up again; nothing "does
    not exist" is ever cached. Creating the same title twice at once can
    make two entries (GLPI has no unique key on dropdown names); both work.
    """

    def __init__(self, client: Any, caches: BackendCaches):
        self._client = client
        self._caches = caches

    def resolve(self, column: str, name: str | None) -> int:
        """Return the id to store in ``column`` (0 clears it)."""
        if not name:
            return 0
        itemtype = DROPDOWN_BY_COLUMN[column]
        key = ("dropdown", itemtype, name.casefold())
        cached = self._caches.ids_by_name.get(key)
        if cached is not None and self._still_named(itemtype, int(cached), name):
            return int(cached)
        self._caches.ids_by_name.evict(key)
        found = self._find_or_create(itemtype, name)
        self._caches.ids_by_name.put(key, found)
        return found

    def _still_named(self, itemtype: str, item_id: int, name: str) -> bool:
        try:
            row = self._client.get_item(itemtype, item_id)
        except GlpiNotFoundError:
            return False
        return str(row.get("name") or "").casefold() == name.casefold()

    def _find_or_create(self, itemtype: str, name: str) -> int:
        found = find_by_name(self._client, itemtype, name)
        if found is not None:
            return found
        return int(self._client.add(itemtype, {"name": name}))


def find_by_name(client: Any, itemtype: str, name: str) -> int | None:
    """Id of the ``itemtype`` row named exactly ``name`` (case-insensitive), or None."""
    from app.glpi.client.encoding import like_value

    value = like_value(name, client.version)
    criteria = [{"field": 1, "searchtype": "contains", "value": value or "^"}]
    _, rows = client.search(itemtype, criteria, forcedisplay=[1, 2], range=(0, 49))
    for row in rows:
        if str(row.get("1") or "").casefold() == name.casefold():
            return int(row["2"])
    return None


def sync_emails(client: Any, user_id: int, wanted: list[tuple[str, bool]]) -> None:
    """Make the user's ``UserEmail`` rows hold exactly ``wanted``, the primary one first.

    Reads the rows (one call), then deletes, adds and switches the default
    with ``/UserEmail`` calls. GLPI's search lists a user's addresses by row
    id without the default flag, and the bridge reads the first one as
    ``primary``: so the primary address must have the lowest row id. When it
    does not, the addresses before it are deleted and added again after it
    (array calls, whatever their number). A ``PUT`` always carries
    ``email``: GLPI refuses ``{"is_default": 1}`` alone (``ERROR_GLPI_UPDATE ""``).

    New addresses are added **before** stale rows are deleted: if GLPI fails
    between the two, the user keeps an address, so the IdP's retry (Entra:
    ``replace emails[type eq "work"].value``) still finds its target and
    converges, instead of failing with ``noTarget`` on a user left without
    e-mail (docs/resilience.md).
    """
    rows = sorted(client.get_subitems("User", user_id, "UserEmail"), key=lambda r: int(r["id"]))
    by_address = {str(r.get("email") or "").casefold(): r for r in rows}
    ordered = primary_first(wanted)
    primary = ordered[0][0] if ordered else None
    primary_row = by_address.get(primary.casefold()) if primary else None
    kept = [
        r for r in rows if str(r.get("email") or "").casefold() in {a.casefold() for a, _ in wanted}
    ]
    before = [r for r in kept if primary_row is None or int(r["id"]) < int(primary_row["id"])]
    moved = {str(r["email"]).casefold() for r in before}
    stale = [int(r["id"]) for r in rows if r not in kept or r in before]
    new = [
        {"users_id": user_id, "email": a, "is_default": int(a == primary)}
        for a, _ in ordered
        if a.casefold() not in by_address or a.casefold() in moved
    ]
    fresh = [r for r in new if r["email"].casefold() not in moved]
    if fresh:
        _add_emails(client, fresh)
    if stale:
        client.delete("UserEmail", stale if len(stale) > 1 else stale[0])
    if len(fresh) < len(new):
        _add_emails(client, [r for r in new if r["email"].casefold() in moved])
    if primary_row is not None and (stale or not int(primary_row.get("is_default") or 0)):
        client.update(
            "UserEmail", int(primary_row["id"]), {"email": primary_row["email"], "is_default": 1}
        )


def _add_emails(client: Any, rows: list[dict]) -> None:
    """``POST /UserEmail`` (an array when several); a duplicate address counts as added.

    :raises InvalidValueError: naming the addresses GLPI refused.
    """
    try:
        client.add("UserEmail", rows if len(rows) > 1 else rows[0])
    except GlpiPartialError as exc:
        refused = [r.message for r in exc.failed if not is_duplicate_entry(r.message)]
        if refused:
            raise InvalidValueError(f"GLPI refused an e-mail address: {refused[0]}") from exc
    except GlpiBadRequestError as exc:
        if not exc.is_duplicate:
            raise InvalidValueError(f"GLPI refused an e-mail address: {exc.message}") from exc
