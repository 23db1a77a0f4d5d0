"""The ``/search/:itemtype`` engine and ``listSearchOptions``, over the in-memory tables.

Rows are scanned once per query (O(n) with dict look-ups prepared up front), so
listing 100k users stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.simulator.state import Simulator
from app.simulator.textmatch import compile_like
from app.simulator.textmatch import html_decode
from app.simulator.textmatch import text_equals


@dataclass(frozen=True)
class Option:
    """One search option: where its value comes from and how ``equals`` compares."""

    id: int
    name: str
    table: str
    field: str
    datatype: str
    uid: str
    kind: str = "column"  # column | email | groups | profiles | entities | fk
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
    "Profile_User": _simple_options("Profile_User", "glpi_profiles_users"),
}

DEFAULT_COLUMNS = {"User": [1, 34, 5, 6, 3, 8], "Group": [1, 80], "Group_User": []}
#: Columns every search of the type shows (multi-entity mode adds the entity).
ALWAYS_COLUMNS = {"Group": [1, 80]}

_FK_TABLES = {
    "locations_id": None,
    "entities_id": "Entity",
    "profiles_id": "Profile",
    "usertitles_id": "UserTitle",
    "usercategories_id": "UserCategory",
    "users_id_supervisor": "User",
    "users_id": "User",
    "groups_id": "Group",
}


def list_search_options(sim: Simulator, itemtype: str) -> dict:
    """The ``listSearchOptions`` answer for ``itemtype``."""
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


class Resolver:
    """Joins of one query (emails, groups, profiles), looked up per row through the
    simulator's per-user indexes, so a query stays linear in the rows it scans."""

    def __init__(self, sim: Simulator, itemtype: str, needed: set[int]) -> None:
        self.sim = sim
        self.itemtype = itemtype

    def _emails(self, uid: int) -> list[tuple[int, Any]]:
        return [(row["id"], row["email"]) for row in self.sim.children("UserEmail", uid)]

    def _groups(self, uid: int) -> list[tuple[int, Any]]:
        groups = self.sim.tables["Group"]
        return [
            (gu["groups_id"], groups[gu["groups_id"]]["completename"])
            for gu in self.sim.children("Group_User", uid)
            if gu["groups_id"] in groups
        ]

    def _profiles(self, uid: int, entities: bool) -> list[tuple[int, Any]]:
        result = []
        for pu in self.sim.children("Profile_User", uid):
            if entities:
                entity = self.sim.tables["Entity"].get(pu["entities_id"])
                shown = html_decode(entity["completename"]) if entity else None
                result.append((pu["entities_id"], shown))
            else:
                profile = self.sim.tables["Profile"].get(pu["profiles_id"])
                result.append((pu["profiles_id"], profile["name"] if profile else None))
        return result

    def values(self, option: Option, row: dict) -> list[tuple[Any, Any]]:
        """(id, display value) pairs of ``option`` for ``row``."""
        if option.kind == "column":
            return [(row["id"], row.get(option.field))]
        if option.kind == "email":
            return self._emails(row["id"])
        if option.kind == "groups":
            return self._groups(row["id"])
        if option.kind in ("profiles", "entities"):
            return self._profiles(row["id"], option.kind == "entities")
        target = _FK_TABLES.get(option.fk)
        key = row.get(option.fk)
        linked = self.sim.tables[target].get(key) if target else None
        if linked is None:
            return []
        shown = linked.get(option.field)
        if option.field == "completename" and isinstance(shown, str):
            shown = html_decode(shown)
        return [(key, shown)]

    def display(self, option: Option, row: dict) -> Any:
        """The column value: scalar, ``None``, or a list when several rows join."""
        if option.kind == "column":
            return row.get(option.field)
        pairs = self.values(option, row)
        if not pairs:
            return None
        if len(pairs) == 1:
            return pairs[0][1]
        return [value for _, value in pairs]


