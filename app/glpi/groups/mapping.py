"""SCIM Group ↔ GLPI ``Group`` mapping: pure functions, no I/O.

``displayName`` is the group's ``name`` (not ``completename``: a subgroup
made by hand in GLPI reads ``Parent > Child`` there). ``externalId`` lives in
one text column of ``glpi_groups`` chosen per tenant (:func:`external_id_field`).
``members`` are the group's static ``Group_User`` rows; they are not part of
this module's output unless the caller passes them in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from app.scim.constants import GROUP
from app.scim.constants import GROUP_SCHEMA
from app.scim.errors import InvalidValueError

#: GLPI columns that can carry a SCIM ``externalId``, with their Group
#: search option. ``code`` exists on GLPI 11 only.
EXTERNAL_ID_SEARCH_OPTIONS = {"code": 74, "ldap_group_dn": 5, "ldap_value": 4, "comment": 16}

#: Columns whose search option GLPI declares only while an LDAP directory is
#: configured (``AuthLDAP::useAuthLdap()``, GLPI 10 and 11): groups of a tenant
#: keeping ``externalId`` there are read with ``GET /Group`` (:mod:`app.glpi.groups.item_reads`).
LDAP_ONLY_COLUMNS = frozenset({"ldap_group_dn", "ldap_value"})

#: Group search options the bridge reads (``listSearchOptions/Group``).
GROUP_OPTION_ID = 2
GROUP_OPTION_NAME = 14
GROUP_OPTION_ENTITY = 80
GROUP_OPTION_DATE_MOD = 19
GROUP_OPTION_DATE_CREATION = 121

#: GLPI's ``glpi_groups.name`` is a varchar(255).
NAME_MAX_LENGTH = 255


def external_id_field(version: str, overrides: Mapping[str, Any]) -> str | None:
    """Return the ``glpi_groups`` column holding ``externalId`` (None: not stored).

    The tenant's ``mapping.group.externalId`` wins. Otherwise GLPI 11 uses
    ``code`` ("Group code", searchable, made for this) and GLPI 10, which has
    no ``code``, uses ``ldap_group_dn``: searchable and unused unless GLPI
    imports groups from LDAP (see docs/groups.md for the trade-off).

    :raises ValueError: when the override names a column we cannot use.
    """
    if "externalId" in overrides:
        chosen = overrides["externalId"]
        if chosen is None:
            return None
        if chosen not in EXTERNAL_ID_SEARCH_OPTIONS or (chosen == "code" and version == "10"):
            raise ValueError(f"mapping.group.externalId cannot be {chosen!r} on GLPI {version}")
        return str(chosen)
    return "code" if version == "11" else "ldap_group_dn"


def glpi_datetime_to_scim(value: str | None) -> str | None:
    """``2026-11-28 19:46:25`` (GLPI, server time) → ``2026-11-28T19:46:25Z``."""
    if not value:
        return None
    return value.replace(" ", "T", 1) + ("" if value.endswith("Z") else "Z")


def version_of(group_id: int, date_mod: str | None, *values: Any) -> str:
    """A weak ETag for the group row (RFC 7644 §3.14).

    It digests ``date_mod`` and the mapped values (``name``, the externalId
    column): ``date_mod`` has one-second steps, so two renames within a second
    still give two versions. Memberships live in other rows and do not change it.
    """
    text = "\x1f".join(
        [str(group_id), date_mod or "", *("" if v is None else str(v) for v in values)]
    )
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:16]}"'


def glpi_to_scim_group(
    row: Mapping[str, Any], *, external_id_column: str | None, members: Iterable[dict] | None = None
) -> dict:
    """Map a ``glpi_groups`` row (GET item, or a normalised search row) to a SCIM Group.

    The client already decoded GLPI 10's HTML-entity storage
    (:func:`app.glpi.client.encoding.decode_tree`), so values are used as they are.

    :param members: SCIM member dicts to include, or None to leave ``members``
        out (the client excluded it, or it was not loaded).
    """
    group_id = int(row["id"])
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group_id),
        "displayName": row.get("name") or "",
        "meta": {
            "resourceType": GROUP,
            "created": glpi_datetime_to_scim(row.get("date_creation")),
            "lastModified": glpi_datetime_to_scim(row.get("date_mod")),
            "version": version_of(
                group_id,
                row.get("date_mod"),
                row.get("name"),
                row.get(external_id_column) if external_id_column else None,
            ),
        },
    }
    if external_id_column and row.get(external_id_column):
        resource["externalId"] = row[external_id_column]
    if members is not None:
        resource["members"] = list(members)
    return resource


def scim_to_glpi_group(resource: Mapping[str, Any], *, external_id_column: str | None) -> dict:
    """Map the writable attributes of a SCIM Group to ``glpi_groups`` input fields.

    Only keys present in ``resource`` are mapped, so the result can be used
    for a create (with :func:`creation_fields`) or for a partial update.
    ``members`` is not a column: memberships are written as ``Group_User`` rows.

    :raises InvalidValueError: on an empty or too long ``displayName``.
    """
    fields: dict[str, Any] = {}
    if "displayName" in resource:
        fields["name"] = check_display_name(resource["displayName"])
    if external_id_column and "externalId" in resource:
        external_id = resource["externalId"]
        if external_id is not None and not isinstance(external_id, str):
            raise InvalidValueError("externalId must be a string.")
        if external_id and len(external_id) > NAME_MAX_LENGTH:
            raise InvalidValueError(
                f"externalId is longer than GLPI's {NAME_MAX_LENGTH} characters."
            )
        fields[external_id_column] = external_id or ""
    return fields


def check_display_name(value: Any) -> str:
    """Return a valid ``displayName`` (GLPI trims names; we refuse blank ones).

    GLPI 10 cuts a long name to 255 characters and GLPI 11 answers with SQL
    text, so the length is checked here, before any GLPI call.

    :raises InvalidValueError: when it is not a non-blank string of at most 255 characters.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError("displayName is required and must be a non-empty string.")
    name = value.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidValueError(f"displayName is longer than GLPI's {NAME_MAX_LENGTH} characters.")
    return name


