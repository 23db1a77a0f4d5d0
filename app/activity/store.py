"""Where provisioning activity is kept for the status page.

One :class:`Event` per SCIM request: what the IdP asked, what it touched,
the GLPI calls it took and how it ended. Events never hold secrets, request
bodies or attribute values, only names (``userName``/``displayName``),
ids, operation names and error details.

Two stores share one interface:

* :class:`SqliteStore` (the default): a local SQLite file in WAL mode, so
  every gunicorn worker on a host writes to and reads from the same file
  safely; retention is bounded by age and by count.
* :class:`RedisStore`: a capped Redis stream, so every replica's events are
  visible when Redis is configured.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from abc import ABC
from abc import abstractmethod
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from app.activity.hourly import HOUR
from app.activity.hourly import HourCount
from app.activity.hourly import per_hour
from app.ops.sqlite import WalFile


@dataclass
class Event:
    time: float
    tenant: str
    method: str
    path: str
    status: int
    duration_ms: float
    request_id: str = ""
    operation: str = ""  # "filter userName eq" or "PATCH add,replace"
    resource_type: str = ""
    resource_id: str = ""
    name: str = ""  # userName or displayName
    glpi_calls: int = 0
    glpi_endpoints: list[str] = field(default_factory=list)
    glpi_code: str = ""
    detail: str = ""
    id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status < 400


@dataclass(frozen=True)
class EventQuery:
    tenant: str | None = None
    name: str | None = None  # substring of userName/displayName
    result: str | None = None  # "ok" or "error"
    since: float | None = None
    until: float | None = None
    limit: int = 50
    before_id: int | None = None  # keyset paging: events older than this id


@dataclass
class TenantCounts:
    tenant: str
    requests_hour: int = 0
    errors_hour: int = 0
    requests_day: int = 0
    errors_day: int = 0


class ActivityStore(ABC):
    @abstractmethod
    def add(self, event: Event) -> None: ...

    @abstractmethod
    def query(self, q: EventQuery) -> list[Event]: ...

    @abstractmethod
    def get(self, event_id: int) -> Event | None: ...

    @abstractmethod
    def counts(self, now: float | None = None) -> dict[str, TenantCounts]: ...

    def last_errors(self, tenant: str, limit: int = 5) -> list[Event]:
        return self.query(EventQuery(tenant=tenant, result="error", limit=limit))

    def hourly(self, now: float | None = None, hours: int = 24,
               tenants: tuple[str, ...] = ()) -> dict[str, list[HourCount]]:
        """Requests and errors per clock hour of the last ``hours``, per tenant (the chart)."""
        now = time.time() if now is None else now
        since = (now // HOUR - hours + 1) * HOUR
        return per_hour(self.hour_counts(since), now, hours, tenants)

    @abstractmethod
    def hour_counts(self, since: float) -> list[tuple[str, float, int, int]]:
        """``(tenant, time, requests, errors)`` counts since ``since``, as finely as kept."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections."""


