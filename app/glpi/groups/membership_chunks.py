"""Large membership changes: chunks of rows, run in parallel, within a time budget.

GLPI inserts an array ``POST /Group_User`` row by row in PHP (rules, history,
notifications): 80 to 220 rows per second on 2 cores (``docs/performance.md``),
so one call of 5,000 rows outlives any sane read timeout. The writes of a
membership change are therefore cut into chunks of ``chunk_rows`` rows, and
up to ``concurrency`` chunks are sent at once (GLPI serves them in parallel
PHP workers; ``Group_User``'s unique key ``(users_id, groups_id)`` keeps
concurrent inserts of one group free of duplicates, checked on GLPI 10.0.12
and 11.0.6).

A chunk is started only while the budget leaves room for it, judged by the
slowest chunk seen so far: a chunk in flight cannot be called back (GLPI keeps
what it wrote), so the deadline is met by not starting, never by abandoning.
What was not started is reported, and the caller answers so that the IdP
retries (``docs/groups.md``).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ChunkPolicy:
    """A tenant's ``groups.membership`` settings (validated by the config schema)."""

    rows: int = 50
    concurrency: int = 4
    budget_seconds: float = 45.0

    @classmethod
    def from_tenant(cls, tenant: dict) -> ChunkPolicy:
        settings = (tenant.get("groups") or {}).get("membership") or {}
        return cls(
            rows=int(settings.get("chunk_rows", cls.rows)),
            concurrency=int(settings.get("concurrency", cls.concurrency)),
            budget_seconds=float(settings.get("time_budget_seconds", cls.budget_seconds)),
        )


def split(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive pieces of at most ``size`` (none when empty)."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def chunk_count(rows: int, size: int) -> int:
    """GLPI calls that write ``rows`` rows in chunks of ``size``: ``ceil(rows / size)``."""
    return -(-rows // size) if rows > 0 else 0


@dataclass
class ChunkRun:
    """What :func:`run_chunks` did: the results of the jobs that ran, by index."""

    total: int
    results: dict[int, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.results) == self.total

    @property
    def not_started(self) -> list[int]:
        return [i for i in range(self.total) if i not in self.results]


def run_chunks(
    jobs: Sequence[Callable[[], Any]],
    *,
    concurrency: int,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> ChunkRun:
    """Run ``jobs`` in order, at most ``concurrency`` at a time, while time allows.

    A job is started when ``clock() + slowest <= deadline``, ``slowest`` being
    the longest job seen so far (0 before the first ends, so the first wave
    always starts and a retry always makes progress). Jobs run in a copy of
    the caller's context (the request's activity record sees their calls).

    :raises Exception: the first error a job raised, once the jobs in flight
        have ended; no job is started after an error.
    """
    run = ChunkRun(total=len(jobs))
    if not jobs:
        return run
    slowest = 0.0

    def timed(job: Callable[[], Any]) -> tuple[float, Any]:
        started = clock()
        value = job()
        return clock() - started, value

    def room() -> bool:
        return clock() + slowest <= deadline

    if concurrency <= 1:
        for index, job in enumerate(jobs):
            if index and not room():
                break
            took, run.results[index] = timed(job)
            slowest = max(slowest, took)
        return run

    error: BaseException | None = None
    pending: dict[Future, int] = {}
    following = 0
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="glpi-chunk") as pool:
        while True:
            while (
                error is None
                and following < len(jobs)
                and len(pending) < concurrency
                and (following < concurrency or room())
            ):
                context = contextvars.copy_context()
                future = pool.submit(context.run, timed, jobs[following])
                pending[future] = following
                following += 1
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                try:
                    took, run.results[index] = future.result()
                except Exception as exc:  # the first error wins; the others are its echoes
                    error = error or exc
                    continue
                slowest = max(slowest, took)
    if error is not None:
        raise error
    return run


def in_order(jobs: Sequence[Callable[[], T]], *, concurrency: int) -> Iterator[T]:
    """Start ``jobs``, at most ``concurrency`` at a time, and return an iterator of their
    results in order, each available as soon as it is done: the caller works on one
    result while the next jobs run (reads, which have no time budget).

    With ``concurrency`` above 1 the jobs start at once, before the first result is
    asked for; they run in a copy of the caller's context. A job's error is raised
    when its turn comes. ``close()`` (also after the last result, or an error)
    cancels the jobs not started and returns once those in flight have ended.
    """
    if concurrency <= 1 or len(jobs) <= 1:
        return (job() for job in jobs)
    return _InOrder(jobs, concurrency)


class _InOrder(Iterator[T]):
    """:func:`in_order` on a thread pool of its own."""

    def __init__(self, jobs: Sequence[Callable[[], T]], concurrency: int):
        self._pool = ThreadPoolExecutor(
            max_workers=min(concurrency, len(jobs)), thread_name_prefix="glpi-read"
        )
        self._futures = [self._pool.submit(contextvars.copy_context().run, job) for job in jobs]
        self._next = 0

    def __next__(self) -> T:
        if self._next >= len(self._futures):
            self.close()
            raise StopIteration
        future = self._futures[self._next]
        self._next += 1
        try:
            return future.result()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
