"""The ``/search/:itemtype`` criteria engine over the in-memory tables.

Rows are scanned once per query (O(n) with the simulator's per-user indexes for
joins), so listing 100k users stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from app.simulator.search.options import FK_TABLES
from app.simulator.search.options import Option
from app.simulator.search.options import options_for
from app.simulator.search.textmatch import compile_like
from app.simulator.search.textmatch import html_decode
from app.simulator.search.textmatch import text_equals
from app.simulator.state import Simulator


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
        if option.kind == "none":
            return []
        if option.kind == "column":
            return [(row["id"], row.get(option.field))]
        if option.kind == "email":
            return self._emails(row["id"])
        if option.kind == "groups":
            return self._groups(row["id"])
        if option.kind in ("profiles", "entities"):
            return self._profiles(row["id"], option.kind == "entities")
        target = FK_TABLES.get(option.fk)
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
    option = options_for(sim, itemtype)[int(criterion["field"])]
    searchtype = str(criterion.get("searchtype", "contains"))
    value = criterion.get("value")
    by_id = option.datatype == "itemlink" or option.kind != "column"
    if searchtype in ("equals", "notequals", "under", "notunder") and option.kind != "column":
        joined = _joined_predicate(sim, option, resolver, searchtype, value)
        return _null_join(sim, option, resolver, searchtype, value, joined)
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
    if searchtype in ("under", "notunder") and _tree_table(option):
        return _under(sim, option, resolver, value, searchtype == "notunder")
    if searchtype in ("lessthan", "morethan"):
        return _ordering(option, resolver, value, searchtype == "lessthan")
    compared = _NUMBER_COMPARISON.match(str(value)) if option.datatype == "number" else None
    if compared and searchtype == "contains" and option.kind == "column":
        # GLPI's Search::addWhere: a number option compares when the value starts with < or >
        op, number = compared.group(1) + compared.group(2), int(compared.group(3))
        field_ = option.field
        return lambda row: _compare_number(row.get(field_), op, number)
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


def _joined_predicate(
    sim: Simulator, option: Option, resolver: Resolver, searchtype: str, value: Any
) -> Callable[[dict], bool]:
    """``equals``/``under`` (and their negations) on a joined table compare the joined ids."""
    if searchtype in ("under", "notunder") and _tree_table(option):
        return _under(sim, option, resolver, value, searchtype == "notunder")
    wanted = str(value).strip()

    def test(row: dict) -> bool:
        return any(str(rid) == wanted for rid, _ in resolver.values(option, row))

    if searchtype.startswith("not"):
        return lambda row: not test(row)
    return test


def _null_join(
    sim: Simulator,
    option: Option,
    resolver: Resolver,
    searchtype: str,
    value: Any,
    joined: Callable[[dict], bool],
) -> Callable[[dict], bool]:
    """A row the join leaves empty (a user without any ``Profile_User`` row, a user
    without a default entity) compares as SQL ``NULL``: it matches nothing, except
    through GLPI's "Add NULL if $val = 0" rule (``Search::addWhere``): a positive
    ``equals``/``under`` of 0, or a negated one of another value, adds ``OR id IS NULL``.
    GLPI 11 (``SQLProvider``) no longer adds it for ``glpi_entities``; GLPI 10 does,
    so on 10 a user without a profile matches ``Entities (Profile) under 0``. A user
    without a group does not match ``Groups notequals <id>`` on 10 (recorded in
    ``tests/contract/recorded/glpi-10.0.12/25_filter_shapes.json``), does on 11.
    """
    negated = searchtype.startswith("not")
    text = str(value).strip()
    is_zero = text.isdigit() and int(text) == 0
    if sim.version == "10":
        applies = option.kind != "groups"
    else:
        applies = option.table != "glpi_entities"
    adds_null = applies and is_zero != negated

    def test(row: dict) -> bool:
        if not resolver.values(option, row):
            return adds_null
        return joined(row)

    return test


_NUMBER_COMPARISON = re.compile(r"^\s*([<>])(=?)\s*([0-9]+)")


def _compare_number(cell: Any, op: str, number: int) -> bool:
    try:
        value = float(cell)
    except (TypeError, ValueError):
        return False
    return {"<": value < number, "<=": value <= number, ">": value > number,
            ">=": value >= number}[op]


#: Tree dropdowns: the column holding each row's parent.
_PARENT_COLUMN = {"Entity": "entities_id", "Group": "groups_id"}


def _tree_table(option: Option) -> str | None:
    """The tree table an option's ids point into (``under`` applies to trees only)."""
    if option.kind in ("entities", "groups"):
        return "Entity" if option.kind == "entities" else "Group"
    table = FK_TABLES.get(option.fk) if option.kind == "fk" else None
    return table if table in _PARENT_COLUMN else None


def _under(sim: Simulator, option: Option, resolver: Resolver, value: Any,
           negate: bool) -> Callable[[dict], bool]:
    """``under``: the linked item is the given one or one of its descendants.

    GLPI's search replaces the value by ``getSonsOf(table, value)`` and
    compares ids with ``IN``; ``notunder`` is its negation.
    """
    table = _tree_table(option)
    text = str(value).strip()
    subtree = _subtree(sim, table, int(text)) if text.isdigit() else set()

    def test(row: dict) -> bool:
        return any(str(rid).isdigit() and int(rid) in subtree for rid, _ in resolver.values(option, row))

    return (lambda row: not test(row)) if negate else test


def _subtree(sim: Simulator, table: str, root: int) -> set[int]:
    parent_column = _PARENT_COLUMN[table]
    children: dict[int, list[int]] = {}
    for row in sim.tables[table].values():
        parent = row.get(parent_column)
        if parent is not None and int(row["id"]) != int(parent):
            children.setdefault(int(parent), []).append(int(row["id"]))
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


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


def validate(sim: Simulator, itemtype: str, criteria: list[dict]) -> str | None:
    """GLPI's criteria validation (nested groups included): the error message, or None."""
    options = options_for(sim, itemtype)
    for criterion in criteria:
        if "criteria" in criterion:
            problem = validate(sim, itemtype, criterion["criteria"])
            if problem:
                return problem
            continue
        if not all(key in criterion for key in ("field", "searchtype", "value")):
            return "Malformed search criteria"
        field = str(criterion["field"])
        if not field.isdigit() or int(field) not in options:
            return "Bad field ID in search criteria"
    return None
