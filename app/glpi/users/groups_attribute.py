"""The read-only User ``groups`` attribute, for a whole page of users at once.

A ``/search/User`` row already carries the user's groups in column 13, as
GLPI group *complete names* (``Parent > Child``), not ids. One
``/search/Group`` over the tenant's groups maps those names to ids, so a page
of users shares that look-up instead of paying one per user (narrowed to the
names seen when there are few of them). A name GLPI does
not make unique (two groups of the tenant with the same complete name) is
resolved for the users concerned through their ``Group_User`` rows, which
carry ids. Groups outside the tenant's entities are not listed: a client
could not read them (``GET /Groups/{id}`` answers 404).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.glpi.client.encoding import like_value
from app.glpi.groups import criteria as gc
from app.glpi.groups.mapping import GROUP_OPTION_ID
from app.glpi.groups.mapping import GROUP_OPTION_NAME

#: Group search option of the complete name (``Parent > Child``).
GROUP_OPTION_COMPLETENAME = 1


def _names(value: Any) -> list[str]:
    """Column 13 is a string for one group and a list for several."""
    if value is None or value == "":
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "")]


class UserGroups:
    """Fills User ``groups`` for rows of ``/search/User``.

    :param scope: the tenant's :class:`~app.glpi.scope.TenantScope`.
    :param limit: most tenant groups read in the one name → id search; past
        it every user with groups is resolved through its own rows.
    """

    def __init__(self, client: Any, scope: Any, *, limit: int = 2000):
        self._client = client
        self._scope = scope
        self._limit = limit

    def for_rows(
        self,
        rows: Iterable[dict],
        *,
        id_option: int = 2,
        groups_option: int = gc.USER_OPTION_GROUPS,
    ) -> dict[int, list[dict]]:
        """User id → SCIM ``groups`` elements, for every row given (``[]`` when none)."""
        names = {int(row[str(id_option)]): _names(row.get(str(groups_option))) for row in rows}
        if not any(names.values()):
            return {user_id: [] for user_id in names}
        by_name, display = self._tenant_groups({n for found in names.values() for n in found})
        result: dict[int, list[dict]] = {}
        for user_id, user_names in names.items():
            ids = [by_name.get(name, []) for name in user_names] if by_name is not None else None
            if ids is None or any(len(found) > 1 for found in ids):
                result[user_id] = self._from_rows(user_id, display, by_name is not None)
            else:
                result[user_id] = [_element(found[0], display) for found in ids if found]
        return result

    def _name_criteria(self, names: set[str]) -> list[dict]:
        """Complete names ``contains ^name$`` (a superset: matched exactly after),
        or no narrowing when there are too many names for one request line."""
        values = [like_value(name, self._client.version) for name in sorted(names)]
        if len(values) > gc.MAX_IDS_PER_SEARCH or not values or None in values:
            return []
        leaves = [
            {"field": GROUP_OPTION_COMPLETENAME, "searchtype": "contains", "value": value}
            for value in values
        ]
        return [gc.group_of([leaves[0], *({**leaf, "link": "OR"} for leaf in leaves[1:])])]

    def _tenant_groups(self, names: set[str]) -> tuple[dict[str, list[int]] | None, dict[int, str]]:
        """Complete name → ids, and id → displayName, of the tenant's groups with
        those names (one search)."""
        total, data = self._client.search(
            "Group",
            self._scope.group_criteria() + self._name_criteria(names),
            [GROUP_OPTION_ID, GROUP_OPTION_COMPLETENAME, GROUP_OPTION_NAME],
            range=(0, self._limit - 1),
            sort=GROUP_OPTION_ID,
            order="ASC",
        )
        display = {
            int(item[str(GROUP_OPTION_ID)]): str(item.get(str(GROUP_OPTION_NAME)) or "")
            for item in data
        }
        if total > len(data):
            return None, display
        by_name: dict[str, list[int]] = {}
        for item in data:
            by_name.setdefault(str(item.get(str(GROUP_OPTION_COMPLETENAME)) or ""), []).append(
                int(item[str(GROUP_OPTION_ID)])
            )
        return by_name, display

    def _from_rows(self, user_id: int, display: dict[int, str], complete: bool) -> list[dict]:
        """The user's memberships by id, kept when the group is one of the tenant's
        (all of them when the tenant has more groups than were read)."""
        rows = self._client.get_subitems("User", user_id, "Group_User", range=(0, self._limit - 1))
        ids = dict.fromkeys(int(r["groups_id"]) for r in rows if r.get("groups_id"))
        return [
            _element(group_id, display) for group_id in ids if group_id in display or not complete
        ]


def _element(group_id: int, display: dict[int, str]) -> dict:
    element = {"value": str(group_id), "type": "direct"}
    if display.get(group_id):
        element["display"] = display[group_id]
    return element
