"""Item endpoints (GET/POST/PUT/PATCH/DELETE ``/:itemtype``) of the simulator.

Reads are served here; writes are dispatched to :mod:`app.simulator.writes`.
Who is calling and what the session may see is :mod:`app.simulator.context`.
``/search`` is :mod:`app.simulator.search`.
"""

from __future__ import annotations

import hashlib
import json
import re

from werkzeug.wrappers import Response

from app.simulator import history
from app.simulator import items
from app.simulator import schema
from app.simulator import writes
from app.simulator.context import Context
from app.simulator.context import can_read
from app.simulator.context import to_int
from app.simulator.context import visible
from app.simulator.http import ApiError
from app.simulator.http import flag
from app.simulator.http import json_response
from app.simulator.search.textmatch import compile_like
from app.simulator.search.textmatch import sort_key
from app.simulator.state import Simulator

LIST_LIMIT = 20
_CANONICAL = {name.lower(): name for name in schema.ITEMTYPES}
_OTHER_KNOWN = {"document_item": "Document_Item", "computer": "Computer", "ticket": "Ticket"}
_PARENT_FK = {
    "User": "users_id",
    "Group": "groups_id",
    "Profile": "profiles_id",
    "Entity": "entities_id",
}


def canonical(name: str) -> str:
    """Itemtype names are matched case-insensitively; unknown ones are refused."""
    found = _CANONICAL.get(name.lower())
    if found is None:
        raise ApiError(400, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM")
    return found


# -- output -----------------------------------------------------------------------------------


def links(ctx: Context, itemtype: str, row: dict) -> list[dict]:
    """HATEOAS links: one per foreign key set on the row, in column order."""
    result = []
    for key, value in row.items():
        target = schema.FK_LINKS.get(key)
        if target is None or value is None:
            continue
        if itemtype == "User" and key in ("profiles_id", "groups_id"):
            continue
        if value == 0 and key != "entities_id":
            continue
        if itemtype == "Group" and key == "groups_id":
            continue
        result.append({"rel": target, "href": f"{ctx.api_url}/{target}/{value}"})
    if itemtype == "User":
        result.append(
            {"rel": "Document_Item", "href": f"{ctx.api_url}/User/{row['id']}/Document_Item/"}
        )
    return result


def present(ctx: Context, itemtype: str, row: dict) -> dict:
    """A row as GET shows it: hidden fields dropped, HATEOAS links unless disabled."""
    shown = {key: value for key, value in row.items() if key not in schema.USER_HIDDEN}
    if flag(ctx.params.get("expand_dropdowns", False)):
        for key, target in schema.FK_LINKS.items():
            if key in shown and key != "id":
                linked = ctx.sim.tables[target].get(shown[key])
                if linked is not None and shown[key] != 0 or key == "entities_id":
                    label = (linked or {}).get("completename") or (linked or {}).get("name")
                    if ctx.sim.version == "10" and isinstance(label, str):
                        label = label.replace(" > ", " &#62; ")
                    shown[key] = label if linked is not None else "&nbsp;"
    names = ctx.params.get("add_keys_names")
    if isinstance(names, list) and names:
        shown["_keys_names"] = {}
        for key in names:
            if key == "id":
                shown["_keys_names"]["id"] = items.friendly_message(ctx.sim, itemtype, row)[
                    len("Item successfully added: ") :
                ]
            elif key in schema.FK_LINKS and key in row:
                linked = ctx.sim.tables[schema.FK_LINKS[key]].get(row[key])
                shown["_keys_names"][key] = (linked or {}).get("name") or ""
    if ctx.params.get("get_hateoas", True) is not False:
        shown["links"] = links(ctx, itemtype, row)
    return shown


def parse_range(ctx: Context, total_hint: int | None = None) -> tuple[int, int, bool]:
    """``range=start-end`` (default ``0-19``): ``(start, end, explicit)``."""
    text = ctx.params.get("range")
    if text is None:
        return 0, LIST_LIMIT - 1, False
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(text))
    if not match:
        raise ApiError(400, "ERROR", "range must be in format : [start-end] with integers")
    return int(match.group(1)), int(match.group(2)), True


# -- endpoints ----------------------------------------------------------------------------------


