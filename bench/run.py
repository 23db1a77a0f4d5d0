"""Benchmarks of the served bridge; prints Markdown tables.

Run from a clone (see docs/performance.md)::

    ./bench/run                 # full run: 0 ms and 20 ms GLPI latency
    ./bench/run --quick         # a smaller run, a few minutes
    ./bench/run --load          # only the load test: 64 clients for 60 s, mixed workload
    ./bench/run real --glpi 10  # large groups against the real GLPI kit (bench/real_groups.py)

Each workload runs against a fresh simulator and a fresh gunicorn bridge.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import GROUP_SCHEMA  # noqa: E402
from bench.harness import Bridge  # noqa: E402
from bench.harness import patch_body  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.harness import rss_mb  # noqa: E402
from bench.harness import running_bridge  # noqa: E402
from bench.harness import table  # noqa: E402
from bench.harness import user_body  # noqa: E402


class Phase:
    """Times a set of SCIM operations of one type and counts GLPI calls and CPU."""

    def __init__(self, bridge: Bridge, name: str):
        self.bridge, self.name = bridge, name
        self.latencies: list[float] = []
        self.errors = 0

    def __enter__(self) -> Phase:
        self.calls0 = self.bridge.glpi_calls()
        self.cpu0 = self.bridge.bridge_cpu()
        self.t0 = time.perf_counter()
        return self

    def op(self, fn: Callable[[], requests.Response], ok: tuple[int, ...] = (200, 201, 204)) -> requests.Response:
        start = time.perf_counter()
        response = fn()
        self.latencies.append(time.perf_counter() - start)
        if response.status_code not in ok:
            self.errors += 1
        return response

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = self.bridge.bridge_cpu() - self.cpu0
        self.calls = self.bridge.glpi_calls() - self.calls0

    def row(self) -> list[object]:
        n = max(1, len(self.latencies))
        return [self.name, len(self.latencies), self.errors, self.calls / n, self.cpu / n * 1000,
                statistics.median(self.latencies) * 1000 if self.latencies else 0.0,
                percentile(self.latencies, 99) * 1000]


PHASE_HEADER = ["operation", "ops", "errors", "GLPI calls/op", "bridge CPU ms/op", "p50 ms", "p99 ms"]


def glpi_session(bridge: Bridge) -> requests.Session:
    """A session on the simulator's own API, to seed data as an admin would."""
    sess = requests.Session()
    sess.headers["App-Token"] = bridge.app_token
    token = sess.get(bridge.sim_url + "/initSession",
                     headers={"Authorization": f"user_token {bridge.user_token}"}, timeout=30).json()
    sess.headers["Session-Token"] = token["session_token"]
    return sess


def seed_users(bridge: Bridge, count: int, prefix: str) -> list[int]:
    """Create ``count`` users in entity 0 through GLPI's array POST, 1,000 at a time."""
    sess, ids = glpi_session(bridge), []
    for start in range(0, count, 1000):
        batch = [{"name": f"{prefix}{i}", "realname": f"Seed{i}", "firstname": "Bench", "is_active": 1,
                  "_profiles_id": 1, "_entities_id": 0, "_is_recursive": 0}
                 for i in range(start, min(count, start + 1000))]
        answer = sess.post(bridge.sim_url + "/User", json={"input": batch}, timeout=600).json()
        ids.extend(item["id"] for item in answer)
    return ids


