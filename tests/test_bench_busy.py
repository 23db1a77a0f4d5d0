"""``bench/real_groups.busy_seconds``: GLPI's busy time on the bridge's own calls, read
from the client's debug lines (the "bridge / busy" ratio of docs/performance.md)."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import pytest

from bench.real_groups import busy_seconds

T0 = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC).timestamp()


def _line(end: float, ms: float, message: str | None = None) -> str:
    """One JSON log line as ``app/ops/logs.py`` writes it, stamped ``end`` (epoch)."""
    stamp = datetime.fromtimestamp(end, tz=UTC).isoformat(timespec="milliseconds")
    text = message or f"GLPI GET /search/User -> 200 in {ms:.1f} ms"
    return json.dumps({"ts": stamp, "level": "DEBUG", "logger": "app.glpi.client.session",
                       "message": text})


@pytest.mark.parametrize(
    ("calls", "window", "busy"),
    [
        # one call of 500 ms ending at +1 s
        ([(1.0, 500)], (0.0, 2.0), 0.5),
        # two calls one after the other: their sum
        ([(1.0, 500), (2.0, 300)], (0.0, 3.0), 0.8),
        # four calls in flight together count once: the union of their intervals
        ([(1.0, 1000), (1.0, 1000), (1.1, 900), (1.2, 1000)], (0.0, 2.0), 1.2),
        # one call inside another
        ([(2.0, 2000), (1.5, 200)], (0.0, 3.0), 2.0),
        # a call that ended before the window, or after it, is another request's
        ([(0.5, 400), (1.0, 200), (5.0, 100)], (0.6, 2.0), 0.2),
        # a call that started before the window counts from the window's start
        ([(1.0, 800)], (0.5, 2.0), 0.5),
        # nothing logged
        ([], (0.0, 2.0), 0.0),
    ],
)
def test_busy_time_is_the_union_of_the_calls_in_the_window(tmp_path, calls, window, busy):
    log = tmp_path / "bridge.log"
    lines = [_line(T0 + end, ms) for end, ms in calls]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert busy_seconds(log, T0 + window[0], T0 + window[1]) == pytest.approx(busy, abs=0.002)


def test_other_lines_are_not_calls(tmp_path):
    log = tmp_path / "bridge.log"
    log.write_text("\n".join([
        "not json at all, from gunicorn",
        _line(T0 + 1.0, 0, "GLPI session started for tenant bench"),
        _line(T0 + 1.0, 0, "GLPI GET /search/User: HTTP 503; retrying"),
        json.dumps({"ts": "x", "message": "access line with GLPI in it"}),
        _line(T0 + 1.0, 250),
    ]) + "\n", encoding="utf-8")
    assert busy_seconds(log, T0, T0 + 2.0) == pytest.approx(0.25, abs=0.002)
