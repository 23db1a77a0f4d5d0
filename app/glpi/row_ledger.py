"""Which ``Profile_User`` rows the profile rules created: the ledger.

Issue 6 asks that profile rules remove "only the rows [the bridge] created"
and "never touch rows it did not create". GLPI cannot tell: ``Profile_User``
has no author, no comment and no date (glpi-api.md §4.4), and a row made by
hand can be identical, column for column, to one the bridge made. So the
bridge writes down the id of every row a rule made, and only ever removes
rows whose id it wrote down. This is the one piece of state the bridge keeps
that GLPI cannot hold; it never answers a read, and GLPI stays the truth for
what rows exist (an entry whose row is gone or changed in GLPI is dropped).

The ledger is written ahead: before asking GLPI for rows, the bridge notes an
**intent** per target, with a *watermark*, the highest ``Profile_User`` id it
had just read for the user. GLPI ids only grow, so if GLPI's answer is lost
(a timeout after the write landed, a crash), the next sync finds the row the
bridge made among the user's unrecorded rows of that target above the
watermark, and claims it; if there is none, the write did not land and the
intent is dropped.

Two stores share one interface, like the activity store:

* :class:`SqliteLedger`: a SQLite file in WAL mode (``ledger.path``), safe
  for every gunicorn worker of one host;
* :class:`RedisLedger`: two Redis hashes per user (when ``redis.url`` is
  set), shared by every replica. Redis must then persist its data.

Entries are keyed by tenant and GLPI user id, so one tenant never removes a
row another tenant's rules made.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import wraps
from pathlib import Path
from typing import Any

import redis

from app.scim.errors import UnavailableError

#: (profiles_id, entities_id, is_recursive) of a ``Profile_User`` row.
Target = tuple[int, int, bool]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS profile_rows (
    tenant       TEXT    NOT NULL,
    user_id      INTEGER NOT NULL,
    row_id       INTEGER NOT NULL,
    profiles_id  INTEGER NOT NULL,
    entities_id  INTEGER NOT NULL,
    is_recursive INTEGER NOT NULL,
    PRIMARY KEY (tenant, row_id)
);
CREATE INDEX IF NOT EXISTS profile_rows_user ON profile_rows (tenant, user_id);
CREATE TABLE IF NOT EXISTS profile_row_intents (
    tenant       TEXT    NOT NULL,
    user_id      INTEGER NOT NULL,
    profiles_id  INTEGER NOT NULL,
    entities_id  INTEGER NOT NULL,
    is_recursive INTEGER NOT NULL,
    watermark    INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_id, profiles_id, entities_id, is_recursive)
);
"""


@dataclass(frozen=True)
class Entries:
    """What the ledger holds for one user of one tenant.

    :ivar rows: row id → target, for the rows the rules created.
    :ivar intents: target → watermark, for rows asked of GLPI whose id is not known yet.
    """

    rows: dict[int, Target] = field(default_factory=dict)
    intents: dict[Target, int] = field(default_factory=dict)


def _target(profile: Any, entity: Any, recursive: Any) -> Target:
    return int(profile), int(entity), bool(int(recursive))


def _unavailable(method: Callable[..., Any]) -> Callable[..., Any]:
    """A ledger that cannot be read or written is a 503: the IdP retries, nothing is guessed."""

    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (sqlite3.Error, OSError, redis.RedisError) as exc:
            raise UnavailableError("The bridge's profile-row ledger is unavailable.") from exc

    return wrapper


class RowLedger(ABC):
    """The ``Profile_User`` rows a tenant's profile rules created, by user."""

    @abstractmethod
    def read(self, tenant: str, user_id: int) -> Entries:
        """The user's recorded rows and pending intents."""

    @abstractmethod
    def intend(self, tenant: str, user_id: int, targets: Iterable[Target], watermark: int) -> None:
        """Note, before asking GLPI, that rows of ``targets`` are about to be created."""

    @abstractmethod
    def record(self, tenant: str, user_id: int, rows: dict[int, Target]) -> None:
        """Write down rows GLPI created; their targets' intents are settled."""

    @abstractmethod
    def settle(self, tenant: str, user_id: int, targets: Iterable[Target]) -> None:
        """Drop intents that turned out not to have landed."""

    @abstractmethod
    def forget(self, tenant: str, user_id: int, row_ids: Iterable[int]) -> None:
        """Drop rows removed (or found gone) from the ledger."""

    @abstractmethod
    def drop(self, tenant: str, user_id: int) -> None:
        """Forget everything about a user GLPI no longer has (purged)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise when the ledger cannot be read and written."""


