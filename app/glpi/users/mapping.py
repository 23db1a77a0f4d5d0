"""SCIM User ↔ GLPI ``User`` mapping: pure functions, no I/O.

The bridge reads users with ``/search/User`` (e-mails in the same answer), so
a user is read as a *search row*: a dict keyed by search-option id
(``{"2": 9, "1": "jdoe", "5": ["a@x", "b@x"], ...}``). It writes them with
``POST``/``PUT /User`` inputs keyed by ``glpi_users`` column. This module is
the only place that knows both vocabularies for users; docs/mapping.md is
its prose twin and lists the choices made here.

Which SCIM attribute lands in which column is data (:class:`UserMapping`),
built from :data:`DEFAULT_USER_FIELDS` and the tenant's ``mapping.user``
overrides, so a tenant can move ``externalId`` to another column or switch
``department`` on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.glpi.users.validation import GLPI_LANGUAGES
from app.glpi.users.validation import scim_language
from app.scim.constants import ENTERPRISE_USER_SCHEMA
from app.scim.constants import USER
from app.scim.constants import USER_SCHEMA

EMPLOYEE_NUMBER = f"{ENTERPRISE_USER_SCHEMA}:employeeNumber"
DEPARTMENT = f"{ENTERPRISE_USER_SCHEMA}:department"
MANAGER = f"{ENTERPRISE_USER_SCHEMA}:manager"

#: ``glpi_users`` columns → their ``User`` search option (GLPI 10.0.12 and
#: 11.0.6 use the same ids; recorded in ``05_search_user.json``, and from
#: ``User::rawSearchOptions`` for 10, 81, 82 and 99).
OPTION_BY_COLUMN: dict[str, int] = {
    "name": 1,
    "id": 2,
    "realname": 34,
    "firstname": 9,
    "is_active": 8,
    "phone": 6,
    "phone2": 10,
    "mobile": 11,
    "registration_number": 22,
    "sync_field": 28,
    "comment": 16,
    "language": 17,
    "date_mod": 19,
    "date_creation": 121,
    "user_dn": 21,
    "usertitles_id": 81,
    "usercategories_id": 82,
    "users_id_supervisor": 99,
}
OPT_ID = 2
OPT_LOGIN = 1
OPT_EMAILS = 5
OPT_GROUPS = 13
OPT_PROFILES = 20
OPT_ENTITIES = 80
OPT_DATE_MOD = 19
OPT_DATE_CREATION = 121

#: ``glpi_users.nickname`` has no search option in GLPI 10.0.12 or 11.0.6, so a search
#: row cannot show it: :mod:`app.glpi.users.nickname_reads` adds it to the row under this key.
NICKNAME = "nickname"

#: The dropdown itemtype behind a foreign-key column.
DROPDOWN_BY_COLUMN = {"usertitles_id": "UserTitle", "usercategories_id": "UserCategory"}

#: GLPI has no phone type: three columns, chosen by the SCIM ``type``.
PHONE_COLUMN_BY_TYPE = {"work": "phone", "mobile": "mobile", "other": "phone2", "fax": "phone2"}
#: ``phone2`` reads back as ``fax``: Entra's default mapping sends its fax number as
#: ``phoneNumbers[type eq "fax"]`` and later PATCHes it through that filter.
PHONE_TYPE_BY_COLUMN = {"phone": "work", "mobile": "mobile", "phone2": "fax"}

#: Default SCIM path → ``glpi_users`` column (docs/mapping.md, issue 4).
DEFAULT_USER_FIELDS: dict[str, str | None] = {
    "userName": "name",
    "displayName": NICKNAME,
    "name.givenName": "firstname",
    "name.familyName": "realname",
    "externalId": "sync_field",
    "active": "is_active",
    "title": "usertitles_id",
    "preferredLanguage": "language",
    "locale": "language",
    EMPLOYEE_NUMBER: "registration_number",
    MANAGER: "users_id_supervisor",
    DEPARTMENT: None,
}

#: Columns a text SCIM attribute may be moved to by an override.
TEXT_COLUMNS = frozenset(
    {
        "name",
        "realname",
        "firstname",
        "registration_number",
        "sync_field",
        "comment",
        "phone",
        "phone2",
        "mobile",
        "user_dn",
    }
)

#: Attributes served whatever the mapping (see :meth:`UserMapping.attribute_support`).
_ALWAYS_SUPPORTED = {
    "id": "readOnly",
    "meta": "readOnly",
    "userName": "readWrite",
    "displayName": "readOnly",  # readWrite unless ``mapping.user.displayName: null``
    "password": "writeOnly",
    "groups": "readOnly",
    "emails": "readWrite",
    "emails.value": "readWrite",
    "emails.type": "readWrite",
    "emails.primary": "readWrite",
    "phoneNumbers": "readWrite",
    "phoneNumbers.value": "readWrite",
    "phoneNumbers.type": "readWrite",
}

_KIND_BY_COLUMN = {
    "is_active": "bool",
    "language": "language",
    "usertitles_id": "dropdown",
    "usercategories_id": "dropdown",
    "users_id_supervisor": "user",
}


@dataclass(frozen=True)
class UserMapping:
    """A tenant's User mapping: SCIM path → column, and the search columns to read."""

    fields: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, overrides: Mapping[str, Any] | None = None) -> UserMapping:
        """Apply ``mapping.user`` overrides to the defaults.

        A value of None switches an attribute off; ``department`` accepts
        ``UserCategory``/``usercategories_id`` or ``UserTitle``/``usertitles_id``.

        :raises ValueError: on an unknown attribute or an unusable column.
        """
        merged: dict[str, str | None] = dict(DEFAULT_USER_FIELDS)
        for key, value in (overrides or {}).items():
            path = _canonical_key(key)
            if path == "userName" and value != "name":
                raise ValueError("mapping.user.userName must stay 'name' (the GLPI login)")
            column = _column_for(path, value)
            merged[path] = column
        used = [c for p, c in merged.items() if c and p not in ("locale", "preferredLanguage")]
        clash = {c for c in used if used.count(c) > 1}
        if clash:
            raise ValueError(f"mapping.user maps several attributes to {sorted(clash)}")
        return cls({p: c for p, c in merged.items() if c})

    def column(self, path: str) -> str | None:
        return self.fields.get(path)

    def option(self, path: str) -> int | None:
        column = self.fields.get(path)
        return OPTION_BY_COLUMN.get(column) if column else None

    def kind(self, path: str) -> str:
        return _KIND_BY_COLUMN.get(self.fields.get(path, ""), "text")

    def attribute_support(self) -> dict[str, str]:
        """What GLPI stores, as canonical path → mutability, for discovery documents.

        Attributes missing here are accepted and ignored. ``displayName`` is
        ``readOnly`` when switched off (``mapping.user.displayName: null``):
        it is then derived on read and not stored. ``locale`` only feeds GLPI's ``language`` when
        ``preferredLanguage`` is absent (Okta sends ``locale``): ``writeOnly``,
        since one column cannot give two attributes back independently.
        """
        support = dict(_ALWAYS_SUPPORTED)
        for path in self.fields:
            support[path] = "readWrite"
            if path == MANAGER:
                support.update(
                    {
                        f"{MANAGER}.value": "readWrite",
                        f"{MANAGER}.$ref": "readWrite",
                        f"{MANAGER}.displayName": "readOnly",
                    }
                )
            elif path.startswith("name."):
                support["name"] = "readWrite"
        if "locale" in support:
            support["locale"] = "writeOnly"
        return support

    def canonical_values(self) -> dict[str, list[str]]:
        """The values of coded attributes that GLPI gives back as they were sent.

        GLPI has no e-mail type (every address reads back as ``work``), three
        phone columns (``work``, ``mobile``, and ``fax``, which ``other`` is stored as too),
        and a fixed list of languages. Advertising them as ``canonicalValues``
        tells a client which values round-trip.
        """
        values = {"emails.type": ["work"], "phoneNumbers.type": ["work", "mobile", "fax"]}
        if "preferredLanguage" in self.fields:
            values["preferredLanguage"] = sorted(scim_language(c) for c in GLPI_LANGUAGES)
        return values

    @property
    def version_options(self) -> list[int]:
        """The columns ``meta.version`` is computed from (memberships and dates excluded)."""
        skip = {OPT_GROUPS, OPT_PROFILES, OPT_ENTITIES, OPT_DATE_MOD, OPT_DATE_CREATION}
        return [o for o in self.forcedisplay if o not in skip]

    @property
    def forcedisplay(self) -> list[int]:
        """Every search column a full read needs, in a stable order."""
        wanted = {
            OPT_ID,
            OPT_LOGIN,
            OPT_EMAILS,
            OPT_GROUPS,
            OPT_PROFILES,
            OPT_ENTITIES,
            OPT_DATE_MOD,
            OPT_DATE_CREATION,
            6,
            10,
            11,
        }
        wanted.update(OPTION_BY_COLUMN[c] for c in self.fields.values() if c in OPTION_BY_COLUMN)
        return sorted(wanted)

    @property
    def reads_nickname(self) -> bool:
        """``displayName`` lives in ``nickname``: a read needs a call besides the search."""
        return self.fields.get("displayName") == NICKNAME


