"""Chunked, parallel membership writes within a time budget.

``app.glpi.groups.membership_chunks``.
"""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from app.glpi.groups.membership_chunks import ChunkPolicy
from app.glpi.groups.membership_chunks import chunk_count
from app.glpi.groups.membership_chunks import in_order
from app.glpi.groups.membership_chunks import run_chunks
from app.glpi.groups.membership_chunks import split


@pytest.mark.parametrize(
    ("items", "size", "expected"),
    [
        ([], 3, []),
        ([1, 2], 3, [[1, 2]]),
        ([1, 2, 3], 3, [[1, 2, 3]]),
        ([1, 2, 3, 4], 3, [[1, 2, 3], [4]]),
        (list(range(7)), 2, [[0, 1], [2, 3], [4, 5], [6]]),
    ],
)
def test_split(items, size, expected):
    assert split(items, size) == expected


@pytest.mark.parametrize(
    ("rows", "size", "calls"),
    [(0, 100, 0), (1, 100, 1), (100, 100, 1), (101, 100, 2), (5000, 100, 50)],
)
def test_chunk_count(rows, size, calls):
    assert chunk_count(rows, size) == calls == len(split(list(range(rows)), size))


def test_policy_from_tenant():
    settings = {"chunk_rows": 7, "concurrency": 2, "time_budget_seconds": 9}
    tenant = {"groups": {"membership": settings}}
    assert ChunkPolicy.from_tenant(tenant) == ChunkPolicy(rows=7, concurrency=2, budget_seconds=9.0)
    assert ChunkPolicy.from_tenant({}) == ChunkPolicy(rows=50, concurrency=4, budget_seconds=45.0)


class FakeClock:
    """Each job advances time by its own cost; serial runs only."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    ("costs", "deadline", "ran"),
    [
        ([1, 1, 1, 1], 10, 4),  # everything fits
        ([1, 1, 1, 1], 2, 2),  # at t=2, the next (1 s) would end at 3 > 2
        ([1, 1, 1, 1], 2.5, 2),
        ([1, 1, 1, 1], 3, 3),
        ([5, 1, 1], 7, 1),  # the slowest seen (5 s) is the estimate: 5 + 5 > 7
        ([1, 1], 0, 1),  # the first chunk always runs: a retry always makes progress
    ],
)
def test_serial_run_stops_starting_at_the_deadline(costs, deadline, ran):
    clock = FakeClock()

    def job(cost):
        def run():
            clock.now += cost
            return cost

        return run

    run = run_chunks([job(c) for c in costs], concurrency=1, deadline=deadline, clock=clock)
    assert sorted(run.results) == list(range(ran))
    assert run.complete is (ran == len(costs))
    assert run.not_started == list(range(ran, len(costs)))


class InFlight:
    """Jobs returning their index after 10 ms, and the most that ran at once."""

    def __init__(self):
        self.now, self.peak, self._lock = 0, 0, threading.Lock()

    def jobs(self, count):
        return [partial(self._run, i) for i in range(count)]

    def _run(self, i):
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.01)
        with self._lock:
            self.now -= 1
        return i


def test_parallel_run_keeps_at_most_concurrency_in_flight():
    tracked = InFlight()
    run = run_chunks(tracked.jobs(20), concurrency=3, deadline=time.monotonic() + 60)
    assert run.complete and run.results == {i: i for i in range(20)}
    assert tracked.peak == 3


def test_parallel_run_starts_no_chunk_after_the_deadline():
    started = []

    def job(i):
        def run():
            started.append(i)
            time.sleep(0.05)

        return run

    run = run_chunks([job(i) for i in range(40)], concurrency=2, deadline=time.monotonic() + 0.12)
    assert not run.complete
    # the first wave (2) always starts; after 0.05 s the slowest is 0.05 s, so starts stop
    # once fewer than 0.05 s remain: at most 0.12 / 0.05 waves of 2
    assert 2 <= len(started) <= 6 and sorted(run.results) == sorted(started)


def test_an_error_stops_new_chunks_and_is_raised_after_the_chunks_in_flight():
    ended = []

    def job(i):
        def run():
            if i == 1:
                raise RuntimeError("GLPI said 500")
            time.sleep(0.02)
            ended.append(i)

        return run

    with pytest.raises(RuntimeError, match="500"):
        run_chunks([job(i) for i in range(30)], concurrency=2, deadline=time.monotonic() + 60)
    assert 0 in ended and len(ended) <= 3


def test_chunks_run_in_the_callers_context():
    import contextvars

    var = contextvars.ContextVar("request", default=None)
    var.set("req-1")
    run = run_chunks([var.get] * 5, concurrency=3, deadline=time.monotonic() + 60)
    assert set(run.results.values()) == {"req-1"}


# -- in_order: reads whose results are used while the next ones run ------------------------


def _gated(count: int, gates: dict[int, threading.Event], log: list[str]):
    """Jobs ``0..count-1`` returning their index; job ``i`` in ``gates`` waits for its event."""

    def job(i):
        def run():
            log.append(f"start {i}")
            if i in gates:
                assert gates[i].wait(5), f"job {i} was never released"
            log.append(f"end {i}")
            return i

        return run

    return [job(i) for i in range(count)]


@pytest.mark.parametrize("concurrency", [1, 2, 4, 8])
def test_in_order_yields_every_result_in_order(concurrency):
    log: list[str] = []
    assert list(in_order(_gated(9, {}, log), concurrency=concurrency)) == list(range(9))
    assert sorted(log) == sorted([f"start {i}" for i in range(9)] + [f"end {i}" for i in range(9)])


def test_in_order_yields_a_result_before_the_later_jobs_end():
    """The caller gets job 0's result while job 1 is still running: job 1 ends only
    once the caller has seen result 0 (a run that waited for every job first would
    never yield, and job 1's gate would time out)."""
    release = threading.Event()
    log: list[str] = []
    results = in_order(_gated(3, {1: release}, log), concurrency=2)
    assert next(results) == 0
    assert "end 1" not in log
    release.set()
    assert list(results) == [1, 2]


def test_in_order_keeps_at_most_concurrency_in_flight():
    tracked = InFlight()
    assert list(in_order(tracked.jobs(12), concurrency=3)) == list(range(12))
    assert tracked.peak == 3


def test_in_order_raises_a_jobs_error_at_its_turn():
    def job(i):
        def run():
            if i == 2:
                raise RuntimeError("GLPI said 500")
            return i

        return run

    seen = []
    with pytest.raises(RuntimeError, match="500"):
        for result in in_order([job(i) for i in range(6)], concurrency=2):
            seen.append(result)
    assert seen == [0, 1]


def test_closing_in_order_early_starts_no_more_jobs():
    """Closed after the first result (a 304, an error elsewhere): the jobs in flight end,
    the others never start."""
    first, hold = threading.Event(), threading.Event()
    log: list[str] = []
    results = in_order(_gated(20, {0: first} | {i: hold for i in range(1, 20)}, log),
                       concurrency=2)
    first.set()
    assert next(results) == 0
    threading.Timer(0.1, hold.set).start()
    results.close()  # returns once jobs 1 and 2 (in flight) have ended
    started = sorted(int(line[6:]) for line in log if line.startswith("start"))
    assert started == [0, 1, 2]
    assert sorted(int(line[4:]) for line in log if line.startswith("end")) == [0, 1, 2]


def test_in_order_runs_jobs_in_the_callers_context():
    import contextvars

    var = contextvars.ContextVar("var", default="unset")
    var.set("caller")
    assert list(in_order([var.get, var.get, var.get], concurrency=2)) == ["caller"] * 3
