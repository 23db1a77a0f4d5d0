"""Large groups against a REAL GLPI (the kit of ``../shared/glpi-real/``); prints tables.

    ./bench/run real --glpi 10          # GLPI 10.0.12 (``up 10``), about 5 minutes
    ./bench/run real --glpi 11
    ./bench/run real --glpi 10 --users 2000 --sizes 500,1000,1000,1000,2000   # a small run
    ./bench/run real --glpi 10 --get-only --reads 5   # only the GET of the whole group, 5 times

What runs: ``glpi-scim-bridge serve`` (gunicorn, the configuration's defaults, so
the tenant's ``groups.membership`` defaults too) in front of the real GLPI, which
serves the API through the kit's ``php -S`` (4 PHP workers). The GLPI is used as it
is: it may hold thousands of users and groups from other runs (the count is
printed). Nothing is dropped; everything the benchmark creates carries a unique
prefix and is purged at the end.

Setup and cleanup (not measured): the users are created through GLPI's own API
(array ``POST /User`` with a Self-Service profile in the root entity, 4 calls at a
time); the 10,000 ``Group_User`` rows of the group that is read are inserted with
SQL (MariaDB, the kit's credentials), since that workload measures the read. At the
end the benchmark's ``Group_User`` rows are deleted with SQL (GLPI purges a group's
rows one by one, about 11 rows/s: a 10,000-member group took 15 minutes), then its
groups and users are purged through the API.

Measured, through the bridge, each as the IdP sends it: ``PATCH`` adding 1,000
members to an empty group, adding 5,000 to another, removing 2,500 of those 5,000,
a ``PUT`` of a 5,000-member list (which adds 3,750 and removes 1,250 there), and
``GET`` of the 10,000-member group. A 429 (the time budget ran out) is retried as
Okta does, after ``Retry-After``; the table shows every attempt. GLPI calls are
read from the bridge's ``/metrics``; the rows in GLPI afterwards with SQL (and
their distinct users, which would show a duplicate).

Two comparisons with GLPI, for each workload:

* **GLPI busy**: the time during which at least one of the GLPI calls the bridge made
  for that request was in flight (the union of their intervals, from the bridge's own
  ``GLPI <method> <endpoint> -> <status> in <ms>`` debug lines, which end at the line's
  time stamp). "bridge / busy" is the bridge's time over GLPI's time **for the same
  calls**: what the bridge adds (parsing, planning, scheduling gaps, the answer).
* **GLPI alone**: GLPI doing only the rows of the workload (``Paired``), without the
  reads the bridge makes around them (the group, its rows, and the ``/search/User``
  that verifies every id to add, about 0.5 ms of GLPI time per id on 2 cores).
  "bridge / alone" is the stricter ratio.

The first table is GLPI's own rates, straight calls: ``POST /Group_User`` of 1,000
rows in one call, in chunks of 50 one at a time, and 4 at a time; ``DELETE`` of 1,000
rows 4 at a time; reading the 10,000 rows in pages of 1,000.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BIN  # noqa: E402
from bench.harness import GROUP_SCHEMA  # noqa: E402
from bench.harness import ROOT  # noqa: E402
from bench.harness import SCIM_TYPE  # noqa: E402
from bench.harness import _descendants  # noqa: E402
from bench.harness import free_port  # noqa: E402
from bench.harness import patch_body  # noqa: E402
from bench.harness import rss_mb  # noqa: E402
from bench.harness import stop  # noqa: E402
from bench.harness import table  # noqa: E402
from bench.harness import wait_http  # noqa: E402

KIT = ROOT.parent / "shared" / "glpi-real"
CHUNK, PARALLEL = 50, 4  # the defaults of groups.membership
HEADER = ["workload", "attempt", "status", "seconds", "GLPI calls", "GLPI busy s",
          "bridge / busy", "members in GLPI after", "distinct users", "GLPI alone s",
          "bridge / alone"]
#: The GLPI client's debug line for each call (``app/glpi/client/session.py``).
CALL_LINE = re.compile(r"^GLPI [A-Z]+ \S+ -> \d+ in ([0-9.]+) ms$")


def up(major: str) -> dict:
    """The kit's connection JSON (``up`` is idempotent: 0.2 s when GLPI runs)."""
    out = subprocess.run([str(KIT / "up"), major], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


class Glpi:
    """Direct GLPI API calls (one session per thread) and SQL, for setup and GLPI-alone figures."""

    def __init__(self, conn: dict):
        self.conn, self.url = conn, conn["url"]
        self._sessions: list[requests.Session] = []

    def session(self) -> requests.Session:
        sess = requests.Session()
        sess.headers["App-Token"] = self.conn["app_token"]
        token = sess.get(self.url + "/initSession", timeout=60, headers={
            "Authorization": "user_token " + self.conn["user_token"]}).json()["session_token"]
        sess.headers["Session-Token"] = token
        self._sessions.append(sess)
        return sess

    def close(self) -> None:
        for sess in self._sessions:
            try:
                sess.get(self.url + "/killSession", timeout=10)
            except requests.RequestException:
                pass

    def sql(self, query: str) -> list[list[str]]:
        c = self.conn
        out = subprocess.run(
            ["mysql", "-N", "-B", "-u", c["mysql_user"], f"-p{c['mysql_password']}",
             "-S", c["mysql_socket"], c["mysql_db"]],
            input=query, check=True, capture_output=True, text=True)
        return [line.split("\t") for line in out.stdout.splitlines()]

    def count(self, table_: str, where: str = "1") -> int:
        return int(self.sql(f"SELECT COUNT(*) FROM {table_} WHERE {where}")[0][0])

    def members(self, group_id: int) -> tuple[int, int]:
        row = self.sql("SELECT COUNT(*), COUNT(DISTINCT users_id) FROM glpi_groups_users "
                       f"WHERE groups_id = {int(group_id)}")[0]
        return int(row[0]), int(row[1])


def parallel(jobs: list[Callable[[], object]], width: int) -> list[object]:
    with ThreadPoolExecutor(width) as pool:
        return list(pool.map(lambda job: job(), jobs))


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def create_users(glpi: Glpi, prefix: str, count: int) -> list[int]:
    sessions = [glpi.session() for _ in range(PARALLEL)]
    pieces = chunks(list(range(count)), 250)

    def post(k: int) -> list[int]:
        body = {"input": [{"name": f"{prefix}-u{i}", "realname": f"Bench{i}", "is_active": 1,
                           "_profiles_id": 1, "_entities_id": 0, "_is_recursive": 0}
                          for i in pieces[k]]}
        answer = sessions[k % PARALLEL].post(glpi.url + "/User", json=body, timeout=600)
        return [item["id"] for item in answer.json() if item.get("id")]

    ids = [uid for part in parallel([lambda k=k: post(k) for k in range(len(pieces))], PARALLEL)
           for uid in part]
    if len(ids) != count:
        raise RuntimeError(f"GLPI created {len(ids)} of {count} users")
    return ids


def create_group(glpi: Glpi, sess: requests.Session, name: str) -> int:
    return sess.post(glpi.url + "/Group", json={"input": {"name": name, "entities_id": 0}},
                     timeout=60).json()["id"]


def purge(glpi: Glpi, itemtype: str, ids: list[int]) -> None:
    """Purge through the API, 100 at a time, 4 calls at once; a failed call is reported
    (the count of what is left is printed at the end), never fatal."""
    sessions = [glpi.session() for _ in range(PARALLEL)]
    pieces = chunks(ids, 100)

    def one(k: int) -> None:
        try:
            sessions[k % PARALLEL].delete(
                glpi.url + f"/{itemtype}/", timeout=600,
                json={"input": [{"id": i} for i in pieces[k]], "force_purge": True})
        except requests.RequestException as exc:
            print(f"cleanup: purging {len(pieces[k])} {itemtype} failed: {exc}")

    parallel([lambda k=k: one(k) for k in range(len(pieces))], PARALLEL)


def busy_seconds(log: Path, start: float, end: float) -> float:
    """Seconds of ``[start, end]`` (epoch) during which at least one GLPI call logged in
    ``log`` was in flight: the union of ``[stamp - duration, stamp]`` over the calls
    that ended within the window (the stamp is taken right after the answer)."""
    spans = []
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if '"GLPI ' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            found = CALL_LINE.match(str(entry.get("message", "")))
            if not found:
                continue
            stamp = datetime.fromisoformat(entry["ts"]).timestamp()
            if start <= stamp <= end + 0.001:
                spans.append((max(start, stamp - float(found.group(1)) / 1000), stamp))
    total, reach = 0.0, float("-inf")
    for low, high in sorted(spans):
        if high > reach:
            total += high - max(low, reach)
            reach = high
    return total


@contextmanager
def served_bridge(conn: dict, major: str) -> Iterator[tuple[str, str, subprocess.Popen, Path]]:
    """The served bridge, logging at DEBUG into a file (each GLPI call is a line there:
    :func:`busy_seconds`); yields ``(base URL, token, process, log path)``."""
    port, token = free_port(), secrets.token_urlsafe(24)
    workdir = tempfile.mkdtemp(prefix="gsb-bench-real-")
    config = Path(workdir) / "config.yaml"
    log = Path(workdir) / "bridge.log"
    config.write_text(
        f"server: {{bind: '127.0.0.1:{port}', max_body_bytes: 10485760}}\n"
        f"scim: {{max_results: 1000}}\n"
        f"logging: {{level: DEBUG}}\n"
        f"activity: {{path: '{workdir}/activity.sqlite'}}\n"
        f"tenants:\n  - name: bench\n    tokens: ['{token}']\n"
        f"    glpi: {{url: '{conn['url']}', app_token: '{conn['app_token']}', "
        f"user_token: '{conn['user_token']}', version: '{major}'}}\n")
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(BIN), "serve", "--config", str(config)], cwd=ROOT,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}", token, proc, log
    finally:
        stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


