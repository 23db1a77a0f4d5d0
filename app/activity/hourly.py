"""Requests per hour over the last day, per tenant: the status page's chart.

:func:`per_hour` is the one aggregation, a pure function. Each store feeds it
what it already keeps, counted close to the data:

* :class:`~app.activity.store.SqliteStore`: one ``GROUP BY tenant, hour``
  over the events of the last day (the ``time`` index bounds the scan);
* :class:`~app.activity.store.RedisStore`: its per-minute counters.

So the input is a list of *counts* at a time (``(tenant, time, requests,
errors)``), not events: an hour's worth of minute counters, a SQL group or
a single event all fit. Hours are clock hours in UTC: the last one is the
current, partial hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HOUR = 3600


@dataclass(frozen=True)
class HourCount:
    """One bar: the hour starting at ``start`` (epoch seconds, UTC), its requests and errors."""

    start: float
    requests: int = 0
    errors: int = 0


def hour_starts(now: float, hours: int = 24) -> list[float]:
    """The starts of the ``hours`` clock hours ending with the current one, oldest first."""
    current = int(now // HOUR) * HOUR
    return [float(current - (hours - 1 - i) * HOUR) for i in range(hours)]


def per_hour(
    counts: Iterable[tuple[str, float, int, int]],
    now: float,
    hours: int = 24,
    tenants: Iterable[str] = (),
) -> dict[str, list[HourCount]]:
    """Sum ``(tenant, time, requests, errors)`` counts into ``hours`` hourly bars per tenant.

    Counts before the first hour or after the current one are left out.
    Every tenant in ``tenants`` gets its bars even without any count (all
    zero), so that a quiet tenant shows an empty chart, not none.
    """
    starts = hour_starts(now, hours)
    first, end = starts[0], starts[-1] + HOUR
    totals: dict[str, list[list[int]]] = {t: [[0, 0] for _ in starts] for t in tenants}
    for tenant, at, requests, errors in counts:
        if not first <= at < end:
            continue
        slot = totals.setdefault(tenant, [[0, 0] for _ in starts])[int((at - first) // HOUR)]
        slot[0] += int(requests)
        slot[1] += int(errors)
    return {
        tenant: [HourCount(start, r, e) for start, (r, e) in zip(starts, slots, strict=True)]
        for tenant, slots in totals.items()
    }
