"""SCIM User → GLPI ``User`` inputs: pure functions, no I/O.

The write half of :mod:`app.glpi.users.mapping`: it checks every value against what
GLPI can store before any call (:mod:`app.glpi.users.validation`) and says which
``glpi_users`` columns, e-mails, dropdown names and manager a SCIM User asks
for. :mod:`app.glpi.users.write_calls` turns that into the fewest GLPI calls.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.glpi.users.mapping import DEPARTMENT
from app.glpi.users.mapping import EMPLOYEE_NUMBER
from app.glpi.users.mapping import MANAGER
from app.glpi.users.mapping import PHONE_COLUMN_BY_TYPE
from app.glpi.users.mapping import PHONE_TYPE_BY_COLUMN
from app.glpi.users.mapping import UserMapping
from app.glpi.users.validation import check_length
from app.glpi.users.validation import check_login
from app.glpi.users.validation import glpi_language
from app.glpi.users.validation import valid_email
from app.scim.constants import ENTERPRISE_USER_SCHEMA
from app.scim.errors import InvalidValueError

log = logging.getLogger(__name__)


@dataclass
class UserWrite:
    """What a SCIM User asks GLPI to store.

    ``fields`` are ``glpi_users`` columns with their new value; the other
    members need look-ups or other itemtypes before they can be written.
    ``emails`` is None when the resource says nothing about e-mails.
    """

    fields: dict[str, Any] = field(default_factory=dict)
    emails: list[tuple[str, bool]] | None = None
    password: str | None = None
    dropdowns: dict[str, str | None] = field(default_factory=dict)
    manager_id: int | None = None
    manager_set: bool = False


def scim_to_glpi_user(resource: Mapping[str, Any], mapping: UserMapping) -> UserWrite:
    """Translate a full SCIM User (POST or PUT body, or a patched resource).

    Every value is checked against what GLPI can store before any call:
    logins (:func:`app.glpi.users.validation.check_login`), column lengths, and
    e-mail addresses (GLPI silently drops an invalid one).

    :raises InvalidValueError: on a value GLPI would refuse, cut or drop.
    """
    out = UserWrite()
    login = resource.get("userName")
    if not isinstance(login, str):
        raise InvalidValueError("userName is required and must be a string.")
    out.fields["name"] = check_login(login)
    name = resource.get("name") or {}
    for path, key in (("name.givenName", "givenName"), ("name.familyName", "familyName")):
        _set_text(out, mapping, path, name.get(key) if isinstance(name, Mapping) else None)
    _set_text(out, mapping, "externalId", resource.get("externalId"))
    if mapping.column("active") and resource.get("active") is not None:
        out.fields["is_active"] = 1 if resource["active"] else 0
    _set_text(out, mapping, "displayName", resource.get("displayName"))
    _set_dropdown(out, mapping, "title", resource.get("title"))
    _set_language(out, mapping, resource)
    _set_phones(out, resource.get("phoneNumbers"))
    _set_emails(out, resource.get("emails"))
    password = resource.get("password")
    if isinstance(password, str) and password:
        out.password = check_length("password", password)
    enterprise = resource.get(ENTERPRISE_USER_SCHEMA) or {}
    _set_text(out, mapping, EMPLOYEE_NUMBER, enterprise.get("employeeNumber"))
    _set_dropdown(out, mapping, DEPARTMENT, enterprise.get("department"))
    if mapping.column(MANAGER):
        out.manager_set = True
        out.manager_id = _manager_id(enterprise.get("manager"))
    return out


def _string_column(mapping: UserMapping, path: str, value: Any) -> str | None:
    """The GLPI column of a mapped string attribute (None when unmapped); a non-string is 400."""
    column = mapping.column(path)
    if column is not None and value is not None and not isinstance(value, str):
        raise InvalidValueError(f"{path} must be a string.")
    return column


def _set_text(out: UserWrite, mapping: UserMapping, path: str, value: Any) -> None:
    column = _string_column(mapping, path, value)
    if column is not None:
        out.fields[column] = check_length(path, value) if value else ""


def _set_dropdown(out: UserWrite, mapping: UserMapping, path: str, value: Any) -> None:
    column = _string_column(mapping, path, value)
    if column is not None:
        out.dropdowns[column] = (
            check_length(path, value.strip()) if value and value.strip() else None
        )


def _set_language(out: UserWrite, mapping: UserMapping, resource: Mapping[str, Any]) -> None:
    if not mapping.column("preferredLanguage") and not mapping.column("locale"):
        return
    wanted = resource.get("preferredLanguage") or resource.get("locale")
    if not isinstance(wanted, str) or not wanted.strip():
        out.fields["language"] = ""  # none: app.glpi.users.mapping.user_language
        return
    code = glpi_language(wanted)
    if code is None:
        log.info("language %r has no GLPI locale; left unchanged", wanted[:40])
        return
    out.fields["language"] = code


def _set_phones(out: UserWrite, phones: Any) -> None:
    values: dict[str, str] = {column: "" for column in PHONE_TYPE_BY_COLUMN}
    for phone in phones or []:
        if not isinstance(phone, Mapping) or not phone.get("value"):
            continue
        column = PHONE_COLUMN_BY_TYPE.get(str(phone.get("type") or "work").lower(), "phone2")
        if not values[column]:
            values[column] = check_length("phoneNumbers.value", str(phone["value"]))
    out.fields.update(values)


def _set_emails(out: UserWrite, emails: Any) -> None:
    found: list[tuple[str, bool]] = []
    for email in emails or []:
        if not isinstance(email, Mapping) or not email.get("value"):
            continue
        address = str(email["value"]).strip()
        if not valid_email(address):
            raise InvalidValueError(f"emails: {address!r} is not an e-mail address GLPI accepts.")
        check_length("emails.value", address)
        if address.lower() not in {a.lower() for a, _ in found}:
            found.append((address, bool(email.get("primary"))))
    if found and not any(p for _, p in found):
        found[0] = (found[0][0], True)
    out.emails = found


def _manager_id(manager: Any) -> int | None:
    """Accept ``{"value": "12"}``, a bare ``"12"`` (Entra) or ``[{"value": ...}]``."""
    if isinstance(manager, list):
        manager = manager[0] if manager else None
    if isinstance(manager, Mapping):
        manager = manager.get("value")
    if manager in (None, ""):
        return None
    text = str(manager).strip()
    if not text.isdigit():
        raise InvalidValueError(f"manager.value {text!r} is not the id of a user of this service.")
    return int(text)
