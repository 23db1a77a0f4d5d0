"""POST/PUT/PATCH/DELETE of the simulator (``createItems``/``updateItems``/``deleteItems``)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from app.simulator import history
from app.simulator import items
from app.simulator import relations
from app.simulator.context import Context
from app.simulator.context import to_int
from app.simulator.context import visible
from app.simulator.http import ApiError
from app.simulator.http import flag
from app.simulator.http import json_response


def _inputs(ctx: Context) -> tuple[list, bool]:
    data = ctx.params.get("input")
    if isinstance(data, dict):
        return [data], True
    if isinstance(data, list) and all(isinstance(entry, dict) for entry in data):
        return data, False
    raise ApiError(400, "ERROR_BAD_ARRAY")


def _may_write(ctx: Context, itemtype: str, target: dict | None = None) -> bool:
    _, write, group_write, admin = ctx.rights()
    if itemtype in ("User", "UserEmail"):
        if target is not None and not visible(ctx, "User", target):
            return False
        return write
    if itemtype in ("Group", "Group_User"):
        return group_write or (itemtype == "Group_User" and write)
    if itemtype in ("Entity", "Profile", "Profile_User"):
        return admin
    return write


def _add_one(ctx: Context, itemtype: str, data: dict) -> tuple[Any, str]:
    sim, session = ctx.sim, ctx.session
    data = dict(data)
    if itemtype == "UserEmail":
        target = sim.tables["User"].get(to_int(data.get("users_id")))
        if target is not None and not _may_write(ctx, "UserEmail", target):
            return False, items.NO_RIGHT
    elif not _may_write(ctx, itemtype):
        return False, items.NO_RIGHT
    if itemtype == "User":
        return items.add_user(sim, session, data)
    if itemtype == "UserEmail":
        return _logged_add(sim, session, "UserEmail", items.add_useremail(sim, session, data))
    if itemtype == "Group":
        return relations.add_group(sim, session, data)
    if itemtype == "Group_User":
        return relations.add_group_user(sim, session, data)
    if itemtype == "Profile_User":
        added = relations.add_profile_user(sim, session, data)
        return _logged_add(sim, session, "Profile_User", added)
    if itemtype == "Entity":
        return relations.add_entity(sim, session, data)
    return relations.add_plain(sim, session, itemtype, data)


def post(ctx: Context, itemtype: str) -> Response:
    """``POST``: 201 with ``location``, a list for arrays, 207 on partial failure."""
    entries, single = _inputs(ctx)
    results = []
    for data in entries:
        new_id, message = _add_one(ctx, itemtype, data)
        results.append({"id": new_id, "message": message})
    if single:
        result = results[0]
        if result["id"] is False:
            raise ApiError(400, "ERROR_GLPI_ADD", result["message"])
        return json_response(201, result, {"location": f"{ctx.api_url}/{itemtype}/{result['id']}"})
    failed = [result for result in results if result["id"] is False]
    if not failed:
        link = ",".join(f"{ctx.api_url}/{itemtype}/{r['id']}" for r in results)
        return json_response(201, results, {"link": link} if results else None)
    if len(failed) == len(results):
        raise ApiError(400, "ERROR_GLPI_ADD", results)
    return json_response(207, ["ERROR_GLPI_PARTIAL_ADD", results])


def _may_write_row(ctx: Context, itemtype: str, row: dict) -> bool:
    """Whether the session may write ``row``: users and e-mails are judged by their user."""
    if itemtype not in ("User", "UserEmail"):
        return _may_write(ctx, itemtype, None)
    target = row if itemtype == "User" else ctx.sim.tables["User"].get(row.get("users_id"))
    return _may_write(ctx, itemtype, target)


def _update_one(ctx: Context, itemtype: str, item_id: int, data: dict) -> tuple[Any, str]:
    sim, session = ctx.sim, ctx.session
    row = sim.tables[itemtype].get(item_id)
    if row is None:
        return None, ""
    if not _may_write_row(ctx, itemtype, row):
        return False, items.NO_RIGHT
    if itemtype == "User":
        return items.update_user(sim, session, item_id, data)
    if itemtype == "UserEmail":
        return items.update_useremail(sim, session, item_id, data)
    if itemtype == "Group":
        return relations.update_group(sim, session, item_id, data)
    return relations.update_plain(sim, session, itemtype, item_id, data)


def put(ctx: Context, itemtype: str, url_id: str | None) -> Response:
    """``PUT``/``PATCH``: the body id wins; unknown ids are left out of the answer."""
    entries, single = _inputs(ctx)
    results: list = []
    failures = 0
    for data in entries:
        raw_id = data.get("id", url_id if single else None)
        if raw_id is None:
            results.append([])
            continue
        item_id = to_int(raw_id)
        ok, message = _update_one(ctx, itemtype, item_id, data)
        if ok is None:
            failures += 1
            continue
        if ok is False:
            failures += 1
            if single:
                raise ApiError(400, "ERROR_GLPI_UPDATE", message)
        results.append({str(item_id): ok, "message": message})
    if single and failures:
        raise ApiError(400, "ERROR_GLPI_UPDATE", None if not results else results)
    if failures:
        if len(results) == 0:
            raise ApiError(400, "ERROR_GLPI_UPDATE", results)
        return json_response(207, ["ERROR_GLPI_PARTIAL_UPDATE", results])
    return json_response(200, results)


def _subitem_text(sim: Any, itemtype: str, row: dict) -> tuple[str, str]:
    """How the user's history names a UserEmail or Profile_User row."""
    if itemtype == "UserEmail":
        return "UserEmail", history.email_text(row)
    return "Profile", history.profile_text(sim, row)


