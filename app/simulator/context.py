"""The context of one simulated API call, and what its session may see.

Shared by the item endpoints (:mod:`app.simulator.crud`), the writes
(:mod:`app.simulator.writes`) and ``/search`` (:mod:`app.simulator.search`),
so that none of them imports another to learn who is calling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from app.simulator import schema
from app.simulator.state import Session
from app.simulator.state import Simulator


@dataclass
class Context:
    """One API call: simulator, session, merged parameters and the API base URL."""

    sim: Simulator
    session: Session
    params: dict
    api_url: str
    request: Request

    def rights(self) -> tuple[bool, bool, bool, bool]:
        """The (read users, write users, write groups, administer) flags of the active profile."""
        return schema.PROFILE_RIGHTS.get(self.session.profile_id, (False,) * 4)


def to_int(value: Any) -> int:
    """PHP ``intval``."""
    match = re.match(r"\s*(-?\d+)", str(value))
    return int(match.group(1)) if match else 0


# -- visibility ---------------------------------------------------------------------------------


def sees_all(ctx: Context) -> bool:
    """Whether the session "can view all entities" (no entity filter), counted as GLPI does
    (:meth:`~app.simulator.state.Simulator.can_view_all_entities`)."""
    return ctx.sim.can_view_all_entities(ctx.session)


def search_sees_all(ctx: Context) -> bool:
    """Whether ``/search`` leaves out GLPI's restriction to the active entities.

    ``Search::addDefaultWhere`` (User: ``glpi_profiles_users`` in the active entities, or
    recursive on one of their parents) applies only when the session cannot view all
    entities (counted), and ``getEntitiesRestrictRequest`` then returns nothing when the
    session showed all entities when they were set (``glpishowallentities``, frozen at
    login): a root account's search still finds a user of an entity created since its
    login, which its ``GET /User/:id`` reads ``403``; an account limited to a sub-entity
    searches only the entities it had at login (10.0.12 and 11.0.6, on the kit).
    """
    return ctx.session.show_all or sees_all(ctx)


def _entity_visible(ctx: Context, entity_id: Any, recursive: Any) -> bool:
    active = ctx.session.active_entities
    if entity_id in active:
        return True
    if recursive:
        return any(entity_id in ctx.sim.entity_ancestors(eid) for eid in active)
    return False


def visible(ctx: Context, itemtype: str, row: dict) -> bool:
    """Whether the session's active entities show ``row``."""
    if itemtype == "User":
        if sees_all(ctx):
            return True
        return any(
            _entity_visible(ctx, pu["entities_id"], pu["is_recursive"])
            for pu in ctx.sim.user_profiles(row["id"])
        )
    if itemtype == "Entity":
        return row["id"] in ctx.session.active_entities
    if itemtype == "Group":
        return _entity_visible(ctx, row.get("entities_id"), row.get("is_recursive"))
    return True


def can_read(ctx: Context, itemtype: str) -> bool:
    """Whether the active profile may read ``itemtype`` (else ``403 ERROR_RIGHT_MISSING``)."""
    read = ctx.rights()[0]
    if itemtype in ("User", "UserEmail", "Group_User", "Profile_User", "Group"):
        return read
    return True