class Scim:
    def __init__(self, base: str, token: str, log: Path):
        self.base, self.log = base, log
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}", "Content-Type": SCIM_TYPE})

    def calls(self) -> float:
        text = self.http.get(self.base + "/metrics", timeout=30).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("glpi_calls_total{"))

    def send(self, method: str, path: str, body: dict | None = None,
             **params: str) -> requests.Response:
        return self.http.request(method, self.base + "/scim/v2" + path, json=body, params=params,
                                 timeout=600)


def measured(scim: Scim, glpi: Glpi, name: str, group_id: int, alone: float | None,
             send: Callable[[], requests.Response], rows: list[list[object]]) -> float:
    """Send until the answer is not 429 (waiting Retry-After as Okta does); one row per attempt.
    :return: the seconds of all attempts."""
    total, attempt = 0.0, 0
    while True:
        attempt += 1
        calls0 = scim.calls()
        t0, wall0 = time.perf_counter(), time.time()
        answer = send()
        took, wall1 = time.perf_counter() - t0, time.time()
        total += took
        time.sleep(0.2)  # let the workers' last log lines reach the file
        busy = busy_seconds(scim.log, wall0, wall1)
        count, distinct = glpi.members(group_id)
        ratio = total / alone if alone and answer.status_code != 429 else None
        rows.append([name, attempt, answer.status_code, took, int(scim.calls() - calls0), busy,
                     took / busy if busy else "", count, distinct,
                     alone if answer.status_code != 429 else "", ratio or ""])
        if answer.status_code != 429 or attempt >= 10:
            return total
        time.sleep(int(answer.headers.get("Retry-After", "1")))