def _logged_add(sim: Any, session: Any, itemtype: str, added: tuple[Any, str]) -> tuple[Any, str]:
    """Log an added UserEmail / Profile_User row on its user (``linked_action`` 17)."""
    row = sim.tables[itemtype].get(added[0]) if isinstance(added[0], int) else None
    if row is not None and row.get("users_id") in sim.tables["User"]:
        link, text = _subitem_text(sim, itemtype, row)
        history.log(sim, session, row["users_id"], history.ADD_SUBITEM, link, new=text)
    return added


def _may_delete_user(ctx: Context, row: dict) -> bool:
    """GLPI's ``User::canDeleteItem()`` (also ``canPurgeItem``), 10.0.12 and 11.0.6:
    ``Session::canViewAllEntities() || Session::haveAccessToAllOfEntities($this->getEntities())``.

    Unlike a read, it needs **every** entity of the user among the session's active
    entities, which are frozen at login: once an entity is created, an older session
    may no longer trash or purge a user whose profile row is recursive on a parent of it.
    """
    if not ctx.rights()[1]:
        return False
    if ctx.sim.can_view_all_entities(ctx.session):
        return True
    return ctx.sim.user_entities(row["id"]) <= set(ctx.session.active_entities)


def _delete_one(ctx: Context, itemtype: str, item_id: int, purge: bool) -> tuple[Any, str]:
    sim, session = ctx.sim, ctx.session
    row = sim.tables[itemtype].get(item_id)
    if row is None:
        return False, "Item not found"
    allowed = _may_delete_user(ctx, row) if itemtype == "User" else _may_write_row(
        ctx, itemtype, row
    )
    if not allowed:
        return False, items.NO_RIGHT
    if itemtype in ("UserEmail", "Profile_User") and row.get("users_id") in sim.tables["User"]:
        link, text = _subitem_text(sim, itemtype, row)
        result = _delete_unlogged(sim, session, itemtype, item_id, purge)
        if result[0] is True:
            history.log(sim, session, row["users_id"], history.DELETE_SUBITEM, link, old=text)
        return result
    return _delete_unlogged(sim, session, itemtype, item_id, purge)


def _delete_unlogged(sim: Any, session: Any, itemtype: str, item_id: int, purge: bool
                     ) -> tuple[Any, str]:
    if itemtype == "User":
        return items.delete_user(sim, session, item_id, purge)
    if itemtype == "UserEmail":
        return items.delete_useremail(sim, item_id)
    if itemtype == "Group":
        return relations.delete_group(sim, session, item_id)
    return relations.delete_plain(sim, itemtype, item_id)


def delete(ctx: Context, itemtype: str, url_id: str | None) -> Response:
    """``DELETE``: the URL id wins over ``input``; inputs without id are skipped."""
    purge = flag(ctx.params.get("force_purge", False))
    if url_id is not None:
        entries, single = [{"id": url_id}], True
    else:
        entries, single = _inputs(ctx)
    results = []
    failures = 0
    for data in entries:
        if "id" not in data:
            continue
        item_id = to_int(data["id"])
        ok, message = _delete_one(ctx, itemtype, item_id, purge)
        if not ok:
            failures += 1
            if single:
                raise ApiError(400, "ERROR_GLPI_DELETE", message)
        results.append({str(item_id): ok, "message": message})
    if failures:
        if failures == len(results):
            raise ApiError(400, "ERROR_GLPI_DELETE", results)
        return json_response(207, ["ERROR_GLPI_PARTIAL_DELETE", results])
    return json_response(200, results)
