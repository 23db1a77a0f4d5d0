"""State shared by workers and replicas: locks, look-up caches, rate-limit buckets.

Without ``redis.url`` everything is in-process (one replica): named
``threading`` locks, ``cachetools.TTLCache`` caches behind a lock, and
token buckets in a dict. With ``redis.url`` the same API is served by
Redis, so every worker of every replica sees the same locks, caches and
buckets. The backends use it through :func:`shared`::

    state = shared()
    with state.lock(f"{tenant.name}:user:{login.lower()}", timeout=30):
        ...  # look up, then create: no other worker or replica runs this block
    ids = state.cache(f"{tenant.name}:user-ids")
    ids.set("jdoe", 42)
    ids.get("jdoe")  # -> 42, or None after cache.ttl_seconds

Values go through JSON in both modes, so code tested without Redis
behaves the same with it. A Redis failure raises
:class:`~app.scim.errors.UnavailableError` (the IdP gets 503 and retries).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cachetools import TTLCache
from flask import current_app

from app.ops.metrics import record_cache
from app.scim.errors import UnavailableError

log = logging.getLogger(__name__)

PREFIX = "glpiscim:"


class LockTimeoutError(UnavailableError):
    """The lock stayed held by someone else for the whole wait."""

    default_detail = "The resource is busy; retry later."

    def __init__(self, detail: str | None = None):
        super().__init__(detail, retry_after=1)


class _NamedLocks:
    """Process-wide named locks, dropped when nobody holds or waits for them."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, list] = {}

    @contextmanager
    def hold(self, name: str, wait: float) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(name, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=wait):
                raise LockTimeoutError()
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[name]


_PROCESS_LOCKS = _NamedLocks()


class SharedCache:
    """A named cache of JSON values; hits and misses are counted in metrics."""

    def __init__(self, name: str, store: Any):
        self.name = name
        self._store = store

    def get(self, key: str) -> Any:
        """The cached value, or None (also when expired)."""
        raw = self._store.get(key)
        record_cache(self.name, raw is not None)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any) -> None:
        self._store.set(key, json.dumps(value, separators=(",", ":")))

    def delete(self, key: str) -> None:
        self._store.delete(key)

    def clear(self) -> None:
        self._store.clear()


