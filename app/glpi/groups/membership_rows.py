"""Reading and writing ``Group_User`` rows in as few GLPI calls as possible.

* Reading members pages ``GET /Group/:id/Group_User`` with GLPI ranges of
  :data:`MEMBER_PAGE` rows, so a 10,000-member group is read in small answers,
  never one huge one.
* Adding users is array ``POST /Group_User`` calls of ``chunk_rows`` rows;
  removing them array ``DELETE /Group_User`` calls of row ids, found with a
  read of the group's rows (the counts: the call-count table in
  docs/mapping.md). Chunks run in parallel within
  the tenant's time budget (:mod:`app.glpi.groups.membership_chunks`); what does not fit is
  answered 429 with ``Retry-After``, and the IdP's retry, computed again
  against GLPI's rows, completes it.
* Before any write, the user ids to add are verified with a ``/search/User``
  restricted to the tenant's scope: unknown or out-of-scope ids give 400
  ``invalidValue`` naming them, and nothing is written.
* GLPI answers a bulk call item by item (``207 ERROR_GLPI_PARTIAL_*``, or
  ``400`` with a list when every item failed). Each item is judged on its
  own; ``Duplicate entry … for key 'unicity'`` on an add means the user was
  already a member, which is what was asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import closing
from functools import partial
from typing import Any

from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import ItemResult
from app.glpi.client.errors import is_duplicate_entry
from app.glpi.client.items import SubitemPage
from app.glpi.groups import criteria as gc
from app.glpi.groups.mapping import member_of
from app.glpi.groups.membership_chunks import ChunkPolicy
from app.glpi.groups.membership_chunks import in_order
from app.glpi.groups.membership_chunks import run_chunks
from app.glpi.groups.membership_chunks import split
from app.glpi.groups.membership_plan import MembershipPlan
from app.scim.errors import BackendError
from app.scim.errors import InvalidValueError
from app.scim.errors import TooManyRequestsError

#: Rows per ``Group_User`` read (GLPI advertises ``Accept-Range: Group_User 1000``).
MEMBER_PAGE = 1000

#: Upper bound of the single read that finds row ids for a removal or a diff.
MAX_GROUP_ROWS = 1_000_000

#: ``Retry-After`` of an unfinished membership change: the work left is
#: bounded by the chunks, so the IdP may come back at once (Okta doubles
#: the wait on each retry, Entra honours the header).
RETRY_AFTER_SECONDS = 2


class MembershipTimeBudgetError(TooManyRequestsError):
    """429: part of a membership change was written, the rest did not fit in
    the tenant's time budget. Okta pauses the task for ``Retry-After`` seconds
    and retries the same request (up to 10 times); Entra honours the header
    and retries the failed request. The retry's plan is computed against
    GLPI's current rows, so it writes only what is left."""

    def __init__(self, written: int, total: int, budget: float):
        super().__init__(
            RETRY_AFTER_SECONDS,
            f"The membership change did not fit in {budget:g} s "
            f"(groups.membership.time_budget_seconds): {written} of {total} rows were "
            "written and the rest was not started. Send the same request again: it "
            "continues from the group's current members in GLPI.",
        )
        self.written, self.total = written, total


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

    def __init__(
        self,
        client: Any,
        user_scope: Callable[[], list[dict]],
        policy: ChunkPolicy | None = None,
    ):
        self._client = client
        self._user_scope = user_scope
        self.policy = policy or ChunkPolicy()

    def deadline(self) -> float:
        """The monotonic time by which an operation starting now must stop writing."""
        return time.monotonic() + self.policy.budget_seconds

    def pages(self, group_id: int, page: int = MEMBER_PAGE) -> Iterator[list[dict]]:
        """Yield the group's ``Group_User`` rows, one GLPI range of ``page`` rows at a time.

        The first range brings GLPI's count (``Content-Range``); the other ranges
        are then read ``policy.concurrency`` at a time, so that a 10,000-member
        group costs one range's wait, not ten, and the caller works on one range
        while GLPI serves the next ones. Without a count (GLPI sends none for an
        empty list) ranges are read one after the other until one comes back short.
        """
        total, first = self._page(group_id, 0, page)
        if len(first) == page and total is not None:
            jobs = [partial(self._page, group_id, s, page) for s in range(page, total, page)]
            # started now, so that GLPI serves them while the caller works on the first
            with closing(in_order(jobs, concurrency=self.policy.concurrency)) as later:
                yield first
                for result in later:
                    yield result.rows
            return
        yield first
        start = page
        while len(first) == page:
            first = self._page(group_id, start, page).rows
            yield first
            start += page

    def rows(self, group_id: int, page: int = MEMBER_PAGE) -> Iterator[dict]:
        """The group's ``Group_User`` rows (:meth:`pages`, one row at a time)."""
        with closing(self.pages(group_id, page)) as pages:
            for batch in pages:
                yield from batch

    def _page(self, group_id: int, start: int, page: int) -> SubitemPage:
        """One range of ``Group_User`` rows (ids and flags only: nothing to decode)."""
        return self._client.subitems_page(
            "Group", group_id, "Group_User", range=(start, start + page - 1), decode=False
        )

    def current(self, group_id: int) -> dict[int, int]:
        """Static memberships, user id → row id, in one read."""
        return {
            int(r["users_id"]): int(r["id"])
            for r in self.rows(group_id, page=MAX_GROUP_ROWS)
            if not int(r.get("is_dynamic") or 0)
        }

    def read_parts(self, group_id: int) -> Iterator[list[dict]]:
        """The SCIM ``members`` of a group (static rows), one list per GLPI range,
        each yielded while the next ranges are read (:meth:`pages`)."""
        with closing(self.pages(group_id)) as pages:
            for batch in pages:
                yield [member_of(int(r["users_id"]))
                       for r in batch if not int(r.get("is_dynamic") or 0)]

    def read(self, group_id: int, *, with_display: bool = False) -> list[dict]:
        """The SCIM ``members`` of a group (static rows only), optionally with ``display``."""
        ids = [int(r["users_id"]) for r in self.rows(group_id) if not int(r.get("is_dynamic") or 0)]
        names = self._logins_of_group(group_id) if with_display and ids else {}
        return [member_of(user_id, names.get(user_id)) for user_id in ids]

    def _logins_of_group(self, group_id: int) -> dict[int, str]:
        """User id → login of the group's members (``/search/User``, groups option 13 by id)."""
        from app.glpi.client.encoding import decode_text

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
        """The ids among ``user_ids`` that are users of the tenant: a few searches by id
        range or id list (:func:`~app.glpi.groups.criteria.user_id_searches`), run
        ``policy.concurrency`` at a time; their cost grows with ``len(user_ids)``,
        not with the tenant's size."""
        scope = self._user_scope()
        jobs = [partial(self._found, scope + criteria, rows)
                for criteria, rows in gc.user_id_searches(user_ids)]
        run = run_chunks(jobs, concurrency=self.policy.concurrency, deadline=float("inf"))
        wanted = set(user_ids)
        return {i for found in run.results.values() for i in found if i in wanted}

    def _found(self, criteria: list[dict], rows: int) -> set[int]:
        _, data = self._client.search(
            "User",
            criteria,
            forcedisplay=[gc.USER_OPTION_ID],
            range=(0, rows - 1),
            sort=2,
            order="ASC",
        )
        return {int(item["2"]) for item in data}

    def apply(self, group_id: int, plan: MembershipPlan, deadline: float | None = None) -> None:
        """Write the plan in chunks of ``policy.rows`` rows, ``policy.concurrency``
        at a time, starting chunks only while ``deadline`` allows (adds first,
        then removes); report every item GLPI refused.

        :raises BackendError: naming the members that could not be added or
            removed; every other change of the plan that was started was applied.
        :raises MembershipTimeBudgetError: chunks were left unstarted at the deadline.
        :raises GlpiError: a chunk failed as a whole (transport, 5xx); chunks in
            flight ended first, none was started after it.
        """
        size = self.policy.rows
        adds = split(plan.add, size)
        removes = [dict(chunk) for chunk in split(list(plan.remove.items()), size)]
        jobs: list[Callable[[], Any]] = [partial(self._add, group_id, chunk) for chunk in adds]
        jobs += [partial(self._remove, group_id, chunk) for chunk in removes]
        run = run_chunks(
            jobs,
            concurrency=self.policy.concurrency,
            deadline=deadline if deadline is not None else self.deadline(),
        )
        failures = [f for i in sorted(run.results) if i < len(adds) for f in run.results[i]]
        refused = {}
        for i in sorted(run.results):
            if i >= len(adds):
                refused.update(run.results[i])
        failures += self._still_present(group_id, refused)
        if failures:
            unfinished = "" if run.complete else " Part of the change was not started: retry it."
            raise BackendError(
                "GLPI refused part of the membership change (the rest was applied): "
                + "; ".join(failures)
                + "."
                + unfinished
            )
        if not run.complete:
            sizes = [len(c) for c in adds] + [len(c) for c in removes]
            written = sum(sizes[i] for i in run.results)
            raise MembershipTimeBudgetError(written, sum(sizes), self.policy.budget_seconds)

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

    def _remove(self, group_id: int, rows: dict[int, int]) -> dict[int, tuple[int, str]]:
        """One array DELETE; user id → (row id, GLPI's reason) of each row it may
        not have deleted (all of them when GLPI's answer does not list each)."""
        if not rows:
            return {}
        results = _results(
            lambda: self._client.delete("Group_User", list(rows.values()), force_purge=True)
        )
        refused = {r.id: r.message for r in results if not r.ok}
        if not refused and len(results) == len(rows):
            return {}
        return {u: (row, refused.get(row) or "refused") for u, row in rows.items()}

    def _still_present(self, group_id: int, suspects: dict[int, tuple[int, str]]) -> list[str]:
        """The refused removals whose row is still there (one read for all chunks):
        a row already gone is what was asked."""
        if not suspects:
            return []
        still = set(self.current(group_id).values())
        return [f"remove {u}: {why}" for u, (row, why) in suspects.items() if row in still]
