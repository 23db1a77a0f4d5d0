"""GLPI search criteria for groups, and for the users a membership names.

The criteria built here may match *more* groups than the SCIM filter (GLPI's
``LIKE`` ignores case and accents, ``%`` is a wildcard): the caller verifies
every candidate with :func:`app.scim.filter.parser.matches`. They never match fewer.
A clause that cannot be expressed is dropped from an ``and`` (which widens)
and makes the whole filter untranslatable inside an ``or`` or a ``not``:
:func:`filter_criteria` then answers None, meaning "every group in scope".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.glpi.client.encoding import like_value
from app.glpi.groups.mapping import EXTERNAL_ID_SEARCH_OPTIONS
from app.glpi.groups.mapping import GROUP_OPTION_DATE_CREATION
from app.glpi.groups.mapping import GROUP_OPTION_DATE_MOD
from app.glpi.groups.mapping import GROUP_OPTION_ENTITY
from app.glpi.groups.mapping import GROUP_OPTION_ID
from app.glpi.groups.mapping import GROUP_OPTION_NAME
from app.scim.filter.parser import And
from app.scim.filter.parser import Compare
from app.scim.filter.parser import Node
from app.scim.filter.parser import Or

#: User search options used to verify member ids.
USER_OPTION_ID = 2
USER_OPTION_LOGIN = 1
USER_OPTION_ENTITIES = 80
USER_OPTION_GROUPS = 13

#: Most ids checked with one ``OR`` of ``id equals`` criteria. Each id costs
#: four query parameters (~180 URL characters); past this the request line
#: would outgrow common 8 KB server limits and PHP's ``max_input_vars``, so
#: the in-scope ids are listed instead.
MAX_IDS_PER_SEARCH = 20

_LIKE_SHAPE = {"eq": (True, True), "sw": (True, False), "ew": (False, True), "co": (False, False)}

#: An impossible criterion: no GLPI id is 0.
NOTHING = {"field": GROUP_OPTION_ID, "searchtype": "equals", "value": 0}


def _link(criterion: dict, link: str) -> dict:
    return dict(criterion, link=link)


def group_of(criteria: list[dict], link: str = "AND") -> dict:
    """Wrap criteria in a nested group joined to its predecessor by ``link``."""
    return {"link": link, "criteria": criteria}


def any_of(field: int, values: Iterable[Any], searchtype: str = "equals") -> list[dict]:
    """``field = v1 OR field = v2 ...`` as a flat criteria list."""
    out: list[dict] = []
    for value in values:
        criterion = {"field": field, "searchtype": searchtype, "value": value}
        out.append(_link(criterion, "OR") if out else criterion)
    return out


def entity_criterion(field: int, entity_id: int, recursive: bool) -> dict:
    """One criterion for "in this entity" (``equals`` compares a dropdown's id) or "in
    this entity or below" (``under``: GLPI expands the id to its whole subtree).

    One criterion whatever the number of sub-entities: listing them one by one
    made URLs past common 8 KB limits once a tenant had ~40 sub-entities.
    """
    return {"field": field, "searchtype": "under" if recursive else "equals", "value": int(entity_id)}


def group_scope(entity_id: int, recursive: bool) -> list[dict]:
    """Groups in the tenant's entity (or below it, when recursive)."""
    return [group_of([entity_criterion(GROUP_OPTION_ENTITY, entity_id, recursive)])]


def user_scope(entity_id: int, recursive: bool) -> list[dict]:
    """Users holding a profile in the tenant's entity, or below it when recursive
    (option 80, through ``Profile_User``): the tenant scope of :mod:`app.glpi.scope`."""
    return [group_of([entity_criterion(USER_OPTION_ENTITIES, entity_id, recursive)])]


def group_id_equals(group_id: int) -> dict:
    return {"field": GROUP_OPTION_ID, "searchtype": "equals", "value": int(group_id), "link": "AND"}


def name_equals(name: str, version: str) -> dict:
    """A criterion that finds every group named ``name`` (and maybe a few more)."""
    value = like_value(name, version)
    if value is None:
        return {"field": GROUP_OPTION_NAME, "searchtype": "contains", "value": "^"}
    return {"field": GROUP_OPTION_NAME, "searchtype": "contains", "value": value}


def _text_field(canonical: str, external_id_column: str | None) -> int | None:
    if canonical == "displayName":
        return GROUP_OPTION_NAME
    if canonical == "externalId" and external_id_column:
        return EXTERNAL_ID_SEARCH_OPTIONS[external_id_column]
    return None


def _compare(node: Compare, version: str, external_id_column: str | None) -> list[dict] | None:
    canonical = node.path.canonical
    if canonical == "id":
        if node.op != "eq":
            return None
        value = str(node.value)
        if not (value.isascii() and value.isdigit()):
            return [NOTHING]
        return [{"field": GROUP_OPTION_ID, "searchtype": "equals", "value": int(value)}]
    if canonical == "externalId" and not external_id_column and node.op == "eq":
        return [NOTHING]
    field = _text_field(canonical, external_id_column)
    if field is None or node.op not in _LIKE_SHAPE or not isinstance(node.value, str):
        return None
    starts, ends = _LIKE_SHAPE[node.op]
    value = like_value(node.value, version, starts=starts, ends=ends)
    if value is None:
        return None
    return [{"field": field, "searchtype": "contains", "value": value}]


def filter_criteria(node: Node, version: str, external_id_column: str | None) -> list[dict] | None:
    """Criteria matching at least the groups ``node`` matches, or None (no narrowing possible)."""
    if isinstance(node, Compare):
        return _compare(node, version, external_id_column)
    if isinstance(node, And):
        left = filter_criteria(node.left, version, external_id_column)
        right = filter_criteria(node.right, version, external_id_column)
        if left is None or right is None:
            return left if right is None else right
        return [group_of(left), group_of(right, "AND")]
    if isinstance(node, Or):
        left = filter_criteria(node.left, version, external_id_column)
        right = filter_criteria(node.right, version, external_id_column)
        if left is None or right is None:
            return None
        return [group_of(left), group_of(right, "OR")]
    return None


def sort_option(sort_by: str | None, external_id_column: str | None) -> int:
    """The search option to sort groups by (id when unsorted: stable pages)."""
    options = {
        "displayname": GROUP_OPTION_NAME,
        "meta.created": GROUP_OPTION_DATE_CREATION,
        "meta.lastmodified": GROUP_OPTION_DATE_MOD,
    }
    if external_id_column:
        options["externalid"] = EXTERNAL_ID_SEARCH_OPTIONS[external_id_column]
    return options.get((sort_by or "").lower(), GROUP_OPTION_ID)


#: Widest id range one verification search covers: GLPI answers it with at most this
#: many rows. GLPI's search costs it 2 to 10 ms per row on 2 cores (measured on
#: 10.0.12), more on a saturated machine, so reading a tenant's 10,000 users took
#: 53 s; ranges make verifying k ids cost about k rows, whatever the tenant's size,
#: and 200 rows keep each search within seconds.
ID_SPAN = 200


def user_id_range(low: int, high: int) -> list[dict]:
    """``low <= id <= high``: GLPI compares a number option when a ``contains`` value
    starts with ``<`` or ``>`` (``Search::addWhere``, datatype ``number``; checked on
    10.0.12 and 11.0.6, where ``lessthan``/``morethan`` on the id act as ``equals``)."""
    return [group_of([
        {"field": USER_OPTION_ID, "searchtype": "contains", "value": f">{low - 1}"},
        _link({"field": USER_OPTION_ID, "searchtype": "contains", "value": f"<{high + 1}"}, "AND"),
    ], "AND")]


def user_id_searches(ids: Iterable[int], span: int = ID_SPAN) -> list[tuple[list[dict], int]]:
    """Criteria finding ``ids`` among users, as ``(criteria, most rows)`` per search.

    Sorted ids are cut into runs spanning fewer than ``span`` ids; a run of more
    than :data:`MAX_IDS_PER_SEARCH` ids becomes one range search, the scattered
    rest ``id = a OR id = b ...`` searches of at most :data:`MAX_IDS_PER_SEARCH`.
    Either can only find too much (another user inside a range): the caller
    keeps only the ids it asked for.
    """
    runs: list[list[int]] = []
    for user_id in sorted(set(ids)):
        if runs and user_id - runs[-1][0] < span:
            runs[-1].append(user_id)
        else:
            runs.append([user_id])
    searches = [(user_id_range(run[0], run[-1]), run[-1] - run[0] + 1)
                for run in runs if len(run) > MAX_IDS_PER_SEARCH]
    scattered = [i for run in runs if len(run) <= MAX_IDS_PER_SEARCH for i in run]
    for start in range(0, len(scattered), MAX_IDS_PER_SEARCH):
        batch = scattered[start:start + MAX_IDS_PER_SEARCH]
        searches.append((user_ids_in(batch), len(batch)))
    return searches


def user_ids_in(ids: list[int]) -> list[dict]:
    """``id = a OR id = b ...`` for at most :data:`MAX_IDS_PER_SEARCH` user ids."""
    return [group_of(any_of(USER_OPTION_ID, ids), "AND")]


def text_narrowing(node: Node | None, version: str, external_id_column: str | None) -> dict | None:
    """``searchText`` (column → ``LIKE`` value) for ``GET /Group`` matching at least the
    groups ``node`` matches, or None when none can be built (read every group in scope).

    ``GET /Group`` ANDs its ``searchText`` columns, one value each, so only a
    comparison, or an ``and`` of them, narrows; a second clause on a column
    already used is dropped (that widens). ``id eq`` is left to the caller.
    """
    if isinstance(node, Compare):
        field = {"displayName": "name", "externalId": external_id_column}.get(
            node.path.canonical
        )
        if field is None or node.op not in _LIKE_SHAPE or not isinstance(node.value, str):
            return None
        starts, ends = _LIKE_SHAPE[node.op]
        value = like_value(node.value, version, starts=starts, ends=ends)
        return {field: value} if value is not None else None
    if isinstance(node, And):
        left = text_narrowing(node.left, version, external_id_column)
        right = text_narrowing(node.right, version, external_id_column)
        if left is None or right is None:
            return left if right is None else right
        return {**right, **left}
    return None


def sort_column(sort_by: str | None, external_id_column: str | None) -> str:
    """The ``glpi_groups`` column to sort ``GET /Group`` by (id when unsorted)."""
    columns = {
        "displayname": "name",
        "meta.created": "date_creation",
        "meta.lastmodified": "date_mod",
    }
    if external_id_column:
        columns["externalid"] = external_id_column
    return columns.get((sort_by or "").lower(), "id")