def entra_cycle(bridge: Bridge, users: int) -> tuple[list[Phase], list[str]]:
    phases, ids = [], []
    with Phase(bridge, "Entra: filter userName eq (miss)") as p:
        for i in range(users):
            p.op(lambda i=i: bridge.request("GET", "/Users", params={
                "filter": f'userName eq "entra.user{i}@example.com"'}))
    phases.append(p)
    with Phase(bridge, "Entra: POST /Users") as p:
        for i in range(users):
            r = p.op(lambda i=i: bridge.request("POST", "/Users", json=user_body(i, "entra")))
            if r.status_code == 201:
                ids.append(r.json()["id"])
    phases.append(p)
    with Phase(bridge, "Entra: filter userName eq (hit)") as p:
        for i in range(users):
            p.op(lambda i=i: bridge.request("GET", "/Users", params={
                "filter": f'userName eq "entra.user{i}@example.com"'}))
    phases.append(p)
    group_ids = []
    with Phase(bridge, "Entra: POST /Groups (empty)") as p:
        for g in range(max(1, users // 50)):
            r = p.op(lambda g=g: bridge.request("POST", "/Groups", json={
                "schemas": [GROUP_SCHEMA], "displayName": f"Entra group {g}"}))
            if r.status_code == 201:
                group_ids.append(r.json()["id"])
    phases.append(p)
    with Phase(bridge, "Entra: PATCH add 10 members") as p:
        for gi, gid in enumerate(group_ids):
            members = ids[gi * 10 % max(1, len(ids)):][:10]
            p.op(lambda gid=gid, m=members: bridge.request("PATCH", f"/Groups/{gid}", json=patch_body(
                {"op": "Add", "path": "members", "value": [{"value": v} for v in m]})))
    phases.append(p)
    with Phase(bridge, "Entra: PATCH replace displayName") as p:
        for uid in ids:
            p.op(lambda uid=uid: bridge.request("PATCH", f"/Users/{uid}", json=patch_body(
                {"op": "Replace", "path": "displayName", "value": "Renamed"})))
    phases.append(p)
    with Phase(bridge, "Entra: PATCH active False") as p:
        for uid in ids:
            p.op(lambda uid=uid: bridge.request("PATCH", f"/Users/{uid}", json=patch_body(
                {"op": "Replace", "path": "active", "value": "False"})))
    phases.append(p)
    return phases, ids


def okta_flows(bridge: Bridge, ids: list[str]) -> list[Phase]:
    with Phase(bridge, "Okta: list page count=100") as listing:
        start = 1
        while True:
            r = listing.op(lambda s=start: bridge.request("GET", "/Users", params={"startIndex": s, "count": 100}))
            body = r.json() if r.status_code == 200 else {}
            start += 100
            if start > body.get("totalResults", 0):
                break
    with Phase(bridge, "Okta AIW: GET /Users/{id}") as gets:
        resources = [gets.op(lambda uid=uid: bridge.request("GET", f"/Users/{uid}")).json() for uid in ids]
    with Phase(bridge, "Okta AIW: PUT whole user") as puts:
        for res in resources:
            res["name"]["familyName"] = res["name"].get("familyName", "") + "-okta"
            puts.op(lambda res=res: bridge.request("PUT", f"/Users/{res['id']}", json=res))
    return [listing, gets, puts]


def large_group(bridge: Bridge, size: int) -> list[list[object]]:
    """Add ``size`` members in one PATCH, remove half, GET with and without members.

    Each row also counts the members GLPI holds afterwards (read through the
    bridge, untimed), so a fast answer that stored nothing would show.
    """
    ids = [str(i) for i in seed_users(bridge, size, "lg.member")]
    gid = bridge.request("POST", "/Groups", json={"schemas": [GROUP_SCHEMA],
                                                   "displayName": "Large"}).json()["id"]
    rows = []

    def members() -> int:
        return len(bridge.request("GET", f"/Groups/{gid}").json().get("members", []))

    def timed(name: str, method: str, path: str, **kw) -> None:
        calls0, t0 = bridge.glpi_calls(), time.perf_counter()
        r = bridge.request(method, path, **kw)
        wall, calls = time.perf_counter() - t0, bridge.glpi_calls() - calls0
        shown = len(r.json().get("members", [])) if method == "GET" and r.status_code == 200 else ""
        rows.append([name, r.status_code, wall, calls, members(), shown])

    timed(f"PATCH add {size} members", "PATCH", f"/Groups/{gid}", json=patch_body(
        {"op": "add", "path": "members", "value": [{"value": v} for v in ids]}))
    half = ids[: size // 2]
    timed(f"PATCH remove {len(half)} members", "PATCH", f"/Groups/{gid}", json=patch_body(
        {"op": "remove", "path": "members", "value": [{"value": v} for v in half]}))
    timed("GET group with members", "GET", f"/Groups/{gid}")
    timed("GET group excludedAttributes=members", "GET", f"/Groups/{gid}",
          params={"excludedAttributes": "members"})
    return rows


LARGE_GROUP_HEADER = ["operation", "status", "seconds", "GLPI calls", "members in GLPI after",
                      "members in the answer"]


def listing_100k(bridge: Bridge, count: int) -> list[list[object]]:
    seed_users(bridge, count, "big")
    calls0, t0 = bridge.glpi_calls(), time.perf_counter()
    start, pages = 1, 0
    while True:
        r = bridge.request("GET", "/Users", params={"startIndex": start, "count": 1000})
        pages += 1
        total = r.json().get("totalResults", 0) if r.status_code == 200 else 0
        start += 1000
        if start > total:
            break
    wall = time.perf_counter() - t0
    rss = max((rss_mb(p) for p in bridge.worker_pids()), default=0.0)
    return [[f"list {total} users, count=1000", pages, wall, bridge.glpi_calls() - calls0, rss]]


def mixed_load(bridge: Bridge, ids: list[str], concurrency: int, seconds: float) -> list[object]:
    """Entra/Okta-like mix: GET by id, filter eq, PATCH, list page.

    :returns: concurrency, ops, errors, ops/s, p50 and p99 ms, then CPU ms
        per op of the bridge, of the simulator and of this load generator
        (the three share the box's cores).
    """
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds

    def worker(k: int) -> None:
        i = k
        while time.monotonic() < deadline:
            uid = ids[i % len(ids)]
            kind = i % 4
            t0 = time.perf_counter()
            try:
                r = _mixed_op(bridge, kind, uid, i % len(ids), i)
                failed = r.status_code >= 400
            except requests.RequestException:
                failed = True
            latencies.append(time.perf_counter() - t0)
            if failed:
                errors[0] += 1
            i += concurrency

    cpu0, sim0, own0 = bridge.bridge_cpu(), bridge.sim_cpu(), time.process_time()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    wall = time.perf_counter() - t0
    n = max(1, len(latencies))
    return [concurrency, len(latencies), errors[0], len(latencies) / wall,
            percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000,
            (bridge.bridge_cpu() - cpu0) / n * 1000, (bridge.sim_cpu() - sim0) / n * 1000,
            (time.process_time() - own0) / n * 1000]


MIXED_HEADER = ["concurrency", "ops", "errors", "ops/s", "p50 ms", "p99 ms",
                "bridge CPU ms/op", "simulator CPU ms/op", "load generator CPU ms/op"]


def _mixed_op(bridge: Bridge, kind: int, uid: str, n: int, i: int) -> requests.Response:
    if kind == 0:
        return bridge.request("GET", f"/Users/{uid}")
    if kind == 1:
        return bridge.request("GET", "/Users", params={
            "filter": f'userName eq "entra.user{n}@example.com"'})
    if kind == 2:
        return bridge.request("PATCH", f"/Users/{uid}", json=patch_body(
            {"op": "replace", "path": "title", "value": f"T{i % 7}"}))
    return bridge.request("GET", "/Users", params={"startIndex": 1 + i % 50, "count": 10})


def create_users(bridge: Bridge, count: int, concurrency: int = 8) -> list[str]:
    """POST ``count`` Entra-like users through the bridge; return their ids in order."""
    def one(i: int) -> str:
        r = bridge.request("POST", "/Users", json=user_body(i, "entra"))
        if r.status_code != 201:
            raise RuntimeError(f"POST /Users answered {r.status_code}: {r.text[:200]}")
        return r.json()["id"]

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(count)))


def load_test(latency: float, users: int, clients: int, seconds: float, workers: int | None,
              threads: int | None) -> None:
    """Issue 8 item 6: ``clients`` concurrent clients for ``seconds`` with the mixed workload."""
    with running_bridge(latency_ms=latency, workers=workers, threads=threads) as bridge:
        ids = create_users(bridge, users)
        mixed_load(bridge, ids, clients, min(5.0, seconds))  # warm-up: sessions, caches, pools
        row = mixed_load(bridge, ids, clients, seconds)
    p50, p99 = row[4], row[5]
    print(table(f"Load: {clients} clients for {seconds:g} s, {latency:g} ms GLPI latency, "
                f"{users} users", MIXED_HEADER, [row]))
    print(f"\nerrors: {row[2]} (target 0); p99/p50 = {p99 / max(p50, 1e-9):.1f} (target ≤ 10): "
          f"{'met' if row[2] == 0 and p99 <= 10 * p50 else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["real"]:
        from bench import real_groups

        return real_groups.main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--load", action="store_true",
                        help="only the load test: --clients clients for --load-seconds")
    parser.add_argument("--latencies", default="0,20", help="GLPI latencies in ms, comma-separated")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="duration of each load step")
    parser.add_argument("--big", type=int, default=None, help="users for the listing workload")
    parser.add_argument("--group-size", type=int, default=5000)
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--clients", type=int, default=64, help="clients of the load test")
    parser.add_argument("--load-seconds", type=float, default=60.0, help="duration of the load test")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: the configuration's default)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: the configuration's default)")
    parser.add_argument("--events", type=int, default=100_000,
                        help="events for the status page queries")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    users = args.users or (200 if args.quick else 1000)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    big = args.big or (20000 if args.quick else 100000)
    latencies = [float(x) for x in args.latencies.split(",")]
    sizing = {"workers": args.workers, "threads": args.threads}
    print(f"# glpi-scim-bridge benchmark\n\n{machine()}\n\nbridge: {_sizing(sizing)}; "
          f"users={users}, group size={args.group_size}, listing={big}")
    if args.load:
        for latency in latencies:
            load_test(latency, users if args.users else 500, args.clients, args.load_seconds,
                      **sizing)
        return 0
    for latency in latencies:
        print(f"\n## GLPI latency {latency:g} ms per call")
        with running_bridge(latency_ms=latency, **sizing) as bridge:
            phases, ids = entra_cycle(bridge, users)
            phases += okta_flows(bridge, ids)
            print(table("Per operation", PHASE_HEADER, [p.row() for p in phases]))
            entra = [p for p in phases if p.name.startswith("Entra")]
            cpu = statistics.median(p.cpu / max(1, len(p.latencies)) * 1000 for p in entra)
            print(f"\nMedian bridge CPU per Entra-like operation: {cpu:.2f} ms (target ≤ 1 ms)")
            rows = [mixed_load(bridge, ids, int(c), seconds) for c in args.concurrency.split(",")]
            print(table("Mixed load (GET id, filter eq, PATCH, list page)", MIXED_HEADER, rows))
            rss = [round(rss_mb(pid), 1) for pid in bridge.worker_pids()]
            print(f"\nRSS per worker after the mixed load: {rss} MB")
        with running_bridge(latency_ms=latency, **sizing) as bridge:
            print(table("Large group", LARGE_GROUP_HEADER, large_group(bridge, args.group_size)))
        if latency == 0:
            with running_bridge(latency_ms=latency, **sizing) as bridge:
                print(table("Listing", ["workload", "pages", "seconds", "GLPI calls",
                                        "max worker RSS MB"], listing_100k(bridge, big)))
    if not args.quick:
        load_test(0.0, 500, args.clients, args.load_seconds, **sizing)
    from bench import activity

    activity.main(["--events", str(args.events)])
    return 0


def machine() -> str:
    """nproc, the CPU model and Python's version (for docs/performance.md)."""
    import os

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"machine: {len(os.sched_getaffinity(0))} CPUs ({model}), {platform.machine()}, "
            f"Python {platform.python_version()}")


def _sizing(sizing: dict) -> str:
    given = [f"{k}={v}" for k, v in sizing.items() if v]
    return ", ".join(given) if given else "gunicorn workers and threads from the configuration's defaults"


if __name__ == "__main__":
    sys.exit(main())