def _canonical_key(key: str) -> str:
    low = key.lower()
    for path in DEFAULT_USER_FIELDS:
        if path.lower() == low or path.lower().rsplit(":", 1)[-1] == low:
            return path
    raise ValueError(f"mapping.user: {key!r} is not a mappable User attribute")


def _column_for(path: str, value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if path == DEPARTMENT:
        by_type = {"usercategory": "usercategories_id", "usertitle": "usertitles_id"}
        column = by_type.get(text.lower(), text)
        if column not in DROPDOWN_BY_COLUMN:
            raise ValueError("mapping.user.department must be UserCategory or UserTitle")
        return column
    if path == "displayName" and text == NICKNAME:
        return text
    if path == "displayName" and text == "user_dn":
        raise ValueError("mapping.user.displayName: user_dn is how GLPI finds and binds LDAP users")
    if path in ("title", MANAGER, "active", "preferredLanguage", "locale"):
        if text != DEFAULT_USER_FIELDS[path]:
            raise ValueError(f"mapping.user.{path} can only be switched off (null)")
        return text
    if text not in TEXT_COLUMNS:
        raise ValueError(f"mapping.user.{path}: {text!r} is not a usable glpi_users text column")
    return text


# --------------------------------------------------------------------------- read


@dataclass(frozen=True)
class ReadContext:
    """What a read needs besides the row: decoding and looked-up names."""

    decode: Callable[[Any], Any] = lambda value: value
    groups: list[dict] | None = None
    manager: dict | None = None
    #: GLPI's ``cfg_glpi.language``: what a NULL ``language`` is (:func:`user_language`).
    default_language: str | None = None


def user_language(stored: Any, default_language: str | None) -> str | None:
    """The GLPI locale a user's ``language`` column stands for (None: no language).

    GLPI 10.0.12 and 11.0.6 store a language equal to the instance's default as
    NULL (``User::prepareInputForUpdate``), so NULL is that default: a user written
    ``en-GB`` on a GLPI whose default is ``en_GB`` reads back ``en-GB``, and so does a
    user never given a language, which GLPI shows in its default language. ``""`` is
    what the bridge writes when the IdP removes the attribute (GLPI shows it in the
    default language too, like its "Default value" choice): it reads back absent, as
    RFC 7644 §3.5.2.2 says a removed attribute does.
    """
    value = _scalar(stored)
    if value is None:
        return default_language
    return str(value) or None


def glpi_to_scim_user(
    row: Mapping[str, Any], mapping: UserMapping, ctx: ReadContext | None = None
) -> dict:
    """Build the canonical SCIM User from one ``/search/User`` row.

    ``displayName`` is the stored value (``nickname``, which
    :mod:`app.glpi.users.nickname_reads` added to the row, or the column it is mapped
    to), or derived when switched off (:func:`display_name`). E-mails come from
    search option 5, which lists addresses without GLPI's default flag: the
    first address is marked ``primary``.
    """
    ctx = ctx or ReadContext()
    dec = ctx.decode

    def col(path: str) -> Any:
        option = mapping.option(path)
        return None if option is None else _scalar(dec(row.get(str(option))))

    user_id = _scalar(row.get(str(OPT_ID)))
    login = col("userName")
    user: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": str(user_id), "userName": login}
    name = {
        k: v
        for k, v in (("givenName", col("name.givenName")), ("familyName", col("name.familyName")))
        if v
    }
    if name:
        user["name"] = name
    _put_if(user, "displayName", display_name(row, mapping, col("displayName"), name, login))
    _put_if(user, "externalId", col("externalId"))
    if mapping.option("active") is not None:
        user["active"] = _as_bool(row.get(str(mapping.option("active"))))
    _put_if(user, "title", col("title"))
    if mapping.option("preferredLanguage") is not None:
        _put_if(
            user,
            "preferredLanguage",
            scim_language(user_language(col("preferredLanguage"), ctx.default_language)),
        )
    emails = [dec(e) for e in _as_list(row.get(str(OPT_EMAILS))) if e]
    if emails:
        user["emails"] = [
            {"value": e, "type": "work", **({"primary": True} if i == 0 else {})}
            for i, e in enumerate(emails)
        ]
    phones = [
        {"value": dec(_scalar(row.get(str(OPTION_BY_COLUMN[c])))), "type": t}
        for c, t in PHONE_TYPE_BY_COLUMN.items()
        if _scalar(row.get(str(OPTION_BY_COLUMN[c])))
    ]
    if phones:
        user["phoneNumbers"] = phones
    if ctx.groups:
        user["groups"] = ctx.groups
    enterprise = {
        k: v
        for k, v in (
            ("employeeNumber", col(EMPLOYEE_NUMBER)),
            ("department", col(DEPARTMENT)),
            ("manager", ctx.manager),
        )
        if v
    }
    if enterprise:
        user["schemas"].append(ENTERPRISE_USER_SCHEMA)
        user[ENTERPRISE_USER_SCHEMA] = enterprise
    user["meta"] = make_meta(row, mapping, default_language=ctx.default_language)
    return user


def display_name(
    row: Mapping[str, Any], mapping: UserMapping, stored: Any, name: Mapping, login: Any
) -> Any:
    """The stored ``displayName`` (None when empty); derived when it is not stored.

    What was written reads back, and a removed ``displayName`` reads as absent
    (RFC 7644 §3.5.2.2). Only with ``mapping.user.displayName: null`` is it
    derived: ``given family``, else the login.

    :param stored: the value of the column ``displayName`` is mapped to, when
        it has a search option (``nickname`` has none: it is read from the row's
        :data:`NICKNAME` key, which :mod:`app.glpi.users.nickname_reads` fills).
    """
    if mapping.reads_nickname:
        return _scalar(row.get(NICKNAME)) or None
    if mapping.column("displayName"):
        return stored or None
    derived = " ".join(v for v in (name.get("givenName"), name.get("familyName")) if v)
    return derived or login


def make_meta(
    row: Mapping[str, Any],
    mapping: UserMapping,
    resource_type: str = USER,
    *,
    default_language: str | None = None,
) -> dict:
    """``meta`` from GLPI's ``date_creation``/``date_mod`` (read as UTC) and the row's content."""
    modified = row.get(str(OPT_DATE_MOD))
    created_iso = glpi_datetime(row.get(str(OPT_DATE_CREATION))) or glpi_datetime(modified)
    modified_iso = glpi_datetime(modified) or created_iso
    meta: dict[str, Any] = {"resourceType": resource_type}
    if created_iso:
        meta["created"] = created_iso
    if modified_iso:
        meta["lastModified"] = modified_iso
    meta["version"] = make_version(row, mapping, default_language=default_language)
    return meta


def make_version(
    row: Mapping[str, Any], mapping: UserMapping, *, default_language: str | None = None
) -> str:
    """Weak ETag of the user's SCIM representation: a digest of the mapped columns.

    GLPI keeps no revision counter, and ``date_mod`` has a one-second
    resolution and is set by GLPI's clock, which the bridge does not see
    after a write (a write is answered without reading the user back, to
    keep PATCH within its budget in the call-count table of docs/mapping.md).
    A digest of the values the representation is built from is the same
    whether it is computed from GLPI's row or from the row the bridge just
    wrote, and changes whenever a mapped value changes, in SCIM or directly in
    GLPI. RFC 7232 §2.1: a weak validator
    only promises semantically equivalent representations, which is what
    the columns outside the mapping (and memberships, read separately) leave.
    ``language`` is digested as the locale it stands for (:func:`user_language`):
    GLPI stores ``en_GB`` written on an ``en_GB`` instance as NULL.
    """
    parts = []
    for option in mapping.version_options:
        value = row.get(str(option))
        if option == OPTION_BY_COLUMN["language"]:
            value = user_language(value, default_language)
        values = value if isinstance(value, list) else [value]
        parts.append("\x1f".join("" if v in (None, "") else str(v) for v in values))
    if mapping.reads_nickname:
        parts.append(str(_scalar(row.get(NICKNAME)) or ""))
    digest = hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]
    return f'W/"{digest}"'


def glpi_datetime(value: Any) -> str | None:
    """``2026-11-28 20:50:29`` → ``2026-11-28T20:50:29Z``."""
    text = _scalar(value)
    if not text:
        return None
    text = str(text).strip().replace(" ", "T", 1)
    return text if text.endswith("Z") or "+" in text[10:] else text + "Z"


def _put_if(target: dict, key: str, value: Any) -> None:
    if value not in (None, ""):
        target[key] = value


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _as_bool(value: Any) -> bool:
    value = _scalar(value)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)
