"""GLPI's item rules (``prepareInputForAdd``/``Update``, ``post_*``) for the simulated itemtypes.

Each function works on one input object and returns ``(id_or_False, message)``
for adds, ``(ok, message)`` for updates and deletes; ``ok`` is ``None`` when the
item does not exist (GLPI then leaves it out of the result list).
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from app.simulator import history
from app.simulator import schema
from app.simulator.state import Session
from app.simulator.state import Simulator
from app.simulator.state import hash_password
from app.simulator.state import now_text

NO_RIGHT = "You don't have permission to perform this action."
BAD_LOGIN_ADD = "The login is not valid. Unable to add the user."
BAD_LOGIN_UPDATE = "The login is not valid. Unable to update login."
DUP_LOGIN_ADD = "Unable to add. The user already exists."
DUP_LOGIN_UPDATE = "Unable to update login. A user already exists."
PW_MISMATCH = "Error: the two passwords do not match"
#: GLPI 11 ``PasswordHistory::validatePassword``: the password the user already holds
#: (and, when ``non_reusable_passwords_count`` > 1, earlier ones; the default checks
#: only the current one) refuses the whole update, a restore from the trash included.
PW_RECENT = "Password was used too recently."
#: GLPI's password security policy checks, in GLPI's order (``Config::validatePassword`` on
#: 10, ``User::validatePassword`` on 11): (policy key, failing test, message).
PW_POLICY = (
    ("min_length", lambda pw, n: len(pw) < int(n), "Password too short!"),
    ("need_number", lambda pw, on: on and not re.search(r"[0-9]", pw),
     "Password must include at least a digit!"),
    ("need_letter", lambda pw, on: on and not re.search(r"[a-z]", pw),
     "Password must include at least a lowercase letter!"),
    ("need_caps", lambda pw, on: on and not re.search(r"[A-Z]", pw),
     "Password must include at least a uppercase letter!"),
    ("need_symbol", lambda pw, on: on and not re.search(r"\W", pw),
     "Password must include at least a symbol!"),
)


def password_errors(sim: Simulator, password: str) -> list[str]:
    """The policy's complaints about ``password`` (none when the policy is off)."""
    policy = sim.password_policy or {}
    return [
        message
        for key, fails, message in PW_POLICY
        if key in policy and fails(password, policy[key])
    ]

_LOGIN_RE = re.compile(r"^[\w'@.\- ]+$", re.UNICODE)
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*"
    r"[A-Za-z0-9])?)+$"
)
_INT_FIELDS = {
    "is_active",
    "is_deleted",
    "is_recursive",
    "is_dynamic",
    "is_default",
    "is_manager",
    "is_userdelegate",
    "is_default_profile",
    "entities_id",
    "profiles_id",
    "users_id",
    "groups_id",
    "authtype",
    "auths_id",
    "usertitles_id",
    "usercategories_id",
    "users_id_supervisor",
    "locations_id",
    "is_requester",
    "is_watcher",
    "is_assign",
    "is_task",
    "is_notify",
    "is_itemgroup",
    "is_usergroup",
}


class SqlTooLong(Exception):
    """GLPI 11 refuses a value longer than its column (MySQL strict mode)."""


def valid_login(name: str) -> bool:
    """``Auth::isValidLogin``: unicode letters/digits plus ``' @ . - _`` and space, or an e-mail."""
    return bool(name) and (bool(_LOGIN_RE.match(name)) or valid_email(name))


def valid_email(address: Any) -> bool:
    """PHP-filter-like e-mail validation."""
    return isinstance(address, str) and len(address) <= 254 and bool(_EMAIL_RE.match(address))


def coerce(key: str, value: Any) -> Any:
    """Inputs as MySQL stores them: booleans and digit strings become ints in int columns."""
    if key in _INT_FIELDS:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    return value


_INSERT_TAIL = (
    "entities_id",
    "authtype",
    "auths_id",
    "is_active",
    "is_deleted",
    "profiles_id",
    "date_creation",
    "date_mod",
)


def _sql_text(table: str, row: dict, data: dict, op: str) -> str:
    """The statement GLPI 11 quotes in its SQL error (``INSERT`` column list as GLPI builds it)."""
    if op != "add":
        return f"UPDATE `{table}` SET ..."
    columns = [key for key in data if key in row and not key.startswith("_") and key != "id"]
    columns += [key for key in _INSERT_TAIL if key in row and key not in columns]
    values = ", ".join("'" + str(data.get(key, row.get(key))) + "'" for key in columns)
    return f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in columns)}) VALUES ({values})"


