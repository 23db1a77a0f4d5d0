"""SQLite files shared by the gunicorn workers of one host (activity store, profile-row ledger)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class WalFile:
    """One SQLite file in WAL mode, with one connection per thread.

    :param synchronous: ``NORMAL`` where losing the last events of a crash is
        fine, ``FULL`` where a committed row must survive one.
    :param schema: run (``CREATE ... IF NOT EXISTS``) on every new connection.

    The folder and the file are made on first use, so a path the bridge
    cannot write fails the calls that need it, not the start of the service.
    """

    def __init__(self, path: str | Path, *, synchronous: str, schema: str = ""):
        self.path = str(path)
        self._synchronous = synchronous
        self._schema = schema
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; ``BEGIN`` explicitly for a transaction)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA busy_timeout=10000")
            if self._schema:
                conn.executescript(self._schema)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (the next call opens a new one)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
