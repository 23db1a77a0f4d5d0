"""Bounded, thread-safe, TTL caches for slow-changing GLPI look-ups.

cachetools: "all these classes are *not* thread-safe" — every access here
holds the cache's lock. Sizes and lifetimes come from the ``cache`` section
of the configuration.

The rules every cache of the backend follows (docs/mapping.md, "Caches"):

* Only ids and names are cached (profile, entity and dropdown ids by name,
  the entity tree, the bridge account's id, facts about users that were just
  read). A user's existence for an IdP's ``userName eq`` check is always
  asked of GLPI.
* **A cache never answers "does not exist"**: a loader returning None is
  not stored, so the next call asks GLPI again.
* A cached id is verified when it is used: a caller that finds it stale
  calls :meth:`TtlCache.evict` and loads again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache

_MISSING = object()


class TtlCache:
    """A locked :class:`cachetools.TTLCache` that only stores found values."""

    def __init__(self, maxsize: int, ttl: float):
        self._cache: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if value is None:
            return
        with self._lock:
            self._cache[key] = value

    def evict(self, key: Hashable) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def get_or_load(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        """Return the cached value, or ``loader()`` (stored unless None).

        The loader runs outside the lock: two threads may both load on a
        miss, which costs a call but never blocks readers behind GLPI.
        """
        with self._lock:
            value = self._cache.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = loader()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)


@dataclass
class BackendCaches:
    """The caches of one tenant's backend."""

    ids_by_name: TtlCache
    entity_tree: TtlCache
    user_facts: TtlCache

    @classmethod
    def from_settings(cls, settings: dict) -> BackendCaches:
        """Build from the validated configuration's ``cache`` section."""
        cache = settings.get("cache") or {}
        ttl = float(cache.get("ttl_seconds", 300))
        size = int(cache.get("max_entries", 10000))
        return cls(
            ids_by_name=TtlCache(size, ttl),
            entity_tree=TtlCache(8, ttl),
            user_facts=TtlCache(size, min(ttl, 60.0)),
        )

    def clear(self) -> None:
        for cache in (self.ids_by_name, self.entity_tree, self.user_facts):
            cache.clear()
