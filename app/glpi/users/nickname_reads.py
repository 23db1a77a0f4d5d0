"""``displayName`` kept in GLPI's ``nickname``: the column no search reads.

``glpi_users.nickname`` is GLPI's own field for a display name (the user form's
"Nickname", shown instead of an agent's name when an entity anonymises
agents). GLPI 10.0.12 and 11.0.6 give it **no search option**, so the one
``/search/User`` call every read is cannot show it. A read that returns users
therefore also sends ``GET /getMultipleItems`` with the users of the answer,
which returns their ``glpi_users`` rows, ``nickname`` included. Nothing is
added when the answer is empty (a filter that misses).

Measured on the real GLPIs (docs/mapping.md#displayname): the call takes
10-20 ms for 5 users and 65-120 ms for 100, against 120-250 ms for the search
of a page of 100. It is sent per :data:`CHUNK` users, to keep its URL under
4 KB (a front server refuses request lines over 8 KB); what that adds to each
read is in the call-count table of docs/mapping.md.

A tenant that wants no extra call maps ``displayName`` to a searchable
column instead (``mapping.user.displayName: comment``), or derives it
(``null``): :class:`app.glpi.users.mapping.UserMapping`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from app.glpi.client.errors import GlpiNotFoundError
from app.glpi.users.mapping import NICKNAME
from app.glpi.users.mapping import OPT_ID

log = logging.getLogger(__name__)

#: Users per ``getMultipleItems`` call (about 65 bytes of URL each).
CHUNK = 50


def chunks(ids: list[int], size: int = CHUNK) -> list[list[int]]:
    """``ids`` cut in runs of at most ``size``, in order."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def missing(rows: Iterable[dict]) -> list[dict]:
    """The rows that do not hold their nickname yet (each user once)."""
    seen: set[str] = set()
    out = []
    for row in rows:
        key = str(row.get(str(OPT_ID)))
        if NICKNAME not in row and key not in seen:
            seen.add(key)
            out.append(row)
    return out


def fill(client: Any, rows: list[dict]) -> bool:
    """Add ``nickname`` to each search row that lacks it, in place.

    Rows are shared with the backend's facts cache, so a write that follows
    the read compares against the nickname GLPI holds. A user purged between
    the search and this call makes GLPI answer 404 for the whole chunk: that
    chunk is then read in halves, down to the vanished user, who reads as
    having no nickname (one missing user among 50 costs 13 calls, not 50).

    :returns: whether any row was changed (a call was made).
    """
    todo = missing(rows)
    if not todo:
        return False
    nicknames: dict[int, str] = {}
    for ids in chunks([int(r[str(OPT_ID)]) for r in todo]):
        nicknames.update(_nicknames(client, ids))
    for row in rows:
        if NICKNAME not in row:
            row[NICKNAME] = nicknames.get(int(row[str(OPT_ID)]), "")
    return True


def _nicknames(client: Any, ids: list[int]) -> dict[int, str]:
    try:
        items = client.get_multiple_items("User", ids)
    except GlpiNotFoundError:
        if len(ids) == 1:
            log.info("user %s vanished between the search and the nickname read", ids[0])
            return {}
        half = len(ids) // 2
        return {**_nicknames(client, ids[:half]), **_nicknames(client, ids[half:])}
    return {int(item["id"]): str(item.get(NICKNAME) or "") for item in items if "id" in item}
