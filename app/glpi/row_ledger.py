"""Which ``Profile_User`` rows the profile rules created: the ledger.

Issue 6 asks that profile rules remove "only the rows [the bridge] created"
and "never touch rows it did not create". GLPI cannot tell: ``Profile_User``
has no author, no comment and no date (glpi-api.md §4.4), and a row made by
hand can be identical, column for column, to one the bridge made. So the
bridge writes down the id of every row a rule made, and only ever removes
rows whose id it wrote down. This is the one piece of state the bridge keeps
that GLPI cannot hold; it never answers a read, and GLPI stays the truth for
what rows exist (an entry whose row is gone or changed in GLPI is dropped).

Two stores share one interface, like the activity store:

* :class:`SqliteLedger`: a SQLite file in WAL mode (``ledger.path``), safe
  for every gunicorn worker of one host;
* :class:`RedisLedger`: a Redis hash per user (when ``redis.url`` is set),
  shared by every replica. Redis must then persist its data (RDB or AOF).

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
"""


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
    def owned(self, tenant: str, user_id: int) -> dict[int, Target]:
        """Row id → target of the rows created for this user."""

    @abstractmethod
    def record(self, tenant: str, user_id: int, rows: dict[int, Target]) -> None:
        """Write down rows just created for this user."""

    @abstractmethod
    def forget(self, tenant: str, user_id: int, row_ids: Iterable[int]) -> None:
        """Drop rows removed (or found gone) from the ledger."""

    @abstractmethod
    def ping(self) -> None:
        """Raise when the ledger cannot be read and written."""


class SqliteLedger(RowLedger):
    """A SQLite file in WAL mode; one connection per thread."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
        return conn

    @_unavailable
    def owned(self, tenant: str, user_id: int) -> dict[int, Target]:
        cursor = self._conn().execute(
            "SELECT row_id, profiles_id, entities_id, is_recursive FROM profile_rows"
            " WHERE tenant = ? AND user_id = ?",
            (tenant, int(user_id)),
        )
        return {row: (profile, entity, bool(rec)) for row, profile, entity, rec in cursor}

    @_unavailable
    def record(self, tenant: str, user_id: int, rows: dict[int, Target]) -> None:
        self._conn().executemany(
            "INSERT OR REPLACE INTO profile_rows VALUES (?, ?, ?, ?, ?, ?)",
            [
                (tenant, int(user_id), int(r), int(p), int(e), int(rec))
                for r, (p, e, rec) in rows.items()
            ],
        )

    @_unavailable
    def forget(self, tenant: str, user_id: int, row_ids: Iterable[int]) -> None:
        self._conn().executemany(
            "DELETE FROM profile_rows WHERE tenant = ? AND user_id = ? AND row_id = ?",
            [(tenant, int(user_id), int(r)) for r in row_ids],
        )

    @_unavailable
    def ping(self) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")


class RedisLedger(RowLedger):
    """One Redis hash per tenant and user: row id → ``[profile, entity, recursive]``."""

    def __init__(self, client: Any, prefix: str = "glpiscim:ledger:"):
        self.redis = client
        self.prefix = prefix

    def _key(self, tenant: str, user_id: int) -> str:
        return f"{self.prefix}{tenant}:{int(user_id)}"

    @_unavailable
    def owned(self, tenant: str, user_id: int) -> dict[int, Target]:
        raw = self.redis.hgetall(self._key(tenant, user_id))
        owned = {}
        for row_id, value in raw.items():
            profile, entity, recursive = json.loads(value)
            owned[int(row_id)] = (int(profile), int(entity), bool(recursive))
        return owned

    @_unavailable
    def record(self, tenant: str, user_id: int, rows: dict[int, Target]) -> None:
        if rows:
            mapping = {str(r): json.dumps([p, e, bool(rec)]) for r, (p, e, rec) in rows.items()}
            self.redis.hset(self._key(tenant, user_id), mapping=mapping)

    @_unavailable
    def forget(self, tenant: str, user_id: int, row_ids: Iterable[int]) -> None:
        ids = [str(r) for r in row_ids]
        if ids:
            self.redis.hdel(self._key(tenant, user_id), *ids)

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