def glpi_alone(glpi: Glpi, prefix: str, users: list[int]) -> list[list[object]]:
    """GLPI's own rates: 1,000 rows added in one call, in chunks one at a time, 4 at a time;
    deleted 4 at a time. Each into a group of its own (purged at the end)."""
    sessions = [glpi.session() for _ in range(PARALLEL)]
    rows, groups = [], []
    n = min(1000, len(users))

    def post(sess: requests.Session, gid: int, part: list[int]) -> None:
        sess.post(glpi.url + "/Group_User", timeout=600, json={"input": [
            {"users_id": u, "groups_id": gid, "is_dynamic": 0} for u in part]})

    for label, size, width in (("one call", n, 1), (f"chunks of {CHUNK}, serial", CHUNK, 1),
                               (f"chunks of {CHUNK}, {PARALLEL} at a time", CHUNK, PARALLEL)):
        gid = create_group(glpi, sessions[0], f"{prefix}-alone-{len(groups)}")
        groups.append(gid)
        parts = chunks(users[:n], size)
        t0 = time.perf_counter()
        parallel([lambda k=k, w=width, g=gid, p=parts: post(sessions[k % w], g, p[k])
                  for k in range(len(parts))], width)
        took = time.perf_counter() - t0
        rows.append([f"POST /Group_User, {n} rows, {label}", took, n / took,
                     glpi.members(gid)[0]])
    ids = [int(r[0]) for r in glpi.sql(
        f"SELECT id FROM glpi_groups_users WHERE groups_id = {groups[-1]}")]
    t0 = time.perf_counter()
    parallel([lambda part=part, k=k: sessions[k % PARALLEL].delete(
        glpi.url + "/Group_User/", timeout=600,
        json={"input": [{"id": i} for i in part], "force_purge": True})
        for k, part in enumerate(chunks(ids, CHUNK))], PARALLEL)
    took = time.perf_counter() - t0
    rows.append([f"DELETE /Group_User, {len(ids)} rows, chunks of {CHUNK}, {PARALLEL} at a time",
                 took, len(ids) / took, glpi.members(groups[-1])[0]])
    purge(glpi, "Group", groups)
    return rows