_COLUMNS = ("time", "tenant", "method", "path", "status", "duration_ms", "request_id", "operation",
            "resource_type", "resource_id", "name", "glpi_calls", "glpi_endpoints", "glpi_code", "detail")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL, tenant TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    status INTEGER NOT NULL, duration_ms REAL NOT NULL, request_id TEXT, operation TEXT,
    resource_type TEXT, resource_id TEXT, name TEXT, glpi_calls INTEGER, glpi_endpoints TEXT,
    glpi_code TEXT, detail TEXT
);
CREATE INDEX IF NOT EXISTS events_time ON events (time);
CREATE INDEX IF NOT EXISTS events_tenant_id ON events (tenant, id);
CREATE INDEX IF NOT EXISTS events_tenant_error ON events (tenant, status, id);
"""


class SqliteStore(ActivityStore):
    """SQLite in WAL mode; one connection per thread; pruned every ``prune_every`` inserts."""

    def __init__(self, path: str | Path, max_age_days: float = 30, max_events: int = 100_000,
                 prune_every: int = 500):
        self.path = str(path)
        self.max_age = max_age_days * 86400
        self.max_events = max_events
        self.prune_every = prune_every
        self._file = WalFile(self.path, synchronous="NORMAL", schema=_SCHEMA)
        self._inserts = 0
        self._lock = threading.Lock()
        self._conn()  # the activity store is made at start: a bad path is a start-up error

    def _conn(self) -> sqlite3.Connection:
        return self._file.connection()

    def add(self, event: Event) -> None:
        row = asdict(event)
        row["glpi_endpoints"] = json.dumps(event.glpi_endpoints[:50])
        row["detail"] = event.detail[:2000]
        values = [row[c] for c in _COLUMNS]
        self._conn().execute(
            f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", values)
        with self._lock:
            self._inserts += 1
            due = self._inserts % self.prune_every == 0
        if due:
            self.prune()

    def prune(self, now: float | None = None) -> None:
        """Drop events older than the age limit and beyond the count limit."""
        now = time.time() if now is None else now
        conn = self._conn()
        conn.execute("DELETE FROM events WHERE time < ?", (now - self.max_age,))
        conn.execute(
            "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (self.max_events,))

    def query(self, q: EventQuery) -> list[Event]:
        where, args = [], []
        if q.tenant:
            where.append("tenant = ?")
            args.append(q.tenant)
        if q.name:
            where.append("name LIKE ? ESCAPE '\\'")
            args.append("%" + q.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if q.result == "ok":
            where.append("status < 400")
        elif q.result == "error":
            where.append("status >= 400")
        if q.since is not None:
            where.append("time >= ?")
            args.append(q.since)
        if q.until is not None:
            where.append("time < ?")
            args.append(q.until)
        if q.before_id is not None:
            where.append("id < ?")
            args.append(q.before_id)
        sql = "SELECT id, " + ", ".join(_COLUMNS) + " FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(max(1, min(q.limit, 500)))
        return [self._event(row) for row in self._conn().execute(sql, args)]

    def get(self, event_id: int) -> Event | None:
        row = self._conn().execute(
            "SELECT id, " + ", ".join(_COLUMNS) + " FROM events WHERE id = ?", (event_id,)).fetchone()
        return self._event(row) if row else None

    def counts(self, now: float | None = None) -> dict[str, TenantCounts]:
        now = time.time() if now is None else now
        out: dict[str, TenantCounts] = {}
        sql = ("SELECT tenant, SUM(time >= ?), SUM(time >= ? AND status >= 400), COUNT(*), "
               "SUM(status >= 400) FROM events INDEXED BY events_time WHERE time >= ? GROUP BY tenant")
        for tenant, rh, eh, rd, ed in self._conn().execute(sql, (now - 3600, now - 3600, now - 86400)):
            out[tenant] = TenantCounts(tenant, int(rh or 0), int(eh or 0), int(rd or 0), int(ed or 0))
        return out

    def hour_counts(self, since: float) -> list[tuple[str, float, int, int]]:
        """One row per tenant and clock hour, counted by SQLite over the ``time`` index."""
        sql = ("SELECT tenant, CAST(time / 3600 AS INTEGER) AS hour, COUNT(*), SUM(status >= 400) "
               "FROM events INDEXED BY events_time WHERE time >= ? GROUP BY tenant, hour")
        return [(tenant, float(hour * HOUR), int(r), int(e or 0))
                for tenant, hour, r, e in self._conn().execute(sql, (since,))]

    @staticmethod
    def _event(row: tuple) -> Event:
        data = dict(zip(("id", *_COLUMNS), row, strict=True))
        data["glpi_endpoints"] = json.loads(data["glpi_endpoints"] or "[]")
        for key in ("request_id", "operation", "resource_type", "resource_id", "name", "glpi_code", "detail"):
            data[key] = data[key] or ""
        return Event(**data)

    def close(self) -> None:
        self._file.close()


class RedisStore(ActivityStore):
    """A capped Redis stream shared by every replica (``XADD ... MAXLEN ~ n``).

    Stream ids are mapped to integer event ids (milliseconds * 1000 +
    sequence) so the page can link to them like SQLite rows.
    """

    def __init__(self, client, key: str = "glpi-scim-bridge:activity", max_events: int = 100_000,
                 max_age_days: float = 30):
        self.redis = client
        self.key = key
        self.max_events = max_events
        self.max_age = max_age_days * 86400

    @staticmethod
    def _to_int(stream_id: bytes | str) -> int:
        ms, seq = (stream_id.decode() if isinstance(stream_id, bytes) else stream_id).split("-")
        return int(ms) * 1000 + int(seq)

    @staticmethod
    def _to_stream_id(event_id: int) -> str:
        return f"{event_id // 1000}-{event_id % 1000}"

    def add(self, event: Event) -> None:
        data = asdict(event)
        data.pop("id")
        data["detail"] = event.detail[:2000]
        minute = int(event.time // 60)
        counts_key = f"{self.key}:counts:{event.tenant}"
        pipe = self.redis.pipeline()
        pipe.xadd(self.key, {"e": json.dumps(data)}, maxlen=self.max_events, approximate=True)
        pipe.xtrim(self.key, minid=f"{int((time.time() - self.max_age) * 1000)}-0")
        pipe.hincrby(counts_key, f"{minute}:r", 1)
        if not event.ok:
            pipe.hincrby(counts_key, f"{minute}:e", 1)
        pipe.sadd(f"{self.key}:tenants", event.tenant)
        pipe.execute()

    def _event(self, stream_id, fields_: dict) -> Event:
        raw = fields_.get(b"e") or fields_.get("e")
        data = json.loads(raw)
        return Event(id=self._to_int(stream_id), **data)

    def query(self, q: EventQuery) -> list[Event]:
        top = "+" if q.before_id is None else "(" + self._to_stream_id(q.before_id)
        bottom = "-" if q.since is None else f"{int(q.since * 1000)}-0"
        out: list[Event] = []
        limit = max(1, min(q.limit, 500))
        while len(out) < limit:
            batch = self.redis.xrevrange(self.key, max=top, min=bottom, count=500)
            if not batch:
                break
            for stream_id, fields_ in batch:
                event = self._event(stream_id, fields_)
                if _matches(event, q):
                    out.append(event)
                    if len(out) == limit:
                        break
            top = "(" + (batch[-1][0].decode() if isinstance(batch[-1][0], bytes) else batch[-1][0])
        return out

    def get(self, event_id: int) -> Event | None:
        sid = self._to_stream_id(event_id)
        found = self.redis.xrange(self.key, min=sid, max=sid, count=1)
        return self._event(*found[0]) if found else None

    def counts(self, now: float | None = None) -> dict[str, TenantCounts]:
        """Per-minute counters per tenant (exact at any volume); older minutes are dropped."""
        now = time.time() if now is None else now
        hour, day = int((now - 3600) // 60), int((now - 86400) // 60)
        out: dict[str, TenantCounts] = {}
        for raw_tenant in self.redis.smembers(f"{self.key}:tenants"):
            tenant = raw_tenant.decode() if isinstance(raw_tenant, bytes) else raw_tenant
            counts_key = f"{self.key}:counts:{tenant}"
            c = TenantCounts(tenant)
            stale = []
            for raw_field, raw_value in self.redis.hgetall(counts_key).items():
                name = raw_field.decode() if isinstance(raw_field, bytes) else raw_field
                minute_s, kind = name.split(":")
                minute, value = int(minute_s), int(raw_value)
                if minute < day:
                    stale.append(name)
                    continue
                if kind == "r":
                    c.requests_day += value
                    c.requests_hour += value if minute >= hour else 0
                else:
                    c.errors_day += value
                    c.errors_hour += value if minute >= hour else 0
            if stale:
                self.redis.hdel(counts_key, *stale)
            out[tenant] = c
        return out


    def hour_counts(self, since: float) -> list[tuple[str, float, int, int]]:
        """The per-minute counters since ``since`` (at most 1,440 per tenant for a day)."""
        first = int(since // 60)
        out: list[tuple[str, float, int, int]] = []
        for raw_tenant in self.redis.smembers(f"{self.key}:tenants"):
            tenant = raw_tenant.decode() if isinstance(raw_tenant, bytes) else raw_tenant
            for raw_field, raw_value in self.redis.hgetall(f"{self.key}:counts:{tenant}").items():
                name = raw_field.decode() if isinstance(raw_field, bytes) else raw_field
                minute_s, kind = name.split(":")
                minute = int(minute_s)
                if minute >= first:
                    value = int(raw_value)
                    out.append((tenant, minute * 60.0, value if kind == "r" else 0,
                                value if kind == "e" else 0))
        return out


def _matches(event: Event, q: EventQuery) -> bool:
    if q.tenant and event.tenant != q.tenant:
        return False
    if q.name and q.name.lower() not in event.name.lower():
        return False
    if q.result == "ok" and not event.ok or q.result == "error" and event.ok:
        return False
    if q.until is not None and event.time >= q.until:
        return False
    return True
