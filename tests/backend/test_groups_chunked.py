"""Large membership changes in chunks, within the time budget, converging on retry.

A change that does not fit in ``groups.membership.time_budget_seconds`` is
answered 429 with ``Retry-After`` after writing what fitted; a chunk GLPI
fails is answered with its error after the chunks in flight ended. Either
way, the IdP's retry of the same request computes its writes against GLPI's
rows and ends with exactly the asked members: none twice, none lost.
(The same on the real GLPI, smaller: ``tests/real/test_large_groups.py``.)
"""

from __future__ import annotations

import pytest

from app.glpi.groups.criteria import user_id_searches
from tests.backend.groups_app import GROUP_SCHEMA
from tests.backend.groups_app import Scim
from tests.backend.groups_app import call_sequence
from tests.backend.groups_app import calls
from tests.backend.groups_app import group_user_rows
from tests.backend.groups_app import member_ids
from tests.backend.groups_app import served_bridge
from tests.call_counts import group_patch_add
from tests.call_counts import group_patch_remove

pytestmark = pytest.mark.glpi_versions("10", "11")


def _members(ids):
    return [{"value": str(u)} for u in ids]


def _group(scim):
    answer = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "All Staff"})
    assert answer.status_code == 201, answer.json
    return int(answer.json["id"])


def _exact(sim, gid, wanted):
    """Every wanted user is a member once, and nobody else is."""
    rows = group_user_rows(sim, gid)
    assert len(rows) == len(wanted)
    assert {row["users_id"] for row in rows} == set(wanted)


def _until_done(send, attempts=26):
    """The IdP's behaviour: retry the same request while it answers 429 or 5xx.

    The bound is the progress guarantee, not a guess about speed: every attempt
    writes at least its first wave (``concurrency`` 4 × 50 rows, ``run_chunks``), so
    the largest change here (5,000 rows) ends within 25 attempts however slow the
    machine is; a bridge that stopped making progress would still fail.
    """
    statuses = []
    for _ in range(attempts):
        answer = send()
        statuses.append(answer.status_code)
        if answer.status_code < 429 or answer.status_code == 501:
            return answer, statuses
    return answer, statuses


@pytest.fixture
def slow_bridge(glpi_sim):
    """A bridge whose budget (2 s) is shorter than the changes below over a GLPI
    answering each call in 150 ms, 4 chunks at a time (the 2,500-row removal: two
    reads, then 13 rounds of 4 chunks of 50 rows, 2.25 s): the first answer is 429."""
    sim = glpi_sim.sim
    users = [sim.seed_user(name=f"bulk{i}") for i in range(7500)]
    scim = Scim(served_bridge(
        glpi_sim, groups={"membership": {"time_budget_seconds": 2, "concurrency": 4}}
    ))
    gid = _group(scim)
    sim.latency_ms = 150
    yield sim, scim, gid, users
    sim.latency_ms = 0


def test_add_5000_over_the_budget_answers_429_then_the_retry_completes(slow_bridge):
    sim, scim, gid, users = slow_bridge
    send = lambda: scim.patch(  # noqa: E731
        f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users[:5000])}]
    )
    first = send()
    assert first.status_code == 429, first.json
    assert first.headers["Retry-After"] == "2"
    assert first.json["status"] == "429"
    assert "groups.membership.time_budget_seconds" in first.json["detail"]
    written = len(group_user_rows(sim, gid))
    assert 0 < written < 5000
    assert f"{written} of 5000 rows were written" in first.json["detail"]

    answer, statuses = _until_done(send)
    assert answer.status_code == 204, (statuses, answer.json)
    _exact(sim, gid, users[:5000])


