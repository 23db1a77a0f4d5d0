"""Search options of the simulated itemtypes (ids, tables, fields) and ``listSearchOptions``.

Which options exist, their names, uids and searchtypes are GLPI's own:
``search_options.json`` holds the ``listSearchOptions`` answers of a real GLPI
10.0.12 and 11.0.6 (no LDAP directory) for User, Group, UserEmail, Group_User,
Profile_User, Entity and Profile, as recorded in
``tests/contract/recorded/glpi-*/23_search_options.json`` (a test keeps both equal).
An option missing there does not exist: a criterion on it is ``400 Bad field ID``
and a ``forcedisplay`` of it is left out. Group options 3, 4 and 5 (``ldap_field``,
``ldap_value``, ``ldap_group_dn``) are declared by GLPI only when an LDAP directory
is configured (``AuthLDAP::useAuthLdap()``): the simulator offers them only with
its ``ldap_directory`` knob. Group 74 (``code``) exists on 11 only.

How the engine reads an option's value is modelled in :data:`OPTIONS`; a real
option that is not modelled there reads its column when it lives in the item's
own table, and reads nothing (``NULL``) when it joins another table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.simulator.state import Simulator


@dataclass(frozen=True)
class Option:
    """One search option: where its value comes from and how ``equals`` compares."""

    id: int
    name: str
    table: str
    field: str
    datatype: str
    uid: str
    kind: str = "column"  # column | email | groups | profiles | entities | fk | none
    fk: str = ""


def _user_options() -> dict[int, Option]:
    col = "glpi_users"
    specs = [
        (1, "Login", col, "name", "itemlink", "User.name", "column", ""),
        (2, "ID", col, "id", "number", "User.id", "column", ""),
        (
            3,
            "Location",
            "glpi_locations",
            "completename",
            "dropdown",
            "User.Location.completename",
            "fk",
            "locations_id",
        ),
        (34, "Last name", col, "realname", "string", "User.realname", "column", ""),
        (9, "First name", col, "firstname", "string", "User.firstname", "column", ""),
        (5, "Emails", "glpi_useremails", "email", "email", "User.UserEmail.email", "email", ""),
        (8, "Active", col, "is_active", "bool", "User.is_active", "column", ""),
        (6, "Phone", col, "phone", "string", "User.phone", "column", ""),
        (10, "Phone 2", col, "phone2", "string", "User.phone2", "column", ""),
        (11, "Mobile phone", col, "mobile", "string", "User.mobile", "column", ""),
        (
            22,
            "Administrative number",
            col,
            "registration_number",
            "string",
            "User.registration_number",
            "column",
            "",
        ),
        (28, "Synchronization field", col, "sync_field", "string", "User.sync_field", "column", ""),
        (21, "User DN", col, "user_dn", "text", "User.user_dn", "column", ""),
        (16, "Comments", col, "comment", "text", "User.comment", "column", ""),
        (17, "Language", col, "language", "language", "User.language", "column", ""),
        (15, "Authentication", col, "authtype", "specific", "User.authtype", "column", ""),
        (14, "Last login", col, "last_login", "datetime", "User.last_login", "column", ""),
        (19, "Last update", col, "date_mod", "datetime", "User.date_mod", "column", ""),
        (
            121,
            "Creation date",
            col,
            "date_creation",
            "datetime",
            "User.date_creation",
            "column",
            "",
        ),
        (62, "Begin date", col, "begin_date", "datetime", "User.begin_date", "column", ""),
        (63, "End date", col, "end_date", "datetime", "User.end_date", "column", ""),
        (
            13,
            "Groups",
            "glpi_groups",
            "completename",
            "itemlink",
            "User.Group_User.Group.completename",
            "groups",
            "",
        ),
        (
            20,
            "Profiles (Entity)",
            "glpi_profiles",
            "name",
            "dropdown",
            "User.Profile_User.Profile.name",
            "profiles",
            "",
        ),
        (
            80,
            "Entities (Profile)",
            "glpi_entities",
            "completename",
            "dropdown",
            "User.Profile_User.Entity.completename",
            "entities",
            "",
        ),
        (
            77,
            "Default entity",
            "glpi_entities",
            "name",
            "dropdown",
            "User.Entity.name",
            "fk",
            "entities_id",
        ),
        (
            79,
            "Default profile",
            "glpi_profiles",
            "name",
            "dropdown",
            "User.Profile.name",
            "fk",
            "profiles_id",
        ),
        (
            81,
            "Title",
            "glpi_usertitles",
            "name",
            "dropdown",
            "User.UserTitle.name",
            "fk",
            "usertitles_id",
        ),
        (
            82,
            "Category",
            "glpi_usercategories",
            "name",
            "dropdown",
            "User.UserCategory.name",
            "fk",
            "usercategories_id",
        ),
        (99, "Responsible", col, "name", "dropdown", "User.User.name", "fk", "users_id_supervisor"),
    ]
    return {spec[0]: Option(*spec) for spec in specs}


def _group_options() -> dict[int, Option]:
    col = "glpi_groups"
    specs = [
        (1, "Complete name", col, "completename", "itemlink", "Group.completename", "column", ""),
        (2, "ID", col, "id", "number", "Group.id", "column", ""),
        (14, "Name", col, "name", "itemlink", "Group.name", "column", ""),
        (
            13,
            "As child of",
            col,
            "completename",
            "dropdown",
            "Group.Group.completename",
            "fk",
            "groups_id",
        ),
        (16, "Comments", col, "comment", "text", "Group.comment", "column", ""),
        (
            80,
            "Entity",
            "glpi_entities",
            "completename",
            "dropdown",
            "Group.Entity.completename",
            "fk",
            "entities_id",
        ),
        (86, "Child entities", col, "is_recursive", "bool", "Group.is_recursive", "column", ""),
        (
            3,
            "Attribute of the user containing its groups",
            col,
            "ldap_field",
            "string",
            "Group.ldap_field",
            "column",
            "",
        ),
        (4, "Attribute value", col, "ldap_value", "text", "Group.ldap_value", "column", ""),
        (5, "Group DN", col, "ldap_group_dn", "text", "Group.ldap_group_dn", "column", ""),
        (15, "Can contain users", col, "is_usergroup", "bool", "Group.is_usergroup", "column", ""),
        (18, "Can be manager", col, "is_manager", "bool", "Group.is_manager", "column", ""),
        (74, "Group code", col, "code", "string", "Group.code", "column", ""),
        (19, "Last update", col, "date_mod", "datetime", "Group.date_mod", "column", ""),
        (
            121,
            "Creation date",
            col,
            "date_creation",
            "datetime",
            "Group.date_creation",
            "column",
            "",
        ),
    ]
    return {spec[0]: Option(*spec) for spec in specs}


def _group_user_options() -> dict[int, Option]:
    col = "glpi_groups_users"
    specs = [
        (2, "ID", col, "id", "number", "Group_User.id", "column", ""),
        (3, "Dynamic", col, "is_dynamic", "bool", "Group_User.is_dynamic", "column", ""),
        (
            4,
            "Group",
            "glpi_groups",
            "completename",
            "dropdown",
            "Group_User.Group.completename",
            "fk",
            "groups_id",
        ),
        (5, "User", "glpi_users", "name", "dropdown", "Group_User.User.name", "fk", "users_id"),
        (6, "Manager", col, "is_manager", "bool", "Group_User.is_manager", "column", ""),
        (
            7,
            "Delegatee",
            col,
            "is_userdelegate",
            "bool",
            "Group_User.is_userdelegate",
            "column",
            "",
        ),
    ]
    return {spec[0]: Option(*spec) for spec in specs}


def _profile_user_options() -> dict[int, Option]:
    col = "glpi_profiles_users"
    specs = [
        (2, "ID", col, "id", "number", "Profile_User.id", "column", ""),
        (3, "Dynamic", col, "is_dynamic", "bool", "Profile_User.is_dynamic", "column", ""),
        (4, "Profile", "glpi_profiles", "name", "dropdown", "Profile_User.Profile.name", "fk",
         "profiles_id"),
        (5, "User", "glpi_users", "name", "dropdown", "Profile_User.User.name", "fk", "users_id"),
        (80, "Entity", "glpi_entities", "completename", "dropdown",
         "Profile_User.Entity.completename", "fk", "entities_id"),
        (86, "Child entities", col, "is_recursive", "bool", "Profile_User.is_recursive", "column",
         ""),
    ]
    return {spec[0]: Option(*spec) for spec in specs}


def _simple_options(itemtype: str, table: str) -> dict[int, Option]:
    specs = [
        (1, "Name", table, "name", "itemlink", f"{itemtype}.name", "column", ""),
        (2, "ID", table, "id", "number", f"{itemtype}.id", "column", ""),
        (16, "Comments", table, "comment", "text", f"{itemtype}.comment", "column", ""),
    ]
    return {spec[0]: Option(*spec) for spec in specs}


OPTIONS: dict[str, dict[int, Option]] = {
    "User": _user_options(),
    "Group": _group_options(),
    "Group_User": _group_user_options(),
    "Entity": _simple_options("Entity", "glpi_entities"),
    "Profile": _simple_options("Profile", "glpi_profiles"),
    "UserTitle": _simple_options("UserTitle", "glpi_usertitles"),
    "UserCategory": _simple_options("UserCategory", "glpi_usercategories"),
    "UserEmail": _simple_options("UserEmail", "glpi_useremails"),
    "Profile_User": _profile_user_options(),
}

DEFAULT_COLUMNS = {
    "User": [1, 34, 5, 6, 3, 8],
    "Group": [1, 80],
    "Group_User": [],
    "Profile_User": [],
}
#: Columns every search of the type shows, per version (multi-entity mode adds the entity;
#: an itemtype without a name option shows its id first on 11 only).
ALWAYS_COLUMNS = {
    "10": {"Group": [1, 80], "Profile_User": [80]},
    "11": {"Group": [1, 80], "Profile_User": [2, 80]},
}

FK_TABLES = {
    "locations_id": None,
    "entities_id": "Entity",
    "profiles_id": "Profile",
    "usertitles_id": "UserTitle",
    "usercategories_id": "UserCategory",
    "users_id_supervisor": "User",
    "users_id": "User",
    "groups_id": "Group",
}


_REAL_OPTIONS = Path(__file__).with_name("search_options.json")

#: Main table of the itemtypes whose real options are known.
_TABLES = {
    "User": "glpi_users",
    "Group": "glpi_groups",
    "UserEmail": "glpi_useremails",
    "Group_User": "glpi_groups_users",
    "Profile_User": "glpi_profiles_users",
    "Entity": "glpi_entities",
    "Profile": "glpi_profiles",
}


def _ldap_group_option(name: str, field: str, datatype: str) -> dict:
    return {
        "name": name,
        "table": "glpi_groups",
        "field": field,
        "datatype": datatype,
        "nosearch": False,
        "nodisplay": False,
        "available_searchtypes": ["contains", "notcontains"],
        "uid": f"Group.{field}",
    }


#: ``Group::rawSearchOptions`` adds these after the common options when
#: ``AuthLDAP::useAuthLdap()`` (an LDAP directory is configured).
LDAP_GROUP_OPTIONS = {
    "3": _ldap_group_option("Attribute of the user containing its groups", "ldap_field", "string"),
    "4": _ldap_group_option("Attribute value", "ldap_value", "text"),
    "5": _ldap_group_option("Group DN", "ldap_group_dn", "text"),
}


@lru_cache(maxsize=1)
def _real_listings() -> dict[str, dict[str, dict]]:
    return json.loads(_REAL_OPTIONS.read_text(encoding="utf-8"))


def _listing(version: str, ldap_directory: bool, itemtype: str) -> dict | None:
    """GLPI's ``listSearchOptions`` answer, in GLPI's order (None: not recorded)."""
    real = _real_listings()[version].get(itemtype)
    if real is None:
        return None
    if itemtype != "Group" or not ldap_directory:
        return real
    extra = {
        key: {
            **entry,
            "available_searchtypes": entry["available_searchtypes"]
            + (["empty"] if version == "11" else []),
        }
        for key, entry in LDAP_GROUP_OPTIONS.items()
    }
    result: dict[str, Any] = {}
    for key, entry in real.items():
        result[key] = entry
        if key == "2":
            result.update(extra)
    return result


@lru_cache(maxsize=64)
def _options(version: str, ldap_directory: bool, itemtype: str) -> dict[int, Option]:
    modelled = OPTIONS[itemtype]
    listing = _listing(version, ldap_directory, itemtype)
    if listing is None:
        return modelled
    result = {}
    for key, entry in listing.items():
        if not key.isdigit() or not isinstance(entry, dict):
            continue
        number = int(key)
        if number in modelled:
            result[number] = replace(modelled[number], name=entry["name"], uid=entry["uid"])
            continue
        own = entry["table"] == _TABLES[itemtype]
        result[number] = Option(
            number,
            entry["name"],
            entry["table"],
            entry["field"],
            entry.get("datatype", "string"),
            entry["uid"],
            "column" if own else "none",
        )
    return result


def options_for(sim: Simulator, itemtype: str) -> dict[int, Option]:
    """The search options ``itemtype`` has on this simulator's GLPI (version, LDAP)."""
    return _options(sim.version, bool(sim.ldap_directory), itemtype)