class SqliteLedger(RowLedger):
    """A SQLite file in WAL mode; one connection per thread.

    The file (and its folder) is created on first use, not at start: a path
    the bridge cannot write makes its requests 503 and ``/readyz`` fail with
    a reason, instead of stopping the whole service.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.executescript(_SCHEMA)
            self._local.conn = conn
        return conn

    @_unavailable
    def read(self, tenant: str, user_id: int) -> Entries:
        key = (tenant, int(user_id))
        conn = self._conn()
        rows = conn.execute(
            "SELECT row_id, profiles_id, entities_id, is_recursive FROM profile_rows"
            " WHERE tenant = ? AND user_id = ?",
            key,
        )
        intents = conn.execute(
            "SELECT profiles_id, entities_id, is_recursive, watermark FROM profile_row_intents"
            " WHERE tenant = ? AND user_id = ?",
            key,
        )
        return Entries(
            {row: _target(p, e, r) for row, p, e, r in rows},
            {_target(p, e, r): mark for p, e, r, mark in intents},
        )

    @_unavailable
    def intend(self, tenant: str, user_id: int, targets: Iterable[Target], watermark: int) -> None:
        self._conn().executemany(
            "INSERT OR REPLACE INTO profile_row_intents VALUES (?, ?, ?, ?, ?, ?)",
            [(tenant, int(user_id), p, e, int(r), int(watermark)) for p, e, r in targets],
        )

    @_unavailable
    def record(self, tenant: str, user_id: int, rows: dict[int, Target]) -> None:
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR REPLACE INTO profile_rows VALUES (?, ?, ?, ?, ?, ?)",
                [(tenant, int(user_id), int(row), p, e, int(r)) for row, (p, e, r) in rows.items()],
            )
            self._settle(conn, tenant, user_id, rows.values())

    @_unavailable
    def settle(self, tenant: str, user_id: int, targets: Iterable[Target]) -> None:
        self._settle(self._conn(), tenant, user_id, targets)

    @staticmethod
    def _settle(
        conn: sqlite3.Connection, tenant: str, user_id: int, targets: Iterable[Target]
    ) -> None:
        conn.executemany(
            "DELETE FROM profile_row_intents WHERE tenant = ? AND user_id = ?"
            " AND profiles_id = ? AND entities_id = ? AND is_recursive = ?",
            [(tenant, int(user_id), p, e, int(r)) for p, e, r in targets],
        )

    @_unavailable
    def forget(self, tenant: str, user_id: int, row_ids: Iterable[int]) -> None:
        self._conn().executemany(
            "DELETE FROM profile_rows WHERE tenant = ? AND user_id = ? AND row_id = ?",
            [(tenant, int(user_id), int(r)) for r in row_ids],
        )

    @_unavailable
    def drop(self, tenant: str, user_id: int) -> None:
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            for table in ("profile_rows", "profile_row_intents"):
                conn.execute(
                    f"DELETE FROM {table} WHERE tenant = ? AND user_id = ?", (tenant, int(user_id))
                )

    @_unavailable
    def ping(self) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")


class RedisLedger(RowLedger):
    """Per tenant and user, a hash of rows (id → ``[profile, entity, recursive]``) and a hash
    of intents (``"profile,entity,recursive"`` → watermark)."""

    def __init__(self, client: Any, prefix: str = "glpiscim:ledger:"):
        self.redis = client
        self.prefix = prefix

    def _keys(self, tenant: str, user_id: int) -> tuple[str, str]:
        base = f"{self.prefix}{tenant}:{int(user_id)}"
        return base, f"{base}:intents"

    @staticmethod
    def _field(target: Target) -> str:
        profile, entity, recursive = target
        return f"{profile},{entity},{int(recursive)}"

    @_unavailable
    def read(self, tenant: str, user_id: int) -> Entries:
        rows_key, intents_key = self._keys(tenant, user_id)
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(rows_key)
        pipe.hgetall(intents_key)
        raw_rows, raw_intents = pipe.execute()
        rows = {int(row): _target(*json.loads(value)) for row, value in raw_rows.items()}
        intents = {
            _target(*(field_ if isinstance(field_, str) else field_.decode()).split(",")): int(mark)
            for field_, mark in raw_intents.items()
        }
        return Entries(rows, intents)

    @_unavailable
    def intend(self, tenant: str, user_id: int, targets: Iterable[Target], watermark: int) -> None:
        mapping = {self._field(t): int(watermark) for t in targets}
        if mapping:
            self.redis.hset(self._keys(tenant, user_id)[1], mapping=mapping)

    @_unavailable
    def record(self, tenant: str, user_id: int, rows: dict[int, Target]) -> None:
        if not rows:
            return
        rows_key, intents_key = self._keys(tenant, user_id)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(
            rows_key, mapping={str(r): json.dumps([p, e, rec]) for r, (p, e, rec) in rows.items()}
        )
        pipe.hdel(intents_key, *{self._field(t) for t in rows.values()})
        pipe.execute()

    @_unavailable
    def settle(self, tenant: str, user_id: int, targets: Iterable[Target]) -> None:
        fields_ = [self._field(t) for t in targets]
        if fields_:
            self.redis.hdel(self._keys(tenant, user_id)[1], *fields_)

    @_unavailable
    def forget(self, tenant: str, user_id: int, row_ids: Iterable[int]) -> None:
        ids = [str(r) for r in row_ids]
        if ids:
            self.redis.hdel(self._keys(tenant, user_id)[0], *ids)

    @_unavailable
    def drop(self, tenant: str, user_id: int) -> None:
        self.redis.delete(*self._keys(tenant, user_id))

    @_unavailable
    def ping(self) -> None:
        self.redis.ping()


def build_ledger(settings: dict) -> RowLedger | None:
    """The ledger the settings name: Redis when ``redis.url`` is set, else ``ledger.path``.

    None when neither is set; configuration validation refuses profile rules then.
    """
    redis_url = (settings.get("redis") or {}).get("url")
    if redis_url:
        return RedisLedger(redis.Redis.from_url(redis_url, socket_timeout=5))
    path = (settings.get("ledger") or {}).get("path")
    return SqliteLedger(path) if path else None