class Paired:
    """GLPI alone doing exactly the rows of the bridge's next workload, just before it.

    The same user ids, in chunks of ``CHUNK`` rows ``PARALLEL`` at a time, into a
    scratch group of its own: the machine's load moves within minutes, so a rate
    measured once at the start and scaled would compare the bridge with another
    moment's GLPI. Rows to delete are put in place with SQL (not timed).
    """

    def __init__(self, glpi: Glpi, prefix: str):
        self.glpi, self.prefix, self.made = glpi, prefix, 0
        self.sessions = [glpi.session() for _ in range(PARALLEL)]

    def _scratch(self) -> int:
        self.made += 1
        return create_group(self.glpi, self.sessions[0], f"{self.prefix}-paired-{self.made}")

    def _drop(self, gid: int) -> None:
        self.glpi.sql(f"DELETE FROM glpi_groups_users WHERE groups_id = {gid}")
        purge(self.glpi, "Group", [gid])

    def add(self, ids: list[int]) -> float:
        gid = self._scratch()
        parts = chunks(ids, CHUNK)
        t0 = time.perf_counter()
        parallel([lambda k=k: self.sessions[k % PARALLEL].post(
            self.glpi.url + "/Group_User", timeout=600, json={"input": [
                {"users_id": u, "groups_id": gid, "is_dynamic": 0} for u in parts[k]]})
            for k in range(len(parts))], PARALLEL)
        took = time.perf_counter() - t0
        self._drop(gid)
        return took

    def remove(self, ids: list[int]) -> float:
        if not ids:
            return 0.0
        gid = self._scratch()
        self.glpi.sql("INSERT INTO glpi_groups_users (users_id, groups_id, is_dynamic) VALUES "
                      + ",".join(f"({u},{gid},0)" for u in ids))
        rows = [int(r[0]) for r in self.glpi.sql(
            f"SELECT id FROM glpi_groups_users WHERE groups_id = {gid}")]
        t0 = time.perf_counter()
        parallel([lambda part=part, k=k: self.sessions[k % PARALLEL].delete(
            self.glpi.url + "/Group_User/", timeout=600,
            json={"input": [{"id": i} for i in part], "force_purge": True})
            for k, part in enumerate(chunks(rows, CHUNK))], PARALLEL)
        took = time.perf_counter() - t0
        self._drop(gid)
        return took


