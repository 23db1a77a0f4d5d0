"""GLPI bulk answers judged item by item (207 partial, 400 with a list), scripted client."""

from __future__ import annotations

import threading

import pytest

from app.glpi.client.errors import GlpiBadRequestError
from app.glpi.client.errors import GlpiPartialError
from app.glpi.client.errors import ItemResult
from app.glpi.client.items import SubitemPage
from app.glpi.groups import criteria as gc
from app.glpi.groups.membership_plan import MembershipPlan
from app.glpi.groups.membership_rows import MembershipWriter
from app.scim.errors import BackendError
from app.scim.errors import InvalidValueError

DUP_10 = "Duplicate entry '80-17' for key 'unicity'"
DUP_11 = (
    "MySQL query error: Duplicate entry '58-9' for key 'unicity' (1062) in SQL query "
    "\"INSERT INTO `glpi_groups_users` (`users_id`, `groups_id`) VALUES ('58', '9')\"."
)
NO_RIGHT = "You don't have permission to perform this action."


class ScriptedClient:
    """Answers add/delete/search/get_subitems from a script and records the calls."""

    version = "10"
    counted = True

    def __init__(self, *, add=None, delete=None, rows=(), users=()):
        self._add, self._delete = add, delete
        self._rows, self._users = list(rows), list(users)
        self.calls: list[tuple] = []

    def _answer(self, outcome):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def add(self, itemtype, inputs):
        self.calls.append(("add", itemtype, len(inputs)))
        return self._answer(self._add)

    def delete(self, itemtype, ids, *, force_purge=False):
        self.calls.append(("delete", itemtype, tuple(ids), force_purge))
        return self._answer(self._delete)

    def subitems_page(self, itemtype, item_id, sub, *, range=(0, 999), decode=True):
        """GLPI's count comes with every non-empty page (``Content-Range``), unless
        ``counted`` is False."""
        self.calls.append(("subitems", itemtype, item_id, sub, range))
        rows = self._rows[range[0] : range[1] + 1]
        return SubitemPage(len(self._rows) if rows and self.counted else None, rows)

    def search(self, itemtype, criteria, forcedisplay, *, range, sort=None, order=None):
        self.calls.append(("search", itemtype, criteria, range))
        return len(self._users), [{"2": u} for u in self._users]


def partial(results):
    return GlpiPartialError("partial", code="ERROR_GLPI_PARTIAL_ADD", status=207, results=results)


def ok(item_id):
    return ItemResult(ok=True, id=item_id, message="")


def failed(message, item_id=None):
    return ItemResult(ok=False, id=item_id, message=message)


@pytest.mark.parametrize(
    "answer",
    [
        [ok(1), ok(2), ok(3)],
        partial([failed(DUP_10), ok(2), failed(DUP_11)]),
        GlpiBadRequestError("all failed", code="ERROR_GLPI_ADD", results=[failed(DUP_10)] * 3),
    ],
)
def test_adds_succeed_when_every_failure_is_an_existing_membership(answer):
    client = ScriptedClient(add=answer)
    MembershipWriter(client, lambda: []).apply(9, MembershipPlan(add=[10, 11, 12]))
    assert client.calls == [("add", "Group_User", 3)]


def test_single_duplicate_without_a_result_list_is_success():
    client = ScriptedClient(add=GlpiBadRequestError(DUP_11, code="ERROR_GLPI_ADD"))
    MembershipWriter(client, lambda: []).apply(9, MembershipPlan(add=[58]))


def test_partial_add_names_exactly_the_refused_users():
    client = ScriptedClient(add=partial([ok(1), failed(NO_RIGHT), failed(DUP_10), failed("")]))
    with pytest.raises(BackendError) as info:
        MembershipWriter(client, lambda: []).apply(9, MembershipPlan(add=[10, 11, 12, 13]))
    detail = info.value.detail
    assert "add 11: You don't have permission" in detail and "add 13: refused" in detail
    assert "add 10" not in detail and "add 12" not in detail
    assert "the rest was applied" in detail


def test_partial_delete_rechecks_and_reports_only_rows_still_there():
    rows = [{"id": 101, "users_id": 11, "is_dynamic": 0}]
    answer = GlpiPartialError(
        "partial",
        code="ERROR_GLPI_PARTIAL_DELETE",
        status=207,
        results=[ok(100), failed(NO_RIGHT, 101), failed("Item not found", 102)],
    )
    client = ScriptedClient(delete=answer, rows=rows)
    with pytest.raises(BackendError) as info:
        MembershipWriter(client, lambda: []).apply(
            9, MembershipPlan(remove={10: 100, 11: 101, 12: 102})
        )
    assert "remove 11: You don't have permission" in info.value.detail
    assert "remove 10" not in info.value.detail and "remove 12" not in info.value.detail
    assert client.calls[0] == ("delete", "Group_User", (100, 101, 102), True)


def test_a_refusal_that_did_not_land_is_not_success():
    client = ScriptedClient(add=GlpiBadRequestError(NO_RIGHT, code="ERROR_GLPI_ADD"))
    with pytest.raises(GlpiBadRequestError):
        MembershipWriter(client, lambda: []).apply(9, MembershipPlan(add=[10]))


def test_verify_uses_one_search_and_names_every_missing_id():
    scope = [{"field": 80, "searchtype": "equals", "value": 0}]
    client = ScriptedClient(users=[10, 12])
    writer = MembershipWriter(client, lambda: scope)
    with pytest.raises(InvalidValueError) as info:
        writer.verify([10, 11, 12, 13], ["abc"])
    assert info.value.detail.endswith("abc, 11, 13.")
    ((kind, itemtype, criteria, bounds),) = client.calls
    assert (kind, itemtype, bounds) == ("search", "User", (0, 3))
    assert criteria[0] == scope[0] and len(criteria[1]["criteria"]) == 4


