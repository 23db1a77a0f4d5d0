"""The status page's queries over 100,000 stored events (SQLite store).

    .venv/bin/python -m bench.activity [--events 100000]

Fills a fresh store, then times what the page runs: the dashboard counts and
last errors per tenant, the first and a deep page of the activity list, the
filters, an event's detail, a whole rendered activity page, and the
dashboard's chart of requests per hour (with the events spread over 20 days,
and with all of them in the last day, its worst case).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.activity.store import Event  # noqa: E402
from app.activity.store import EventQuery  # noqa: E402
from app.activity.store import SqliteStore  # noqa: E402
from app.admin.chart import hourly_svg  # noqa: E402
from bench.harness import table  # noqa: E402


def fill(store: SqliteStore, count: int, days: float = 20) -> None:
    """Insert ``count`` events spread over the last ``days`` days, 3 tenants, 5% errors."""
    now, rng = time.time(), random.Random(7)
    conn = store._conn()
    conn.execute("BEGIN")
    for i in range(count):
        status = rng.choice([400, 409, 503]) if rng.random() < 0.05 else rng.choice([200, 201, 204])
        store.add(Event(time=now - (count - i) * (days * 86400 / count), tenant=f"tenant{i % 3}",
                        method=rng.choice(["GET", "POST", "PATCH"]), path="/scim/v2/Users",
                        status=status, duration_ms=rng.random() * 50, operation="filter userName eq",
                        resource_type="User", resource_id=str(i), name=f"user{i}@example.com",
                        glpi_calls=1, glpi_endpoints=["GET /search/User 200"],
                        detail="" if status < 400 else "A user with userName ... already exists"))
    conn.execute("COMMIT")


def timed(fn, repeat: int = 20) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def render_page(store: SqliteStore) -> None:
    """Render the real /admin/activity page through Flask, logged in."""
    from flask import Flask
    from flask import session

    from app.admin.views import activity

    app = Flask("bench", template_folder=str(Path(__file__).resolve().parent.parent / "app/admin/templates"))
    app.secret_key = "x" * 40
    app.config["BRIDGE"] = {"admin": {"username": "admin", "docs_url": None}}
    app.extensions["activity"] = store
    app.extensions["tenants"] = type("R", (), {"tenants": {"tenant0": None, "tenant1": None, "tenant2": None}})()
    from app.admin.views import bp

    app.register_blueprint(bp)
    with app.test_request_context("/admin/activity?result=error"):
        session["admin"] = "admin"
        activity.__wrapped__()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "activity.sqlite", max_events=args.events * 2,
                            prune_every=10**9)
        t0 = time.perf_counter()
        fill(store, args.events)
        fill_s = time.perf_counter() - t0
        middle = store.query(EventQuery(limit=1))[0].id - args.events // 2
        rows = [
            ["insert (per event)", fill_s / args.events * 1000],
            ["dashboard counts (all tenants)", timed(lambda: store.counts())],
            ["last 5 errors of a tenant", timed(lambda: store.last_errors("tenant1", 5))],
            ["activity page 1", timed(lambda: store.query(EventQuery(limit=50)))],
            ["activity page at the middle (keyset)",
             timed(lambda: store.query(EventQuery(limit=50, before_id=middle)))],
            ["filter tenant + errors", timed(lambda: store.query(EventQuery(tenant="tenant2", result="error")))],
            ["filter name substring", timed(lambda: store.query(EventQuery(name="user4242")), repeat=5)],
            ["filter last hour", timed(lambda: store.query(EventQuery(since=time.time() - 3600)))],
            ["event detail", timed(lambda: store.get(middle))],
            ["rendered activity page (errors)", timed(lambda: render_page(store), repeat=5)],
            ["chart: requests per hour, all tenants", timed(lambda: store.hourly(), repeat=10)],
            ["chart: SVG of one tenant",
             timed(lambda: hourly_svg(store.hourly()["tenant0"], "tenant0", "c"), repeat=10)],
        ]
        day = SqliteStore(Path(tmp) / "day.sqlite", max_events=args.events * 2, prune_every=10**9)
        fill(day, args.events, days=0.99)
        rows.append(["chart: requests per hour, all events in the last day",
                     timed(lambda: day.hourly(), repeat=10)])
        print(table(f"Status page queries over {args.events:,} events (median ms)",
                    ["query", "ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