def test_remove_and_put_over_the_budget_converge_on_retry(slow_bridge):
    sim, scim, gid, users = slow_bridge
    sim.latency_ms = 0
    answer, _ = _until_done(lambda: scim.patch(
        f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users[:5000])}]
    ))
    assert answer.status_code == 204
    sim.latency_ms = 150

    gone = users[:5000:2]
    remove = lambda: scim.patch(  # noqa: E731
        f"/Groups/{gid}", [{"op": "remove", "path": "members", "value": _members(gone)}]
    )
    answer, statuses = _until_done(remove)
    assert statuses[0] == 429 and answer.status_code == 204, statuses
    _exact(sim, gid, users[1:5000:2])

    # Okta's PUT of the whole list: keeps 1,250, removes 1,250, adds 3,750
    wanted = users[2500:7500]
    put = lambda: scim.put(  # noqa: E731
        f"/Groups/{gid}",
        {"schemas": [GROUP_SCHEMA], "displayName": "All Staff", "members": _members(wanted)},
    )
    answer, statuses = _until_done(put)
    assert statuses[0] == 429 and answer.status_code == 200, statuses
    _exact(sim, gid, wanted)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_failed_chunk_ends_the_request_and_the_retry_completes(glpi_sim, when):
    """GLPI fails the 11th chunk: before writing it (a 503), or after writing it
    (the bridge cannot tell it landed). The retry adds exactly what is missing."""
    sim = glpi_sim.sim
    users = [sim.seed_user(name=f"bulk{i}") for i in range(5000)]
    scim = Scim(served_bridge(glpi_sim))
    gid = _group(scim)
    sim.fail_next("POST", "/Group_User", skip=10, status=500, when=when)
    send = lambda: scim.patch(  # noqa: E731
        f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users)}]
    )
    first = send()
    assert first.status_code >= 500, first.json
    missing = set(users) - member_ids(sim, gid)
    assert 0 < len(missing) < 5000

    sim.reset_calls()
    second = send()
    assert second.status_code == 204, second.json
    _exact(sim, gid, users)
    # the retry posts only the rows still missing, in chunks
    searches = len(user_id_searches(missing))
    assert call_sequence(sim) == group_patch_add(5000, new=len(missing), searches=searches, version=sim.version)


@pytest.mark.parametrize(
    ("before", "asked"),
    [(0, 1), (0, 10), (0, 11), (0, 25), (5, 25), (25, 25), (3, 8)],
)
def test_add_call_count_formula(glpi_sim, before, asked):
    sim = glpi_sim.sim
    users = [sim.seed_user(name=f"m{i}") for i in range(30)]
    scim = Scim(served_bridge(glpi_sim, groups={"membership": {"chunk_rows": 10}}))
    gid = _group(scim)
    if before:
        scim.patch(
            f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users[:before])}]
        )
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users[:asked])}]
    )
    assert answer.status_code == 204
    new = max(0, asked - before)
    assert call_sequence(sim) == group_patch_add(asked, new, r=10, version=sim.version)
    assert member_ids(sim, gid) == set(users[: max(before, asked)])


@pytest.mark.parametrize(("members", "removed"), [(25, 1), (25, 10), (25, 11), (25, 25)])
def test_remove_call_count_formula(glpi_sim, members, removed):
    sim = glpi_sim.sim
    users = [sim.seed_user(name=f"m{i}") for i in range(members)]
    scim = Scim(served_bridge(glpi_sim, groups={"membership": {"chunk_rows": 10}}))
    gid = _group(scim)
    scim.patch(f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users)}])
    sim.reset_calls()
    answer = scim.patch(
        f"/Groups/{gid}",
        [{"op": "remove", "path": "members", "value": _members(users[:removed])}],
    )
    assert answer.status_code == 204
    assert call_sequence(sim) == group_patch_remove(removed, r=10, version=sim.version)
    assert member_ids(sim, gid) == set(users[removed:])


def test_excluded_members_never_reads_group_user(glpi_sim):
    sim = glpi_sim.sim
    users = [sim.seed_user(name=f"m{i}") for i in range(30)]
    scim = Scim(served_bridge(glpi_sim))
    gid = _group(scim)
    scim.patch(f"/Groups/{gid}", [{"op": "add", "path": "members", "value": _members(users)}])
    for path, query in [
        (f"/Groups/{gid}", {"excludedAttributes": "members"}),
        ("/Groups", {"excludedAttributes": "members", "filter": 'displayName eq "All Staff"'}),
        ("/Groups", {"excludedAttributes": "members"}),
    ]:
        sim.reset_calls()
        answer = scim.get(path, query_string=query)
        assert answer.status_code == 200
        assert calls(sim, contains="Group_User") == [] and len(calls(sim)) == 1