def read_alone(glpi: Glpi, group_id: int, members: int) -> float:
    sess = glpi.session()
    t0 = time.perf_counter()
    for start in range(0, members + 1, 1000):
        sess.get(glpi.url + f"/Group/{group_id}/Group_User", timeout=600,
                 params={"range": f"{start}-{start + 999}", "get_hateoas": "false"})
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run real", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--glpi", choices=["10", "11"], default="10")
    parser.add_argument("--users", type=int, default=10000,
                        help="users created (and purged); the GET group holds all of them")
    parser.add_argument("--sizes", default="1000,5000,2500,5000",
                        help="add, add, remove (of the second add), PUT list size")
    parser.add_argument("--get-only", action="store_true",
                        help="skip GLPI alone's writes and the PATCH/PUT workloads: only read "
                             "the group of every user")
    parser.add_argument("--reads", type=int, default=1,
                        help="how many times the whole group is read (one row each)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    add_small, add_big, remove, put = (int(x) for x in args.sizes.split(","))
    if not args.get_only and max(add_small, add_big + put // 2, args.users // 2) > args.users:
        parser.error("--users must cover the sizes")
    conn = up(args.glpi)
    glpi = Glpi(conn)
    prefix = "bench-" + secrets.token_hex(4)
    print(f"# Large groups on a real GLPI {conn['version']} ({conn['url']})\n\n"
          f"prefix {prefix}; GLPI holds {glpi.count('glpi_users')} users, "
          f"{glpi.count('glpi_groups')} groups, {glpi.count('glpi_groups_users')} memberships "
          f"before the run; load average {os.getloadavg()[0]:.1f}")
    users: list[int] = []
    groups: list[int] = []
    try:
        t0 = time.perf_counter()
        users = create_users(glpi, prefix, args.users)
        print(f"\nsetup: {len(users)} users created through the API in "
              f"{time.perf_counter() - t0:.0f} s")
        if not args.get_only:
            alone_rows = glpi_alone(glpi, prefix, users)
            print(table("GLPI alone (direct API calls, no bridge)",
                        ["calls", "seconds", "rows/s", "rows in GLPI after"], alone_rows))
        rows: list[list[object]] = []
        paired = Paired(glpi, prefix)
        label = "(GET only) " if args.get_only else ""
        with served_bridge(conn, args.glpi) as (base, token, proc, log):
            scim = Scim(base, token, log)

            def new_group(tag: str) -> int:
                answer = scim.send("POST", "/Groups", {"schemas": [GROUP_SCHEMA],
                                                       "displayName": f"{prefix}-{tag}"})
                groups.append(int(answer.json()["id"]))
                return groups[-1]

            def add(group_id: int, ids: list[int]) -> Callable[[], requests.Response]:
                return lambda: scim.send("PATCH", f"/Groups/{group_id}", patch_body({
                    "op": "add", "path": "members", "value": [{"value": str(u)} for u in ids]}))

            if not args.get_only:
                small, big = new_group("add-first"), new_group("add-second")
                measured(scim, glpi, f"PATCH add {add_small} members", small,
                         paired.add(users[:add_small]), add(small, users[:add_small]), rows)
                members = users[:add_big]
                measured(scim, glpi, f"PATCH add {add_big} members (another group)", big,
                         paired.add(members), add(big, members), rows)
                gone = members[:remove * 2:2]
                measured(scim, glpi, f"PATCH remove {len(gone)} members", big,
                         paired.remove(gone),
                         lambda: scim.send("PATCH", f"/Groups/{big}", patch_body({
                             "op": "remove", "path": "members",
                             "value": [{"value": str(u)} for u in gone]})), rows)
                current = set(members) - set(gone)
                wanted = users[add_big - put // 2: add_big - put // 2 + put]
                to_add = [u for u in wanted if u not in current]
                to_drop = sorted(current - set(wanted))
                measured(scim, glpi, f"PUT {put}-member list (+{len(to_add)} -{len(to_drop)})",
                         big,
                         paired.add(to_add) + paired.remove(to_drop),
                         lambda: scim.send("PUT", f"/Groups/{big}", {
                             "schemas": [GROUP_SCHEMA], "displayName": f"{prefix}-add-second",
                             "members": [{"value": str(u)} for u in wanted]}), rows)
            everyone = new_group("everyone")
            glpi.sql("INSERT INTO glpi_groups_users (users_id, groups_id, is_dynamic) VALUES "
                     + ",".join(f"({u},{everyone},0)" for u in users))
            for k in range(args.reads):
                alone = read_alone(glpi, everyone, len(users))
                read = f" (read {k + 1} of {args.reads})" if args.reads > 1 else ""
                measured(scim, glpi, f"GET group of {len(users)} members{read}", everyone, alone,
                         lambda: scim.send("GET", f"/Groups/{everyone}"), rows)
            measured(scim, glpi, "GET same, excludedAttributes=members", everyone, None,
                     lambda: scim.send("GET", f"/Groups/{everyone}",
                                       excludedAttributes="members"), rows)
            workers = [p for p in _descendants(proc.pid) if p != proc.pid]
            rss = max(rss_mb(p) for p in workers)
        title = f"Through the bridge (chunks of {CHUNK}, {PARALLEL} at a time, budget 45 s)"
        print(table(label + title, HEADER, rows))
        print(f"\nlargest gunicorn worker RSS after the GET: {rss:.1f} MB")
    finally:
        t0 = time.perf_counter()
        if groups:
            # GLPI purges a group's rows one by one (about 11 rows/s here: the 10,000-member
            # group took 15 minutes); the benchmark's own rows go with SQL, then the groups.
            glpi.sql("DELETE FROM glpi_groups_users WHERE groups_id IN ("
                     + ",".join(str(g) for g in groups) + ")")
            purge(glpi, "Group", groups)
        if users:
            purge(glpi, "User", users)
        left = glpi.count("glpi_users", f"name LIKE '{prefix}-%'")
        print(f"\ncleanup: purged {len(groups)} groups and {len(users)} users in "
              f"{time.perf_counter() - t0:.0f} s ({left} left)")
        glpi.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