def item_endpoint(ctx: Context, parts: list[str]) -> Response:
    """Route ``/:itemtype[/:id[/:subitemtype]]`` by verb."""
    itemtype = canonical(parts[0])
    method = ctx.request.method
    item_id = parts[1] if len(parts) > 1 else None
    if method == "GET":
        if len(parts) > 2 and item_id is not None:
            return get_subitems(ctx, itemtype, to_int(item_id), parts[2])
        if item_id is not None and item_id.isdigit():
            if int(item_id) != 0 or ctx.sim.version == "11" or itemtype == "Entity":
                return get_item(ctx, itemtype, int(item_id))
        return get_list(ctx, itemtype)
    if method == "POST":
        return writes.post(ctx, itemtype)
    if method in ("PUT", "PATCH"):
        return writes.put(ctx, itemtype, item_id)
    if method == "DELETE":
        return writes.delete(ctx, itemtype, item_id)
    raise ApiError(405, "ERROR_METHOD_NOT_ALLOWED")


def get_item(ctx: Context, itemtype: str, item_id: int) -> Response:
    """``GET /:itemtype/:id``: 404, 403, or the item (``get_sha1`` gives a hash)."""
    row = ctx.sim.tables[itemtype].get(item_id)
    if row is None:
        raise ApiError(404, "ERROR_ITEM_NOT_FOUND")
    if not can_read(ctx, itemtype) or not visible(ctx, itemtype, row):
        raise ApiError(403, "ERROR_RIGHT_MISSING")
    shown = present(ctx, itemtype, row)
    if flag(ctx.params.get("get_sha1", False)):
        text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
        return json_response(200, hashlib.sha1(text.encode()).hexdigest())
    return json_response(200, shown)


def get_multiple_items(ctx: Context) -> Response:
    """``GET /getMultipleItems?items[0][itemtype]=User&items[0][items_id]=5...``.

    Each item as ``GET /:itemtype/:id`` shows it; one missing item makes the
    whole call a 404, as GLPI 10.0.12 and 11.0.6 answer.
    """
    wanted: dict[int, dict] = {}
    for key, value in ctx.params.items():
        match = re.fullmatch(r"items\[(\d+)\]\[(itemtype|items_id)\]", key)
        if match:
            wanted.setdefault(int(match.group(1)), {})[match.group(2)] = value
    if not wanted:
        raise ApiError(400, "ERROR_BAD_ARRAY", "input parameter must be an array of objects")
    shown = []
    for index in sorted(wanted):
        item = wanted[index]
        itemtype = canonical(str(item.get("itemtype", "")))
        row = ctx.sim.tables.get(itemtype, {}).get(to_int(item.get("items_id")))
        if row is None:
            raise ApiError(404, "ERROR_ITEM_NOT_FOUND")
        if not can_read(ctx, itemtype) or not visible(ctx, itemtype, row):
            raise ApiError(403, "ERROR_RIGHT_MISSING")
        shown.append(present(ctx, itemtype, row))
    return json_response(200, shown)


def _filtered(ctx: Context, itemtype: str, rows: list[dict]) -> list[dict] | Response:
    sim = ctx.sim
    predicates = []
    for key, value in ctx.params.items():
        if not key.startswith("searchText["):
            continue
        field = key[len("searchText[") : -1]
        columns = sample_columns(sim, itemtype)
        if field != "all" and (field not in columns or field in schema.USER_HIDDEN):
            if sim.version == "10":
                return Response("", status=200, content_type="application/json; charset=UTF-8")
            raise ApiError(
                400, "ERROR_FIELD_NOT_FOUND", f"Field {field} is not valid for {itemtype} item."
            )
        if value in ("", None):
            continue
        like = compile_like(value, sim.version)
        column = "name" if field == "all" else field
        predicates.append((column, like))
    if "is_deleted" in sample_columns(sim, itemtype):
        wanted = 1 if flag(ctx.params.get("is_deleted", False)) else 0
        rows = [row for row in rows if row.get("is_deleted", 0) == wanted]
    return [
        row
        for row in rows
        if all(like(row.get(column)) for column, like in predicates) and visible(ctx, itemtype, row)
    ]


def sample_columns(sim: Simulator, itemtype: str) -> dict:
    """A default row of ``itemtype``: its column names."""
    if itemtype == "User":
        return schema.user_defaults(sim.version)
    if itemtype == "Group":
        return schema.group_defaults(sim.version)
    if itemtype == "Entity":
        return schema.entity_defaults()
    return schema.DEFAULTS[itemtype]


