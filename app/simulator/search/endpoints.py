"""``/search/:itemtype`` and ``listSearchOptions/:itemtype`` endpoints of the simulator."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Response

from app.simulator.context import Context
from app.simulator.context import can_read
from app.simulator.context import search_sees_all
from app.simulator.context import to_int
from app.simulator.context import visible
from app.simulator.crud import canonical
from app.simulator.crud import parse_range
from app.simulator.crud import sample_columns
from app.simulator.http import ApiError
from app.simulator.http import flag
from app.simulator.http import json_response
from app.simulator.search import engine
from app.simulator.search import options as catalog
from app.simulator.search.textmatch import sort_key

#: Results are cached only for big tables (benchmarks): small test tables are always
#: scanned afresh, so a test that edits a stored row directly sees it at once.
CACHE_MIN_ROWS = 2000


def list_options(ctx: Context, parts: list[str]) -> Response:
    """``listSearchOptions/:itemtype``."""
    itemtype = canonical(parts[0]) if parts else canonical("")
    return json_response(200, catalog.list_search_options(ctx.sim, itemtype))


def search(ctx: Context, parts: list[str]) -> Response:
    """``/search/:itemtype``: criteria, columns, sort, range and GLPI's answer shape."""
    sim = ctx.sim
    itemtype = canonical(parts[0]) if parts else canonical("")
    if not can_read(ctx, itemtype):
        raise ApiError(403, "ERROR_RIGHT_MISSING")
    options = catalog.options_for(sim, itemtype)
    criteria = engine.parse_nested(ctx.params, "criteria")
    problem = engine.validate(sim, itemtype, criteria)
    if problem:
        raise ApiError(400, "ERROR", problem)
    forced = _forcedisplay(ctx.params)
    columns = list(
        catalog.ALWAYS_COLUMNS[sim.version].get(itemtype, [1] if 1 in options else [])
    )
    for number in forced or catalog.DEFAULT_COLUMNS.get(itemtype, [1]):
        if number in options and number not in columns:
            columns.append(number)
    for number in _criteria_fields(criteria):
        if number in options and number not in columns:
            columns.append(number)
    resolver = engine.Resolver(sim, itemtype, set(columns) | set(_criteria_fields(criteria)))
    deleted = 1 if flag(ctx.params.get("is_deleted", False)) else 0
    default_sort = "1" if sim.version == "10" else 0
    sort = to_int(ctx.params["sort"]) if "sort" in ctx.params else default_sort
    order = "DESC" if str(ctx.params.get("order", "ASC")).upper() == "DESC" else "ASC"
    everything = itemtype not in ("User", "Group") or search_sees_all(ctx)
    key = (
        sim.generation,
        len(sim.tables[itemtype]),
        itemtype,
        repr(criteria),
        deleted,
        True if everything else tuple(ctx.session.active_entities),
        str(sort),
        order,
    )
    hits = sim.search_cache.get(key)
    if hits is None:
        hits = _search_hits(ctx, itemtype, criteria, resolver, deleted, everything, sort, order)
        if len(sim.tables[itemtype]) >= CACHE_MIN_ROWS:
            if len(sim.search_cache) >= 8:
                sim.search_cache.clear()
            sim.search_cache[key] = hits
    total = len(hits)
    start, end, _ = parse_range(ctx)
    if start > total:
        raise ApiError(
            400, "ERROR_RANGE_EXCEED_TOTAL", f"Provided range exceed total count of data: {total}"
        )
    page = hits[start : end + 1] if end >= start else (hits if sim.version == "11" else [])
    uid_cols = flag(ctx.params.get("uid_cols", False))
    data = []
    for row in page:
        line = {}
        for number in columns:
            option = options[number]
            line[option.uid if uid_cols else str(number)] = resolver.display(option, row)
        data.append(line)
    answer: dict[str, Any] = {
        "totalcount": total,
        "count": len(data),
        "sort": [sort],
        "order": [order],
    }
    if data:
        answer["data"] = data
    answer["content-range"] = f"{start}-{start + len(data) - 1}/{total}" if data else "0--1/0"
    headers = {"Accept-Range": f"{itemtype} 1000"}
    if total:
        headers["Content-Range"] = answer["content-range"]
    return json_response(206 if len(data) < total else 200, answer, headers)


def _search_hits(
    ctx: Context,
    itemtype: str,
    criteria: list[dict],
    resolver: engine.Resolver,
    deleted: int,
    everything: bool,
    sort: Any,
    order: str,
) -> list[dict]:
    """Every matching row, sorted: one linear scan plus one sort.

    Paging through a large result asks the same query again and again; the caller
    caches this list per data generation so each further page costs only its slice.
    """
    sim = ctx.sim
    options = catalog.options_for(sim, itemtype)
    predicate = engine.combine(sim, itemtype, criteria, resolver) if criteria else None
    has_trash = "is_deleted" in sample_columns(sim, itemtype)
    hits = [
        row
        for row in sim.tables[itemtype].values()
        if (not has_trash or row.get("is_deleted", 0) == deleted)
        and (everything or visible(ctx, itemtype, row))
        and (predicate is None or predicate(row))
    ]
    sort_option = options.get(to_int(sort)) if str(sort) != "0" else None
    if sort_option is not None:
        hits.sort(
            key=lambda row: (sort_key(resolver.display(sort_option, row)), row["id"]),
            reverse=order == "DESC",
        )
    else:
        hits.sort(key=lambda row: row["id"], reverse=order == "DESC")
    return hits


def _forcedisplay(params: dict) -> list[int]:
    value = params.get("forcedisplay")
    found: list[tuple[int, int]] = []
    if isinstance(value, list):
        return [to_int(v) for v in value]
    for key, item in params.items():
        match = re.fullmatch(r"forcedisplay\[(\d+)\]", key)
        if match:
            found.append((int(match.group(1)), to_int(item)))
    return [number for _, number in sorted(found)]


def _criteria_fields(criteria: list[dict]) -> list[int]:
    result = []
    for criterion in criteria:
        if "criteria" in criterion:
            result.extend(_criteria_fields(criterion["criteria"]))
        elif str(criterion.get("field", "")).isdigit():
            result.append(int(criterion["field"]))
    return result
