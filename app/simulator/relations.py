"""Rules for Group, Group_User, Profile_User, Entity and the dropdowns."""

from __future__ import annotations

from typing import Any

from app.simulator import schema
from app.simulator.items import NO_RIGHT
from app.simulator.items import SqlTooLong
from app.simulator.items import coerce
from app.simulator.items import duplicate_message
from app.simulator.items import friendly_message
from app.simulator.items import store_fields
from app.simulator.state import Session
from app.simulator.state import Simulator
from app.simulator.state import now_text


def _tree_fields(sim: Simulator, itemtype: str, row: dict, parent_key: str) -> None:
    """``completename``/``level`` of a tree dropdown (``Parent > Child``, encoded on 10)."""
    parent = sim.tables[itemtype].get(row.get(parent_key) or 0) if row.get(parent_key) else None
    if itemtype == "Entity" and row["id"] != 0:
        parent = sim.tables["Entity"].get(row.get("entities_id") or 0)
    name = row.get("name") or ""
    if parent is not None:
        row["completename"] = f"{parent['completename']} > {name}"
        row["level"] = parent["level"] + 1
        if itemtype == "Group":
            chain = [parent["id"]] + [gid for gid in _group_ancestors(sim, parent)]
            row["ancestors_cache"] = "{" + ",".join(f'"{g}":{g}' for g in sorted(chain)) + "}"
    else:
        row["completename"] = name
        row["level"] = 1


def _group_ancestors(sim: Simulator, group: dict) -> list[int]:
    result = []
    while group.get("groups_id"):
        result.append(group["groups_id"])
        group = sim.tables["Group"].get(group["groups_id"]) or {}
    return result


def add_group(sim: Simulator, session: Session, data: dict) -> tuple[Any, str]:
    """Add a group (duplicate and empty names allowed) and compute its tree fields."""
    stamp = now_text()
    row = schema.group_defaults(sim.version)
    row.update({"date_mod": stamp, "date_creation": stamp, "entities_id": session.entity_id})
    try:
        store_fields(sim, "Group", row, data, "add")
    except SqlTooLong as exc:
        return False, str(exc)
    if isinstance(row.get("name"), str):
        row["name"] = row["name"].strip()
    if sim.version == "11" and row.get("groups_id"):
        row["ancestors_cache"] = None
    row["id"] = None
    gid = sim.insert("Group", row)
    _tree_fields(sim, "Group", row, "groups_id")
    if sim.version == "11" and gid == 1:
        # GLPI 11's DbUtils::getAncestorsOf returns early for ids up to the lowest valid
        # one (1 outside glpi_entities) and never writes this group's cache.
        row["ancestors_cache"] = None
    return gid, friendly_message(sim, "Group", row)


def update_group(sim: Simulator, session: Session, gid: int, data: dict) -> tuple[Any, str]:
    """Update a group and refresh the complete names below it."""
    row = sim.tables["Group"].get(gid)
    if row is None:
        return None, ""
    try:
        store_fields(sim, "Group", row, data, "update")
    except SqlTooLong as exc:
        return False, str(exc)
    _tree_fields(sim, "Group", row, "groups_id")
    for child in sim.tables["Group"].values():
        if child.get("groups_id") == gid:
            _tree_fields(sim, "Group", child, "groups_id")
    row["date_mod"] = now_text()
    return True, ""


def delete_group(sim: Simulator, session: Session, gid: int) -> tuple[Any, str]:
    """Purge a group (no trash): memberships go, children move to its parent."""
    row = sim.delete_row("Group", gid)
    if row is None:
        return False, "Item not found"
    for rid in [rid for rid, gu in sim.tables["Group_User"].items() if gu["groups_id"] == gid]:
        sim.delete_row("Group_User", rid)
    for child in sim.tables["Group"].values():
        if child.get("groups_id") == gid:
            child["groups_id"] = row.get("groups_id") or 0
            _tree_fields(sim, "Group", child, "groups_id")
    return True, ""