def get_list(ctx: Context, itemtype: str, rows: list[dict] | None = None) -> Response:
    """``GET /:itemtype`` (or a sub-item list): filtering, sorting, paging and headers."""
    if not can_read(ctx, itemtype):
        raise ApiError(403, "ERROR_RIGHT_MISSING")
    start, end, explicit = parse_range(ctx)
    source = rows if rows is not None else list(ctx.sim.tables[itemtype].values())
    filtered = _filtered(ctx, itemtype, source)
    if isinstance(filtered, Response):
        return filtered
    sort = str(ctx.params.get("sort", "id"))
    if sort not in sample_columns(ctx.sim, itemtype):
        raise ApiError(400, "ERROR", f"sort param is not a field of {schema.TABLES[itemtype]}")
    reverse = str(ctx.params.get("order", "ASC")).upper() == "DESC"
    filtered.sort(key=lambda row: (sort_key(row.get(sort)), row["id"]), reverse=reverse)
    total = _list_total(ctx, itemtype, filtered, rows is not None)
    headers = {"Accept-Range": f"{itemtype} 1000"}
    if start > total:
        raise ApiError(
            400, "ERROR_RANGE_EXCEED_TOTAL", f"Provided range exceed total count of data: {total}"
        )
    if not explicit:
        end = LIST_LIMIT
        page = filtered[start:end]
    elif end < start:
        page = filtered if ctx.sim.version == "11" else []
    else:
        page = filtered[start : end + 1]
    if total:
        shown_end = end if end < start else min(end, total - 1)
        headers["Content-Range"] = f"{start}-{shown_end}/{total}"
    status = 200 if (len(page) >= total and end >= start) else 206
    if flag(ctx.params.get("only_id", False)):
        body = [
            {
                "id": row["id"],
                "links": [
                    {
                        "rel": "Document_Item",
                        "href": f"{ctx.api_url}/{itemtype}/{row['id']}/Document_Item/",
                    }
                ],
            }
            for row in page
        ]
    else:
        body = [present(ctx, itemtype, row) for row in page]
    return json_response(status, body, headers)


def _list_total(ctx: Context, itemtype: str, rows: list[dict], sub: bool) -> int:
    """The count GLPI reports for a list.

    GLPI counts ``GET /User`` with ``COUNT(*)`` over the join on ``glpi_profiles_users``
    without DISTINCT (10: API.php ~1299, 11: ~1345), so a user with several
    authorizations counts several times in the total, ``Content-Range`` and 200/206.
    """
    if itemtype != "User" or sub:
        return len(rows)
    return sum(max(1, len(ctx.sim.user_profiles(row["id"]))) for row in rows)


def get_subitems(ctx: Context, itemtype: str, item_id: int, sub: str) -> Response:
    """``GET /:itemtype/:id/:subitemtype`` (``[]`` when the types are not related)."""
    parent = ctx.sim.tables[itemtype].get(item_id)
    if parent is None:
        raise ApiError(404, "ERROR_ITEM_NOT_FOUND")
    if not can_read(ctx, itemtype) or not visible(ctx, itemtype, parent):
        raise ApiError(403, "ERROR_RIGHT_MISSING")
    if sub.lower() == "log" and itemtype == "User":
        return _history(ctx, item_id)
    subtype = _CANONICAL.get(sub.lower())
    fk = _PARENT_FK.get(itemtype)
    if subtype is None or fk is None or fk not in sample_columns(ctx.sim, subtype):
        if subtype is None and sub.lower() not in _OTHER_KNOWN:
            raise ApiError(400, "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM")
        return json_response(200, [], {"Accept-Range": f"{subtype or sub} 1000"})
    rows = [row for row in ctx.sim.tables[subtype].values() if row.get(fk) == item_id]
    return get_list(ctx, subtype, rows)


def _history(ctx: Context, user_id: int) -> Response:
    """``GET /User/:id/Log``: the user's history (history.py), oldest first, paged."""
    rows = history.entries(ctx.sim, user_id)
    start, end, explicit = parse_range(ctx)
    total = len(rows)
    headers = {"Accept-Range": "Log 1000"}
    if start > total:
        raise ApiError(
            400, "ERROR_RANGE_EXCEED_TOTAL", f"Provided range exceed total count of data: {total}"
        )
    page = rows[start : (end + 1 if explicit else LIST_LIMIT)]
    if total:
        headers["Content-Range"] = f"{start}-{min(end, total - 1)}/{total}"
    for row in page:
        if ctx.sim.version == "11":
            row.update({"old_id": None, "new_id": None})
        if ctx.params.get("get_hateoas", True) is not False:
            row["links"] = [{"rel": "User", "href": f"{ctx.api_url}/User/{user_id}"}]
    return json_response(200 if len(page) >= total else 206, page, headers)