def test_verify_of_a_run_of_ids_is_one_range_search():
    """Not the whole tenant (53 s for 10,000 users on a real GLPI 10): the ids' range."""
    client = ScriptedClient(users=list(range(1, 101)))
    MembershipWriter(client, lambda: []).verify(list(range(1, 101)), [])
    ((_, _, criteria, bounds),) = client.calls
    assert criteria == gc.user_id_range(1, 100) and bounds == (0, 99)


def test_verify_of_scattered_ids_searches_them_20_at_a_time():
    ids = [i * 5000 for i in range(1, 31)]
    client = ScriptedClient(users=ids)
    MembershipWriter(client, lambda: []).verify(ids, [])
    assert sorted(len(c[2][0]["criteria"]) for c in client.calls) == [10, 20]


def test_member_rows_are_paged_and_dynamic_rows_skipped():
    rows = [{"id": 1000 + i, "users_id": i, "is_dynamic": int(i % 3 == 0)} for i in range(1, 2501)]
    client = ScriptedClient(rows=rows)
    members = MembershipWriter(client, lambda: []).read(9)
    assert len(members) == 2500 - 833 and members[0] == {"value": "1", "type": "User"}
    assert [m["value"] for m in members] == [str(i) for i in range(1, 2501) if i % 3]
    assert sorted(c[4] for c in client.calls) == [(0, 999), (1000, 1999), (2000, 2999)]


@pytest.mark.parametrize(
    ("members", "counted", "ranges"),
    [
        # GLPI's count (Content-Range) bounds the reads: no empty range after a full one.
        (3000, True, [(0, 999), (1000, 1999), (2000, 2999)]),
        (1000, True, [(0, 999)]),
        (999, True, [(0, 999)]),
        (0, True, [(0, 999)]),
        # Without a count, ranges follow one another until one comes back short.
        (2000, False, [(0, 999), (1000, 1999), (2000, 2999)]),
        (1500, False, [(0, 999), (1000, 1999)]),
    ],
)
def test_member_ranges_follow_glpis_count(members, counted, ranges):
    rows = [{"id": 5000 + i, "users_id": i, "is_dynamic": 0} for i in range(1, members + 1)]
    client = ScriptedClient(rows=rows)
    client.counted = counted
    read = MembershipWriter(client, lambda: []).read(9)
    assert [m["value"] for m in read] == [str(i) for i in range(1, members + 1)]
    assert sorted(c[4] for c in client.calls) == ranges


def test_an_answer_that_does_not_match_the_inputs_is_checked_against_glpi():
    rows = [{"id": 500, "users_id": 10, "is_dynamic": 0}]
    client = ScriptedClient(add=[ok(500)], rows=rows)
    with pytest.raises(BackendError) as info:
        MembershipWriter(client, lambda: []).apply(9, MembershipPlan(add=[10, 11, 12]))
    assert "add 11: not stored" in info.value.detail and "add 12: not stored" in info.value.detail
    assert "add 10" not in info.value.detail


class GatedClient(ScriptedClient):
    """A ScriptedClient whose ranges after the first wait for ``release``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def subitems_page(self, itemtype, item_id, sub, *, range=(0, 999), decode=True):
        if range[0] > 0:
            self.started.release()
            assert self.release.wait(5), "the range was never released"
        return super().subitems_page(itemtype, item_id, sub, range=range, decode=decode)


def test_member_parts_come_while_glpi_serves_the_next_ranges():
    """The first range is handed over with the later ranges already asked of GLPI
    (4 at a time), and before they end: the protocol layer presents it meanwhile."""
    rows = [{"id": 5000 + i, "users_id": i, "is_dynamic": 0} for i in range(1, 6001)]
    client = GatedClient(rows=rows)
    parts = MembershipWriter(client, lambda: []).read_parts(9)

    first = next(parts)

    assert [m["value"] for m in first] == [str(i) for i in range(1, 1001)]
    for _ in range(4):  # the concurrency: ranges 2 to 5 are in flight, 6 waits its turn
        assert client.started.acquire(timeout=5)
    assert not client.started.acquire(timeout=0.05)
    client.release.set()
    rest = [m["value"] for part in parts for m in part]
    assert rest == [str(i) for i in range(1001, 6001)]
    assert sorted(c[4] for c in client.calls) == [(s, s + 999) for s in range(0, 6000, 1000)]


@pytest.mark.parametrize("members", [0, 999, 1000, 2500, 4000])
def test_member_parts_are_the_members_read_whole(members):
    rows = [{"id": 5000 + i, "users_id": i, "is_dynamic": int(i % 7 == 0)}
            for i in range(1, members + 1)]
    whole = MembershipWriter(ScriptedClient(rows=rows), lambda: []).read(9)
    parts = list(MembershipWriter(ScriptedClient(rows=rows), lambda: []).read_parts(9))
    assert [m for part in parts for m in part] == whole
    assert len(parts) == max(1, -(-members // 1000))


def test_closing_member_parts_early_asks_glpi_for_no_more_ranges():
    """A caller that stops after the first part (a 304, an error) leaves no range
    unread in flight and starts none: the ranges already started end, the rest never go."""
    rows = [{"id": 5000 + i, "users_id": i, "is_dynamic": 0} for i in range(1, 20001)]
    client = GatedClient(rows=rows)
    parts = MembershipWriter(client, lambda: []).read_parts(9)
    next(parts)
    threading.Timer(0.05, client.release.set).start()
    parts.close()
    assert len(client.calls) == 1 + 4
