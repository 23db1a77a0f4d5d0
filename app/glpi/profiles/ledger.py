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
row another tenant's rules made. A sync holds the user's lock
(:meth:`RowLedger.hold`) from its read of the GLPI rows to its last write.
"""

from __future__ import annotations

import fcntl
import json
import logging
import secrets
import sqlite3
import threading
import time
import zlib
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from functools import wraps
from pathlib import Path
from typing import Any

import redis

from app.ops.sqlite import WalFile
from app.scim.errors import UnavailableError

log = logging.getLogger(__name__)

#: Seconds a sync waits for another sync of the same user (and a Redis lock's lifetime).
LOCK_WAIT = 30.0
#: Bytes of the SQLite ledger's lock file that user locks are spread over.
LOCK_SLOTS = 1024

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
    def hold(self, tenant: str, user_id: int) -> AbstractContextManager[None]:
        """Hold the user's lock: one sync of a user's rows at a time, across workers
        (and replicas, with Redis). Two syncs at once could each take the other's
        new row for gone, or drop an intent whose ``POST`` is still running.

        :raises UnavailableError: the lock stayed taken for :data:`LOCK_WAIT` seconds.
        """

    def ping(self) -> None:
        """Raise :class:`UnavailableError` unless the ledger can be read *and written*:
        an intent of a tenant that cannot exist (names are never empty) is noted, read
        back and settled, under a user id of its own so that concurrent pings (workers,
        replicas) never see each other's probe."""
        probe, user = [(0, 0, False)], -1 - secrets.randbits(40)
        self.intend("", user, probe, 0)
        try:
            if self.read("", user).intents != {probe[0]: 0}:
                raise UnavailableError("The bridge's profile-row ledger lost a write.")
        finally:
            self.settle("", user, probe)


class SqliteLedger(RowLedger):
    """A SQLite file in WAL mode (:class:`~app.ops.sqlite.WalFile`), opened on first use: a
    path the bridge cannot write makes its requests 503 and ``/readyz`` fail, instead of
    stopping the whole service.

    The user locks are POSIX record locks on one byte each of ``<path>-lock``
    (shared by every process of the host), behind one thread lock per byte
    (record locks belong to a process, not a thread). Users share the
    :data:`LOCK_SLOTS` bytes; two users on one byte only wait for each other.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._file = WalFile(self.path, synchronous="FULL", schema=_SCHEMA)
        self._threads = [threading.Lock() for _ in range(LOCK_SLOTS)]
        self._lock_file: Any = None
        self._open_lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        return self._file.connection()

    def _lock_fd(self) -> int:
        with self._open_lock:
            if self._lock_file is None:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self._lock_file = open(f"{self.path}-lock", "a+b")  # kept open: it holds the locks
            return self._lock_file.fileno()

    @contextmanager
    def hold(self, tenant: str, user_id: int) -> Iterator[None]:
        slot = zlib.crc32(f"{tenant}:{int(user_id)}".encode()) % LOCK_SLOTS
        deadline = time.monotonic() + LOCK_WAIT
        if not self._threads[slot].acquire(timeout=LOCK_WAIT):
            raise UnavailableError("Another sync of this user's profile rows is still running.")
        try:
            fd = _unavailable(self._lock_fd)()
            while True:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, slot)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise UnavailableError(
                            "Another sync of this user's profile rows is still running."
                        ) from None
                    time.sleep(0.01)
            try:
                yield
            finally:
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, slot)
        finally:
            self._threads[slot].release()

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

    @contextmanager
    def hold(self, tenant: str, user_id: int) -> Iterator[None]:
        lock = self.redis.lock(
            f"{self.prefix}{tenant}:{int(user_id)}:lock",
            timeout=LOCK_WAIT,
            blocking_timeout=LOCK_WAIT,
        )
        if not _unavailable(lock.acquire)():
            raise UnavailableError("Another sync of this user's profile rows is still running.")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:  # expired after LOCK_WAIT: someone else's now
                log.warning("profile-row lock of user %s expired before its release", user_id)


def build_ledger(settings: dict) -> RowLedger | None:
    """The ledger the settings name: Redis when ``redis.url`` is set, else ``ledger.path``.

    None when neither is set; configuration validation refuses profile rules then.
    """
    redis_url = (settings.get("redis") or {}).get("url")
    if redis_url:
        return RedisLedger(redis.Redis.from_url(redis_url, socket_timeout=5))
    path = (settings.get("ledger") or {}).get("path")
    return SqliteLedger(path) if path else None