def add_group_user(sim: Simulator, session: Session, data: dict) -> tuple[Any, str]:
    """Add a membership; unknown sides are refused, duplicates hit the unicity key."""
    uid = coerce("users_id", data.get("users_id"))
    gid = coerce("groups_id", data.get("groups_id"))
    if uid not in sim.tables["User"] or gid not in sim.tables["Group"]:
        return False, NO_RIGHT
    if any(gu["groups_id"] == gid for gu in sim.children("Group_User", uid)):
        return False, duplicate_message(
            sim,
            "INSERT INTO",
            "glpi_groups_users",
            f"{uid}-{gid}",
            f"(`users_id`, `groups_id`) VALUES ('{uid}', '{gid}')",
        )
    row = {**schema.DEFAULTS["Group_User"], "id": None}
    store_fields(sim, "Group_User", row, data, "add")
    rid = sim.insert("Group_User", row)
    return rid, f"Item successfully added: General - ID {rid}"


def add_profile_user(sim: Simulator, session: Session, data: dict) -> tuple[Any, str]:
    """Add an authorization; duplicates are accepted, unknown ids refused."""
    row = {**schema.DEFAULTS["Profile_User"], "id": None, "entities_id": session.entity_id}
    store_fields(sim, "Profile_User", row, data, "add")
    if (
        row["users_id"] not in sim.tables["User"]
        or row["profiles_id"] not in sim.tables["Profile"]
        or row["entities_id"] not in sim.tables["Entity"]
    ):
        return False, NO_RIGHT
    return sim.insert("Profile_User", row), ""


def add_entity(sim: Simulator, session: Session, data: dict) -> tuple[Any, str]:
    """Add an entity under its parent (unique name per parent)."""
    stamp = now_text()
    row = schema.entity_defaults()
    row.update({"date_mod": stamp, "date_creation": stamp, "entities_id": session.entity_id})
    try:
        store_fields(sim, "Entity", row, data, "add")
    except SqlTooLong as exc:
        return False, str(exc)
    if row["entities_id"] not in sim.tables["Entity"]:
        return False, NO_RIGHT
    if any(
        other["name"] == row["name"] and other["entities_id"] == row["entities_id"]
        for other in sim.tables["Entity"].values()
    ):
        return False, duplicate_message(
            sim, "INSERT INTO", "glpi_entities", f"{row['entities_id']}-{row['name']}", "..."
        )
    row["id"] = None
    eid = sim.insert("Entity", row)
    _tree_fields(sim, "Entity", row, "entities_id")
    # Entity::post_addItem adds the new entity to $_SESSION["glpiactiveentities"], but
    # through the API it does not stick: the recorded 10.0.12 and 11.0.6 sessions that
    # created an entity get 403 reading it back (02_session_info #22). Every session,
    # the creating one included, keeps the entities it had at login.
    return eid, friendly_message(sim, "Entity", row)


def add_plain(sim: Simulator, session: Session, itemtype: str, data: dict) -> tuple[Any, str]:
    """Add a row of a simple dropdown (UserTitle, UserCategory, Profile)."""
    stamp = now_text()
    row = {**schema.DEFAULTS[itemtype], "date_mod": stamp, "date_creation": stamp}
    try:
        store_fields(sim, itemtype, row, data, "add")
    except SqlTooLong as exc:
        return False, str(exc)
    row["id"] = None
    rid = sim.insert(itemtype, row)
    return rid, friendly_message(sim, itemtype, row)


def update_plain(
    sim: Simulator, session: Session, itemtype: str, rid: int, data: dict
) -> tuple[Any, str]:
    """Generic update (relations, dropdowns, entities)."""
    row = sim.tables[itemtype].get(rid)
    if row is None:
        return None, ""
    try:
        sim.change_row(
            itemtype, row, lambda target: store_fields(sim, itemtype, target, data, "update")
        )
    except SqlTooLong as exc:
        return False, str(exc)
    if "date_mod" in row:
        row["date_mod"] = now_text()
    if itemtype == "Entity":
        _tree_fields(sim, "Entity", row, "entities_id")
    return True, ""


def delete_plain(sim: Simulator, itemtype: str, rid: int) -> tuple[Any, str]:
    """Purge a row of a type without trash."""
    if sim.delete_row(itemtype, rid) is None:
        return False, "Item not found"
    return True, ""
