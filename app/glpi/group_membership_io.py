"""Reading and writing ``Group_User`` rows in as few GLPI calls as possible.

* Reading members pages ``GET /Group/:id/Group_User`` with GLPI ranges of
  :data:`MEMBER_PAGE` rows, so a 10,000-member group is read in small answers,
  never one huge one.
* Adding k users is one array ``POST /Group_User``; removing k is one array
  ``DELETE /Group_User`` of row ids, found with one read of the group's rows.
* Before any write, the user ids to add are verified with one ``/search/User``
  restricted to the tenant's scope: unknown or out-of-scope ids give 400
  ``invalidValue`` naming them, and nothing is written.
* GLPI answers a bulk call item by item (``207 ERROR_GLPI_PARTIAL_*``, or
  ``400`` with a list when every item failed). Each item is judged on its
  own; ``Duplicate entry … for key 'unicity'`` on an add means the user was
  already a member, which is what was asked.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

from app.glpi import group_criteria as gc
from app.glpi.errors import GlpiBadRequestError
from app.glpi.errors import GlpiPartialError
from app.glpi.errors import GlpiRangeError
from app.glpi.errors import ItemResult
from app.glpi.errors import is_duplicate_entry
from app.glpi.group_mapping import member_of
from app.glpi.group_members import MembershipPlan
from app.scim.errors import BackendError
from app.scim.errors import InvalidValueError

#: Rows per ``Group_User`` read (GLPI advertises ``Accept-Range: Group_User 1000``).
MEMBER_PAGE = 1000

#: Upper bound of the single read that finds row ids for a removal or a diff.
MAX_GROUP_ROWS = 1_000_000


def _results(call: Callable[[], Any]) -> list[ItemResult]:
    """Run a bulk GLPI call (``add``/``delete`` of a list, which return one
    :class:`ItemResult` per item) and return the results, failed or not."""
    try:
        body = call()
    except GlpiPartialError as exc:
        return exc.results
    except GlpiBadRequestError as exc:
        if exc.results:
            return exc.results
        if exc.is_duplicate:
            return [ItemResult(ok=False, id=None, message=exc.message)]
        raise
    return list(body)


class MembershipWriter:
    """Membership reads and writes of one tenant.

    :param user_scope: returns the ``/search/User`` criteria of the tenant's users.
    """

    def __init__(self, client: Any, user_scope: Callable[[], list[dict]]):
        self._client = client
        self._user_scope = user_scope

    def rows(self, group_id: int, page: int = MEMBER_PAGE) -> Iterator[dict]:
        """Yield the group's ``Group_User`` rows, one GLPI range at a time."""
        start = 0
        while True:
            try:
                batch = self._client.get_subitems(
                    "Group", group_id, "Group_User", range=(start, start + page - 1)
                )
            except GlpiRangeError:
                return
            yield from batch
            if len(batch) < page:
                return
            start += page

    def current(self, group_id: int) -> dict[int, int]:
        """Static memberships, user id → row id, in one read."""
        return {
            int(r["users_id"]): int(r["id"])
            for r in self.rows(group_id, page=MAX_GROUP_ROWS)
            if not int(r.get("is_dynamic") or 0)
        }

    def read(self, group_id: int, *, with_display: bool = False) -> list[dict]:
        """The SCIM ``members`` of a group (static rows only), optionally with ``display``."""
        ids = [int(r["users_id"]) for r in self.rows(group_id) if not int(r.get("is_dynamic") or 0)]
        names = self._logins_of_group(group_id) if with_display and ids else {}
        return [member_of(user_id, names.get(user_id)) for user_id in ids]

    def _logins_of_group(self, group_id: int) -> dict[int, str]:
        """User id → login of the group's members (``/search/User``, groups option 13 by id)."""
        from app.glpi.encoding import decode_text

        criteria = [{"field": gc.USER_OPTION_GROUPS, "searchtype": "equals", "value": group_id}]
        names: dict[int, str] = {}
        start = 0
        while True:
            total, data = self._client.search(
                "User",
                criteria,
                forcedisplay=[gc.USER_OPTION_ID, 1],
                range=(start, start + MEMBER_PAGE - 1),
                sort=2,
                order="ASC",
            )
            for item in data:
                names[int(item["2"])] = decode_text(item.get("1"), self._client.version)
            start += MEMBER_PAGE
            if start >= total or not data:
                return names

    def verify(self, user_ids: list[int], invalid: list[str]) -> None:
        """Check that every id names a user of the tenant, in one search.

        :raises InvalidValueError: naming every unknown or out-of-scope id
            (and every value that is not an id at all); nothing was written.
        """
        missing = list(invalid)
        if user_ids:
            found = self._existing(user_ids)
            missing += [str(i) for i in user_ids if i not in found]
        if missing:
            raise InvalidValueError(
                "Unknown members: no user of this tenant has the id(s) " + ", ".join(missing) + "."
            )

    def _existing(self, user_ids: list[int]) -> set[int]:
        criteria = self._user_scope()
        if len(user_ids) <= gc.MAX_IDS_PER_SEARCH:
            criteria = criteria + gc.user_ids_in(user_ids)
            wanted = len(user_ids)
        else:
            wanted = MAX_GROUP_ROWS
        _, data = self._client.search(
            "User",
            criteria,
            forcedisplay=[gc.USER_OPTION_ID],
            range=(0, wanted - 1),
            sort=2,
            order="ASC",
        )
        return {int(item["2"]) for item in data}

    def apply(self, group_id: int, plan: MembershipPlan) -> None:
        """Write the plan; report every item GLPI refused.

        :raises BackendError: naming the members that could not be added or
            removed; every other change of the plan was applied.
        """
        failures = self._add(group_id, plan.add) + self._remove(group_id, plan.remove)
        if failures:
            raise BackendError(
                "GLPI refused part of the membership change (the rest was applied): "
                + "; ".join(failures)
                + "."
            )

    def _add(self, group_id: int, user_ids: list[int]) -> list[str]:
        """One array POST; the users GLPI did not make members, with its reason."""
        if not user_ids:
            return []
        inputs = [{"users_id": u, "groups_id": group_id, "is_dynamic": 0} for u in user_ids]
        results = _results(lambda: self._client.add("Group_User", inputs))
        if len(results) != len(user_ids):
            members = self.current(group_id)
            return [f"add {u}: not stored" for u in user_ids if u not in members]
        return [
            f"add {u}: {r.message or 'refused'}"
            for u, r in zip(user_ids, results, strict=True)
            if not r.ok and not is_duplicate_entry(r.message)
        ]

    def _remove(self, group_id: int, rows: dict[int, int]) -> list[str]:
        """One array DELETE; the members whose row is still there after a refusal."""
        if not rows:
            return []
        results = _results(
            lambda: self._client.delete("Group_User", list(rows.values()), force_purge=True)
        )
        refused = {r.id: r.message for r in results if not r.ok}
        if not refused and len(results) == len(rows):
            return []
        still = set(self.current(group_id).values())
        return [
            f"remove {u}: {refused.get(row) or 'refused'}"
            for u, row in rows.items()
            if row in still
        ]