class _LocalStore:
    def __init__(self, max_entries: int, ttl: float):
        self._cache: TTLCache = TTLCache(maxsize=max_entries, ttl=ttl)
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._cache.get(key)

    def set(self, key: str, raw: str) -> None:
        with self._lock:
            self._cache[key] = raw

    def delete(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


class LocalShared:
    """One replica: in-process locks, caches and token buckets."""

    def __init__(self, ttl_seconds: float = 300, max_entries: int = 10000):
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._caches: dict[str, SharedCache] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._guard = threading.Lock()

    def lock(self, name: str, timeout: float = 30.0, wait: float | None = None):
        """Context manager excluding every other holder of ``name`` in this process.

        :param timeout: longest time the lock may be held (enforced with Redis only).
        :param wait: longest time to wait for it (``timeout`` by default);
            then :class:`LockTimeoutError`.
        """
        return _PROCESS_LOCKS.hold(name, timeout if wait is None else wait)

    def cache(self, name: str, ttl: float | None = None) -> SharedCache:
        with self._guard:
            if name not in self._caches:
                store = _LocalStore(self.max_entries, ttl or self.ttl_seconds)
                self._caches[name] = SharedCache(name, store)
            return self._caches[name]

    def take(self, bucket: str, rate: float, burst: int) -> float:
        """Take one token from ``bucket``: 0.0 when allowed, else seconds until one is free."""
        now = time.monotonic()
        with self._guard:
            tokens, stamp = self._buckets.get(bucket, (float(burst), now))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / rate
            self._buckets[bucket] = (tokens, now)
            return wait

    def ping(self) -> None:
        """Nothing to reach without Redis."""

    def close(self) -> None:
        """Nothing to release."""


# Token bucket on Redis's clock (TIME), so replicas with skewed clocks agree.
_TAKE_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class _RedisStore:
    def __init__(self, shared: RedisShared, name: str, ttl: float):
        self._shared = shared
        self._prefix = f"{PREFIX}cache:{name}:"
        self._ttl_ms = max(1, int(ttl * 1000))

    def get(self, key: str) -> str | None:
        raw = self._shared.call("get", self._prefix + key)
        return None if raw is None else raw.decode("utf-8")

    def set(self, key: str, raw: str) -> None:
        self._shared.call("set", self._prefix + key, raw, px=self._ttl_ms)

    def delete(self, key: str) -> None:
        self._shared.call("delete", self._prefix + key)

    def clear(self) -> None:
        keys = list(self._shared.call("scan_iter", match=self._prefix + "*", count=500))
        for start in range(0, len(keys), 500):
            self._shared.call("delete", *keys[start : start + 500])


class RedisShared:
    """Several workers or replicas: locks, caches and buckets in Redis."""

    def __init__(self, url: str, ttl_seconds: float = 300, timeout: float = 5.0):
        import redis

        self.ttl_seconds = ttl_seconds
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self._take = self.client.register_script(_TAKE_SCRIPT)
        self._caches: dict[str, SharedCache] = {}
        self._guard = threading.Lock()

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run a Redis command; a Redis failure becomes a 503 for the IdP."""
        import redis

        try:
            return getattr(self.client, method)(*args, **kwargs)
        except redis.RedisError as exc:
            log.error("redis call failed", extra={"redis_error": type(exc).__name__})
            raise UnavailableError(
                "Shared state is unavailable; retry later.", retry_after=5
            ) from None

    @contextmanager
    def lock(self, name: str, timeout: float = 30.0, wait: float | None = None) -> Iterator[None]:
        """Context manager excluding every other holder of ``name`` on any replica.

        :param timeout: lease: Redis frees the lock after this many seconds even
            if its holder died.
        :param wait: longest time to wait for it (``timeout`` by default).
        """
        import redis

        lock = self.client.lock(
            f"{PREFIX}lock:{name}",
            timeout=timeout,
            blocking_timeout=timeout if wait is None else wait,
            thread_local=False,
        )
        try:
            acquired = lock.acquire()
        except redis.RedisError:
            raise UnavailableError(
                "Shared state is unavailable; retry later.", retry_after=5
            ) from None
        if not acquired:
            raise LockTimeoutError()
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                log.warning("shared lock expired before release", extra={"lock": name})
            except redis.RedisError:
                log.error("shared lock release failed", extra={"lock": name})

    def cache(self, name: str, ttl: float | None = None) -> SharedCache:
        with self._guard:
            if name not in self._caches:
                self._caches[name] = SharedCache(
                    name, _RedisStore(self, name, ttl or self.ttl_seconds)
                )
            return self._caches[name]

    def take(self, bucket: str, rate: float, burst: int) -> float:
        """Take one token from ``bucket``: 0.0 when allowed, else seconds until one is free."""
        import redis

        try:
            return float(self._take(keys=[f"{PREFIX}bucket:{bucket}"], args=[rate, burst]))
        except redis.RedisError:
            raise UnavailableError(
                "Shared state is unavailable; retry later.", retry_after=5
            ) from None

    def ping(self) -> None:
        self.call("ping")

    def close(self) -> None:
        self.client.close()


def build_shared(settings: dict) -> LocalShared | RedisShared:
    """The shared state the configuration asks for."""
    cache = settings["cache"]
    url = settings["redis"]["url"]
    if url:
        return RedisShared(url, ttl_seconds=cache["ttl_seconds"])
    return LocalShared(ttl_seconds=cache["ttl_seconds"], max_entries=cache["max_entries"])


def shared() -> LocalShared | RedisShared:
    """The current app's shared state (``app.extensions["shared"]``)."""
    return current_app.extensions["shared"]


def retry_after_seconds(wait: float) -> int:
    """An integer ``Retry-After`` (Okta rejects fractions), at least 1."""
    return max(1, math.ceil(wait))
