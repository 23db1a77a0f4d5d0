"""GLPI's history of a user (``glpi_logs``), served as ``GET /User/:id/Log``.

Recorded in ``tests/contract/recorded/glpi-*/28_user_history.json``: a create logs
the creation (``linked_action`` 20) and one "add sub-item" (17) per e-mail and
profile row (10 logs the creation last, 11 first); an update logs each changed
field that has a search option (``linked_action`` 0, ``id_search_option``, old and
new values as text); adding or deleting a Profile_User or UserEmail row through
the API logs 17 / 19 on the user. ``user_name`` is the acting account,
``"login (id)"``. Rows written "directly in GLPI" (``seed_*``, ``insert``) log nothing.
"""

from __future__ import annotations

from typing import Any

from app.simulator.search.textmatch import html_decode
from app.simulator.state import Session
from app.simulator.state import Simulator
from app.simulator.state import now_text

UPDATE_FIELD = 0
ADD_SUBITEM = 17
DELETE_SUBITEM = 19
CREATE_ITEM = 20


def _author(sim: Simulator, session: Session | None) -> str:
    if session is None:
        return ""
    user = sim.tables["User"].get(session.user_id) or {}
    return f"{html_decode(str(user.get('name', '')))} ({session.user_id})"


def log(
    sim: Simulator,
    session: Session | None,
    items_id: int,
    action: int,
    link: str = "",
    option: int = 0,
    old: Any = "",
    new: Any = "",
) -> None:
    """Append one history entry about user ``items_id``."""
    with sim.lock:
        sim.history_seq += 1
        sim.history.append(
            {
                "id": sim.history_seq,
                "itemtype": "User",
                "items_id": items_id,
                "itemtype_link": link,
                "linked_action": action,
                "user_name": _author(sim, session),
                "date_mod": now_text(),
                "id_search_option": option,
                "old_value": "" if old is None else str(old),
                "new_value": "" if new is None else str(new),
            }
        )


def email_text(row: dict) -> str:
    return f"{html_decode(str(row.get('email') or ''))} ({row['id']})"


def profile_text(sim: Simulator, row: dict) -> str:
    """``Root entity (0), Self-Service (1) (R)``: entity, profile, then the row's flags."""
    entity = sim.tables["Entity"].get(row.get("entities_id")) or {}
    profile = sim.tables["Profile"].get(row.get("profiles_id")) or {}
    text = (
        f"{html_decode(str(entity.get('completename', '')))} ({row.get('entities_id')}), "
        f"{profile.get('name', '')} ({row.get('profiles_id')})"
    )
    if row.get("is_dynamic"):
        text += " (D)"
    if row.get("is_recursive"):
        text += " (R)"
    return text


def created(sim: Simulator, session: Session, uid: int) -> None:
    """The entries of ``User::add``: creation, e-mails, profile rows (10: creation last)."""
    links = [("UserEmail", email_text(r)) for r in sim.children("UserEmail", uid)]
    links += [("Profile", profile_text(sim, r)) for r in sim.user_profiles(uid)]
    if sim.version == "11":
        log(sim, session, uid, CREATE_ITEM, "0")
    for link, text in links:
        log(sim, session, uid, ADD_SUBITEM, link, new=text)
    if sim.version == "10":
        log(sim, session, uid, CREATE_ITEM, "0")


def updated(sim: Simulator, session: Session, before: dict, after: dict) -> None:
    """One entry per changed column that has a User search option."""
    from app.simulator.search.options import options_for

    for option in options_for(sim, "User").values():
        if option.kind != "column" or option.table != "glpi_users":
            continue
        if option.field in ("id", "date_mod", "date_creation", "last_login", "password"):
            continue
        old, new = before.get(option.field), after.get(option.field)
        if old != new and option.field in after:
            log(sim, session, after["id"], UPDATE_FIELD, "", option.id, old, new)


def entries(sim: Simulator, uid: int) -> list[dict]:
    return [dict(entry) for entry in sim.history if entry["items_id"] == uid]
