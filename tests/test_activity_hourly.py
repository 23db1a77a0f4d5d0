"""Requests per hour over the last day (issue 15 §5): the aggregation, both stores, the SVG."""

from __future__ import annotations

import re
import time

import pytest

from app.activity.hourly import HourCount
from app.activity.hourly import hour_starts
from app.activity.hourly import per_hour
from app.activity.store import Event
from app.activity.store import SqliteStore
from app.admin.chart import ERROR_COLOUR
from app.admin.chart import OK_COLOUR
from app.admin.chart import describe
from app.admin.chart import hourly_svg
from app.admin.chart import scale_top

#: 2026-12-04 10:30:00 UTC
NOW = 1796380200.0
H = 3600.0
CURRENT = NOW - 1800  # 10:00, the start of the current hour


def test_hours_are_the_24_clock_hours_ending_with_the_current_one():
    starts = hour_starts(NOW)
    assert len(starts) == 24 and starts[-1] == CURRENT and starts[0] == CURRENT - 23 * H
    assert hour_starts(CURRENT, 3) == [CURRENT - 2 * H, CURRENT - H, CURRENT]


@pytest.mark.parametrize(
    ("counts", "tenants", "expected"),
    [
        # nothing recorded: a configured tenant still gets 24 empty hours
        ([], ("a",), {"a": {}}),
        # one event now, one in the first hour, one just before it (left out), one in the future
        (
            [("a", NOW, 1, 0), ("a", CURRENT - 23 * H, 1, 1), ("a", CURRENT - 23 * H - 1, 1, 1),
             ("a", CURRENT + H, 1, 0)],
            (),
            {"a": {23: (1, 0), 0: (1, 1)}},
        ),
        # minute counters of one hour add up; tenants stay apart
        (
            [("a", CURRENT + 60 * m, 2, 1) for m in range(60)] + [("b", CURRENT - H, 5, 0)],
            ("a", "b", "c"),
            {"a": {23: (120, 60)}, "b": {22: (5, 0)}, "c": {}},
        ),
        # an hour's first and last second fall in that hour
        ([("a", CURRENT - H, 1, 0), ("a", CURRENT - 1, 1, 1)], (), {"a": {22: (2, 1)}}),
        # a tenant that is no longer configured still shows its activity
        ([("gone", NOW - 60, 3, 3)], ("a",), {"a": {}, "gone": {23: (3, 3)}}),
    ],
)
def test_per_hour(counts, tenants, expected):
    result = per_hour(counts, NOW, 24, tenants)
    assert set(result) == set(expected)
    for tenant, nonzero in expected.items():
        hours = result[tenant]
        assert [h.start for h in hours] == hour_starts(NOW)
        assert {i: (h.requests, h.errors) for i, h in enumerate(hours) if h.requests} == nonzero


def _events() -> list[Event]:
    """Two tenants over two days: what both stores must count the same way."""
    spec = [("a", NOW - 10, 200), ("a", NOW - 20, 409), ("a", CURRENT - 1, 201),
            ("a", CURRENT - 5 * H + 30, 503), ("b", CURRENT - 23 * H + 1, 200),
            ("b", CURRENT - 23 * H - 5, 500), ("a", NOW - 2 * 86400, 400)]
    return [Event(time=t, tenant=tenant, method="GET", path="/scim/v2/Users", status=status,
                  duration_ms=1.0) for tenant, t, status in spec]


EXPECTED = {"a": {23: (2, 1), 22: (1, 0), 18: (1, 1)}, "b": {0: (1, 0)}}


def _nonzero(result: dict[str, list[HourCount]]) -> dict:
    return {t: {i: (h.requests, h.errors) for i, h in enumerate(hs) if h.requests}
            for t, hs in result.items()}


def test_sqlite_store_counts_per_hour(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite", prune_every=10**6)
    for event in _events():
        store.add(event)
    assert _nonzero(store.hourly(NOW)) == EXPECTED
    assert _nonzero(store.hourly(NOW, tenants=("c",))) == {**EXPECTED, "c": {}}
    store.close()


def test_redis_store_counts_per_hour_like_sqlite(redis_url):
    import redis

    from app.activity.store import RedisStore

    store = RedisStore(redis.Redis.from_url(redis_url), key=f"hourly-{time.time_ns()}")
    for event in _events():
        store.add(event)
    assert _nonzero(store.hourly(NOW)) == EXPECTED


# -- the SVG -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("peak", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20),
                                           (50, 50), (51, 100), (4001, 5000)])
def test_scale_top_is_round(peak, top):
    assert scale_top(peak) == top


def _series(**by_index: tuple[int, int]) -> list[HourCount]:
    return [HourCount(s, *by_index.get(f"h{i}", (0, 0))) for i, s in enumerate(hour_starts(NOW))]


@pytest.mark.parametrize(
    ("series", "words", "red", "blue"),
    [
        (_series(), "No requests in the last 24 hours.", 0, 0),
        (_series(h23=(7, 2)), "7 requests, 2 of them errors, in the last 24 hours. "
         "Busiest hour: 10:00 UTC, with 7 requests and 2 errors.", 1, 1),
        (_series(h0=(40, 0), h23=(1, 1)), "41 requests, 1 of them errors, in the last 24 hours. "
         "Busiest hour: 11:00 UTC, with 40 requests and 0 errors.", 1, 1),
        (_series(h5=(3, 3)), None, 1, 0),  # only errors: no blue bar
    ],
)
def test_chart_says_in_words_and_colours_what_happened(series, words, red, blue):
    svg = str(hourly_svg(series, "contoso <&>", "hourly-1"))
    if words:
        assert describe(series) == words
        assert f'<desc id="hourly-1-desc">{words}</desc>' in svg
    assert 'role="img" aria-labelledby="hourly-1-title" aria-describedby="hourly-1-desc"' in svg
    assert "tenant contoso &lt;&amp;&gt;</title>" in svg  # escaped, never raw
    assert svg.count(f'fill="{ERROR_COLOUR}"') == red
    assert svg.count(f'fill="{OK_COLOUR}"') == blue
    assert len(re.findall(r"<g><title>\d\d:00 UTC: \d+ requests, \d+ errors</title>", svg)) == 24
    assert re.findall(r'font-size="12">(\d\d:00)</text>', svg) == [
        "11:00", "17:00", "23:00", "05:00", "10:00"]


def test_one_error_among_many_requests_is_still_visible():
    svg = str(hourly_svg(_series(h23=(4000, 1)), "t", "c"))
    height = float(re.search(r'class="error-bar"[^>]*height="([\d.]+)"', svg).group(1))
    assert height >= 3