def creation_fields(entity_id: int, groups_config: Mapping[str, Any]) -> dict:
    """The fields every group created through SCIM gets: the tenant's entity, and
    ``is_recursive`` and the flags (``is_usergroup``, ``is_requester``...) from config."""
    fields = {
        "entities_id": entity_id,
        "is_recursive": int(bool(groups_config.get("is_recursive"))),
    }
    fields.update({name: int(flag) for name, flag in groups_config.get("flags", {}).items()})
    return fields


def search_columns(external_id_column: str | None) -> list[int]:
    """The ``forcedisplay`` columns of a group search."""
    columns = [
        GROUP_OPTION_ID,
        GROUP_OPTION_NAME,
        GROUP_OPTION_DATE_MOD,
        GROUP_OPTION_DATE_CREATION,
    ]
    if external_id_column and external_id_column not in LDAP_ONLY_COLUMNS:
        columns.append(EXTERNAL_ID_SEARCH_OPTIONS[external_id_column])
    return columns


def row_from_search(data: Mapping[str, Any], external_id_column: str | None) -> dict:
    """Turn a ``/search/Group`` data row (keyed by option id) into a named row."""
    row = {
        "id": data.get(str(GROUP_OPTION_ID)),
        "name": data.get(str(GROUP_OPTION_NAME)),
        "date_mod": data.get(str(GROUP_OPTION_DATE_MOD)),
        "date_creation": data.get(str(GROUP_OPTION_DATE_CREATION)),
    }
    if external_id_column and external_id_column not in LDAP_ONLY_COLUMNS:
        row[external_id_column] = data.get(str(EXTERNAL_ID_SEARCH_OPTIONS[external_id_column]))
    return row


def member_of(user_id: int, display: str | None = None) -> dict:
    """A SCIM ``members`` element for a GLPI user."""
    member: dict[str, Any] = {"value": str(user_id), "type": "User"}
    if display is not None:
        member["display"] = display
    return member