def list_search_options(sim: Simulator, itemtype: str) -> dict:
    """The ``listSearchOptions`` answer for ``itemtype``."""
    listing = _listing(sim.version, bool(sim.ldap_directory), itemtype)
    if listing is not None:
        return json.loads(json.dumps(listing))
    result: dict[str, Any] = {"common": {"name": "Characteristics"}}
    for option in OPTIONS[itemtype].values():
        if option.table in ("glpi_entities", "glpi_groups") and (
            option.datatype in ("itemlink", "dropdown") or option.kind != "column"
        ):
            types = ["contains", "notcontains", "equals", "notequals", "under", "notunder"]
        elif option.kind == "email":
            types = ["contains", "notcontains"]
        elif option.datatype in ("itemlink", "dropdown") or option.kind != "column":
            types = ["contains", "notcontains", "equals", "notequals"]
        elif option.datatype == "bool":
            types = ["equals", "notequals", "contains", "notcontains"]
        elif option.datatype == "specific":
            types = ["equals"]
        elif option.datatype == "datetime":
            types = ["equals", "notequals", "lessthan", "morethan", "contains", "notcontains"]
        else:
            types = ["contains", "notcontains"]
        if sim.version == "11":
            at = types.index("under") if "under" in types else len(types)
            types = types[:at] + ["empty"] + types[at:]
        result[str(option.id)] = {
            "name": "Cédula"
            if (sim.version == "11" and option.uid == "User.registration_number")
            else option.name,
            "table": option.table,
            "field": option.field,
            "datatype": option.datatype,
            "nosearch": False,
            "nodisplay": False,
            "available_searchtypes": types,
            "uid": option.uid,
        }
    return result