def store_fields(sim: Simulator, itemtype: str, row: dict, data: dict, op: str) -> None:
    """Copy known columns of ``data`` into ``row`` with this version's length and encoding rules."""
    table = schema.TABLES[itemtype]
    for key, value in data.items():
        if key.startswith("_") or key == "id" or key not in row or key in schema.USER_HIDDEN:
            continue
        value = coerce(key, value)
        if isinstance(value, str) and key in schema.TEXT_FIELDS.get(itemtype, ()) + ("email",):
            if len(value) > 255 and key != "comment":
                if sim.version == "11":
                    raise SqlTooLong(
                        f"MySQL query error: Data too long for column '{key}' at row 1 (1406) "
                        f'in SQL query "{_sql_text(table, row, data, op)}".'
                    )
                value = value[:255]
            value = sim.encode(value)
        row[key] = value


def friendly_message(sim: Simulator, itemtype: str, row: dict) -> str:
    """``Item successfully added: <name>`` as each version words it."""
    if itemtype == "User":
        name = row.get("name")
        if row.get("realname"):
            name = f"{row['realname']} {row.get('firstname') or ''}".rstrip(" ")
    elif itemtype in ("UserEmail", "Group_User", "Profile_User"):
        return ""
    else:
        name = row.get("name") or f"{itemtype} - ID {row['id']}"
    name = name or ""
    if sim.version == "11":
        return "Item successfully added: " + html.escape(name, quote=True).replace(
            "&#x27;", "&#039;"
        )
    return "Item successfully added: " + name.replace("\\", "")


def duplicate_message(sim: Simulator, verb: str, table: str, key: str, sql: str) -> str:
    """Unique-key violation text: short on 10, the full SQL error on 11."""
    if sim.version == "11":
        return (
            f"MySQL query error: Duplicate entry '{key}' for key 'unicity' (1062) in SQL query "
            f'"{verb} `{table}` {sql}".'
        )
    return f"Duplicate entry '{key}' for key 'unicity'"


# -- User -------------------------------------------------------------------------------------