def build_predicate(
    sim: Simulator, itemtype: str, criterion: dict, resolver: Resolver
) -> Callable[[dict], bool]:
    """Predicate for one (non-nested) criterion."""
    option = OPTIONS[itemtype][int(criterion["field"])]
    searchtype = str(criterion.get("searchtype", "contains"))
    value = criterion.get("value")
    by_id = option.datatype == "itemlink" or option.kind != "column"
    if searchtype in ("equals", "notequals"):
        if by_id:
            wanted = str(value).strip()

            def test(row: dict) -> bool:
                return any(str(rid) == wanted for rid, _ in resolver.values(option, row))
        else:

            def test(row: dict) -> bool:
                return any(
                    text_equals(shown, value, sim.version)
                    for _, shown in resolver.values(option, row)
                )

        if searchtype == "notequals":
            return lambda row: not test(row)
        return test
    if searchtype in ("lessthan", "morethan"):
        return _ordering(option, resolver, value, searchtype == "lessthan")
    if (
        sim.version == "11"
        and option.datatype == "number"
        and searchtype == "contains"
        and str(value).strip().isdigit()
    ):
        wanted_number = int(str(value).strip())
        return lambda row: any(shown == wanted_number for _, shown in resolver.values(option, row))
    like = compile_like(value, sim.version, numeric=option.datatype == "number")
    if option.kind == "column":
        field = option.field

        def contains(row: dict) -> bool:
            return like(row.get(field))

        if searchtype == "notcontains":
            return lambda row: not contains(row)
        return contains

    def contains(row: dict) -> bool:
        pairs = resolver.values(option, row)
        if not pairs:
            return like(None)
        return any(like(shown) for _, shown in pairs)

    if searchtype == "notcontains":
        return lambda row: not contains(row)
    return contains


def _ordering(option: Option, resolver: Resolver, value: Any, less: bool) -> Callable[[dict], bool]:
    """``lessthan``/``morethan``: numeric when both sides are numbers, else textual."""
    text = str(value).strip()

    def test(row: dict) -> bool:
        for _, shown in resolver.values(option, row):
            if shown is None:
                continue
            try:
                left, right = float(shown), float(text)
            except (TypeError, ValueError):
                left, right = str(shown), text
            if (left < right) if less else (left > right):
                return True
        return False

    return test


def combine(
    sim: Simulator, itemtype: str, criteria: list[dict], resolver: Resolver
) -> Callable[[dict], bool]:
    """AND/OR/NOT chain with SQL precedence (AND binds tighter than OR)."""
    groups: list[list[Callable[[dict], bool]]] = []
    for index, criterion in enumerate(criteria):
        link = str(criterion.get("link", "AND")).upper().strip() if index else "AND"
        if "criteria" in criterion:
            pred = combine(sim, itemtype, criterion["criteria"], resolver)
        else:
            pred = build_predicate(sim, itemtype, criterion, resolver)
        if link.endswith("NOT"):
            pred = (lambda inner: lambda row: not inner(row))(pred)
        if link.startswith("OR") or not groups:
            groups.append([pred])
        else:
            groups[-1].append(pred)
    if len(groups) == 1 and len(groups[0]) == 1:
        return groups[0][0]
    return lambda row: any(all(p(row) for p in group) for group in groups)


def parse_nested(query: dict, prefix: str) -> list[dict]:
    """Turn flat ``criteria[0][field]`` keys into a nested list of criterion dicts."""
    tree: dict = {}
    pattern = re.compile(r"\[([^\]]*)\]")
    for key, value in query.items():
        if not key.startswith(prefix + "["):
            continue
        parts = pattern.findall(key[len(prefix) :])
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if parts:
            node[parts[-1]] = value

    def to_list(node: dict) -> list[dict]:
        items = []
        for key in sorted(node, key=lambda k: int(k) if str(k).isdigit() else 0):
            entry = dict(node[key]) if isinstance(node[key], dict) else {}
            if isinstance(entry.get("criteria"), dict):
                entry["criteria"] = to_list(entry["criteria"])
            items.append(entry)
        return items

    return to_list(tree)


def validate(itemtype: str, criteria: list[dict]) -> str | None:
    """GLPI's criteria validation: the error message, or None."""
    for criterion in criteria:
        if "criteria" in criterion:
            return validate(itemtype, criterion["criteria"])
        if not all(key in criterion for key in ("field", "searchtype", "value")):
            return "Malformed search criteria"
        field = str(criterion["field"])
        if not field.isdigit() or int(field) not in OPTIONS[itemtype]:
            return "Bad field ID in search criteria"
    return None