def login_taken(sim: Simulator, name: str, data: dict) -> bool:
    """GLPI's unique key on add: ``(name, authtype, auths_id)``, trashed users included.

    The same login may exist with another authtype (glpi-api.md §3.2:
    ``UNIQUE KEY unicityloginauth``); ``authtype`` defaults to 1 and
    ``auths_id`` to 0 in ``prepareInputForAdd``. Renames check the name alone.
    """
    if sim.find_user_id(name) is None:
        return False
    wanted = sim.encode(name).casefold()
    key = (_int(data.get("authtype"), 1), _int(data.get("auths_id"), 0))
    return any(
        (row.get("name") or "").casefold() == wanted
        and (_int(row.get("authtype"), 1), _int(row.get("auths_id"), 0)) == key
        for row in sim.tables["User"].values()
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def add_user(sim: Simulator, session: Session, data: dict) -> tuple[Any, str]:
    """Add a user: login rules, duplicates, passwords, default profile, ``_useremails``."""
    name = data.get("name")
    if not isinstance(name, str) or not valid_login(name):
        return False, BAD_LOGIN_ADD
    if login_taken(sim, name[:255], data):
        return False, DUP_LOGIN_ADD
    password = data.get("password")
    if "password2" in data and password != data.get("password2"):
        return False, PW_MISMATCH
    stamp = now_text()
    row = schema.user_defaults(sim.version)
    row.update({"date_mod": stamp, "date_creation": stamp, "entities_id": session.entity_id})
    try:
        store_fields(sim, "User", row, data, "add")
    except SqlTooLong as exc:
        return False, str(exc)
    if password:
        if "password2" not in data:
            row["password"] = password
        elif not password_errors(sim, str(password)):
            row["password"] = hash_password(str(password))
            row["password_last_update"] = stamp
        # A password the policy refuses is dropped and the user is added without one:
        # GLPI's add goes on, and its last message is the usual "Item successfully added".
    if row.get("user_dn"):
        row["user_dn_hash"] = hashlib.md5(str(row["user_dn"]).encode()).hexdigest()
    row["id"] = None
    uid = sim.insert("User", row)
    _add_profile_on_create(sim, session, uid, data)
    _set_emails(sim, uid, data.get("_useremails"), data.get("_default_email"), creating=True)
    history.created(sim, session, uid)
    return uid, friendly_message(sim, "User", row)


def _add_profile_on_create(sim: Simulator, session: Session, uid: int, data: dict) -> None:
    entity = coerce("entities_id", data.get("_entities_id", session.entity_id))
    recursive = int(bool(coerce("is_recursive", data.get("_is_recursive", 0))))
    wanted = coerce("profiles_id", data.get("_profiles_id"))
    if wanted not in (None, 0, "", "0") and wanted in sim.tables["Profile"]:
        sim.insert(
            "Profile_User",
            {
                **schema.DEFAULTS["Profile_User"],
                "id": None,
                "users_id": uid,
                "profiles_id": wanted,
                "entities_id": entity,
                "is_recursive": recursive,
            },
        )
        return
    # No profile asked, or one that does not exist (its Profile_User add fails): GLPI
    # then gives the default profile, dynamic, on the asked entity.
    default = next((pid for pid, row in sim.tables["Profile"].items() if row["is_default"]), None)
    if default is not None:
        sim.insert(
            "Profile_User",
            {
                **schema.DEFAULTS["Profile_User"],
                "id": None,
                "users_id": uid,
                "profiles_id": default,
                "entities_id": entity,
                "is_recursive": 0,
                "is_dynamic": 1,
                "is_default_profile": 1,
            },
        )


def _set_emails(sim: Simulator, uid: int, emails: Any, default_key: Any, creating: bool) -> None:
    """``User::updateUserEmails``: add new keys, change or delete (``""``) existing ids.

    When a row changed, GLPI then updates the user's ``date_mod`` to the request's time
    (``glpi_currenttime``), on a create too, whatever ``date_mod`` the input gave.
    """
    if isinstance(emails, list):
        emails = {str(index): value for index, value in enumerate(emails)}
    if not isinstance(emails, dict):
        return
    before = [dict(r) for r in sim.children("UserEmail", uid)]
    _write_emails(sim, uid, emails, default_key, creating)
    if [dict(r) for r in sim.children("UserEmail", uid)] != before:
        sim.tables["User"][uid]["date_mod"] = now_text()


def _write_emails(sim: Simulator, uid: int, emails: dict, default_key: Any, creating: bool) -> None:
    for key, address in emails.items():
        is_default = default_key is not None and str(default_key) == str(key)
        existing = sim.tables["UserEmail"].get(int(key)) if str(key).isdigit() else None
        if not creating and existing is not None and existing["users_id"] == uid:
            if address == "" or address is None:
                delete_useremail(sim, existing["id"])
            elif valid_email(address):
                existing["email"] = sim.encode(address)
                existing["is_default"] = int(is_default)
                if is_default:
                    _reset_defaults(sim, uid, existing["id"])
            continue
        if valid_email(address):
            add_useremail_row(sim, uid, address, int(is_default))


def update_user(sim: Simulator, session: Session, uid: int, data: dict) -> tuple[Any, str]:
    """Update a user; refused renames keep the old login and explain in the message."""
    row = sim.tables["User"].get(uid)
    if row is None:
        return None, ""
    message = ""
    before = dict(row)
    changes = dict(data)
    if "name" in changes:
        new = changes.pop("name")
        other = sim.find_user_id(new) if isinstance(new, str) else None
        if not isinstance(new, str) or not valid_login(new):
            message = BAD_LOGIN_UPDATE
        elif other is not None and other != uid:
            message = DUP_LOGIN_UPDATE
        else:
            changes["name"] = new
    if "password" in changes:
        password = changes.pop("password")
        if "password2" in changes and password:
            if password != changes.get("password2"):
                return False, PW_MISMATCH
            refused = _refused_password(sim, row, str(password))
            if refused and sim.version == "11":
                return False, refused[-1]
            if not refused:
                row["password"] = hash_password(str(password))
                row["password_last_update"] = now_text()
            elif refused[-1] != PW_RECENT:
                # 10 drops a refused password and updates the rest; the API's answer
                # carries the policy's last message. The held password is dropped silently.
                message = message or refused[-1]
    if "language" in changes:
        changes["language"] = stored_language(sim, row.get("language"), changes["language"])
    # User::prepareInputForUpdate: "blank password when authtype changes" (off local)
    blank = "authtype" in changes and _int(changes["authtype"], 1) not in (
        1, _int(row.get("authtype"), 1))
    for key, column in (("entities_id", "entities_id"), ("profiles_id", "profiles_id")):
        if key in changes and not any(
            str(pu[column]) == str(changes[key]) for pu in sim.user_profiles(uid)
        ):
            changes.pop(key)
    try:
        sim.change_row(
            "User", row, lambda target: store_fields(sim, "User", target, changes, "update")
        )
    except SqlTooLong as exc:
        return False, str(exc)
    if blank:
        row["password"] = ""
    if row.get("user_dn"):
        row["user_dn_hash"] = hashlib.md5(str(row["user_dn"]).encode()).hexdigest()
    if row != before:  # CommonDBTM::update stamps date_mod only when a field changed
        row["date_mod"] = now_text()
        history.updated(sim, session, before, row)
    _set_emails(sim, uid, data.get("_useremails"), data.get("_default_email"), creating=False)
    return True, message


def stored_language(sim: Simulator, current: Any, wanted: Any) -> Any:
    """The ``language`` an update leaves in a user's row.

    ``User::prepareInputForUpdate`` (10.0.12 and 11.0.6) stores a preference equal to the
    instance's own (``$CFG_GLPI['language']``) as NULL; ``prepareInputForAdd`` does not, so
    a create keeps it. That ``"NULL"`` replaces any value; otherwise ``CommonDBTM::update``
    compares with PHP's ``!=``, where NULL and ``""`` are equal: neither replaces the other.
    """
    if wanted is not None and wanted == sim.default_language:
        return None
    if current in (None, "") and wanted in (None, ""):
        return current
    return wanted


def _refused_password(sim: Simulator, row: dict, password: str) -> list[str]:
    """Why GLPI will not set ``password`` on this user: the policy's messages, then the
    history's (the password the user already holds; older ones are not checked by default)."""
    errors = password_errors(sim, password)
    if row.get("password") == hash_password(password):
        errors.append(PW_RECENT)
    return errors


def delete_user(sim: Simulator, session: Session, uid: int, purge: bool) -> tuple[Any, str]:
    """Trash, or purge with memberships, authorizations and e-mails."""
    row = sim.tables["User"].get(uid)
    if row is None:
        return False, "Item not found"
    if uid == session.user_id or row.get("name") == "glpi-system":
        return False, NO_RIGHT
    if not purge:
        row["is_deleted"] = 1
        row["date_mod"] = now_text()
        return True, ""
    sim.delete_row("User", uid)
    sim.history[:] = [entry for entry in sim.history if entry["items_id"] != uid]
    for itemtype in ("Group_User", "Profile_User", "UserEmail"):
        for child in sim.children(itemtype, uid):
            sim.delete_row(itemtype, child["id"])
    return True, ""


# -- UserEmail --------------------------------------------------------------------------------


def _reset_defaults(sim: Simulator, uid: int, keep: int) -> None:
    for row in sim.children("UserEmail", uid):
        if row["id"] != keep:
            row["is_default"] = 0


def add_useremail_row(sim: Simulator, uid: int, address: str, is_default: int) -> int:
    """Insert an address; the first of a user, or an explicit default, becomes default."""
    first = not sim.children("UserEmail", uid)
    rid = sim.insert(
        "UserEmail",
        {
            **schema.DEFAULTS["UserEmail"],
            "id": None,
            "users_id": uid,
            "email": sim.encode(address),
            "is_default": int(bool(is_default) or first),
        },
    )
    if is_default:
        _reset_defaults(sim, uid, rid)
    return rid


def _email_taken(sim: Simulator, uid: int, address: str, skip: int | None = None) -> bool:
    return any(
        row["id"] != skip and (row["email"] or "").casefold() == sim.encode(address).casefold()
        for row in sim.children("UserEmail", uid)
    )


def add_useremail(sim: Simulator, session: Session, data: dict) -> tuple[Any, str]:
    """``POST /UserEmail``: unknown user, invalid address and per-user duplicates refused."""
    uid = coerce("users_id", data.get("users_id"))
    if uid not in sim.tables["User"]:
        return False, NO_RIGHT
    address = data.get("email")
    if not valid_email(address):
        return False, ""
    if _email_taken(sim, uid, address):
        return False, duplicate_message(
            sim,
            "INSERT INTO",
            "glpi_useremails",
            f"{uid}-{address}",
            f"(`users_id`, `email`) VALUES ('{uid}', '{address}')",
        )
    rid = add_useremail_row(sim, uid, address, coerce("is_default", data.get("is_default", 0)))
    return rid, ""


def update_useremail(sim: Simulator, session: Session, rid: int, data: dict) -> tuple[Any, str]:
    """``PUT /UserEmail``: ``email`` is required; a new default resets the others."""
    row = sim.tables["UserEmail"].get(rid)
    if row is None:
        return None, ""
    address = data.get("email")
    if not valid_email(address):
        return False, ""
    if _email_taken(sim, row["users_id"], address, skip=rid):
        return False, duplicate_message(
            sim,
            "UPDATE",
            "glpi_useremails",
            f"{row['users_id']}-{address}",
            f"SET `email` = '{address}' WHERE `id` = '{rid}'",
        )
    row["email"] = sim.encode(address)
    if "is_default" in data:
        row["is_default"] = int(bool(coerce("is_default", data["is_default"])))
        if row["is_default"]:
            _reset_defaults(sim, row["users_id"], rid)
    return True, ""


def delete_useremail(sim: Simulator, rid: int) -> tuple[Any, str]:
    """Purge an address; when it was the default, the next one is promoted."""
    row = sim.delete_row("UserEmail", rid)
    if row is None:
        return False, "Item not found"
    if row["is_default"]:
        rest = sim.children("UserEmail", row["users_id"])
        if rest:
            rest[0]["is_default"] = 1
    return True, ""
