"""Shared state: named locks, caches and token buckets, in-process and on a real Redis."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from app.ops.shared import LocalShared
from app.ops.shared import LockTimeoutError
from app.ops.shared import RedisShared
from app.ops.shared import retry_after_seconds
from app.scim.errors import UnavailableError


def _critical_section(state, name: str, log: list, rounds: int) -> None:
    for _ in range(rounds):
        with state.lock(name, timeout=10):
            log.append("enter")
            time.sleep(0.002)
            log.append("exit")


def _never_overlapping(log: list[str]) -> bool:
    return all(log[i : i + 2] == ["enter", "exit"] for i in range(0, len(log), 2))


def test_local_lock_excludes_threads() -> None:
    state = LocalShared()
    log: list[str] = []
    threads = [
        threading.Thread(target=_critical_section, args=(state, "user:jdoe", log, 10))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(log) == 80
    assert _never_overlapping(log)


def test_local_lock_is_process_wide_and_times_out() -> None:
    first, second = LocalShared(), LocalShared()
    with first.lock("group:staff"):
        with pytest.raises(LockTimeoutError) as caught:
            with second.lock("group:staff", wait=0.05):
                pass
    assert caught.value.status == 503
    with second.lock("group:staff", wait=0.05):
        pass


def test_local_locks_with_other_names_do_not_block() -> None:
    state = LocalShared()
    with state.lock("a"):
        with state.lock("b", wait=0.05):
            pass


def test_local_cache_round_trips_json_and_expires() -> None:
    cache = LocalShared(ttl_seconds=300).cache("ids", ttl=0.1)
    assert cache.get("jdoe") is None
    cache.set("jdoe", {"id": 42, "emails": [1, 2]})
    assert cache.get("jdoe") == {"id": 42, "emails": [1, 2]}
    time.sleep(0.15)
    assert cache.get("jdoe") is None


def test_local_cache_is_bounded() -> None:
    cache = LocalShared(max_entries=10).cache("bounded")
    for i in range(50):
        cache.set(str(i), i)
    assert sum(cache.get(str(i)) is not None for i in range(50)) == 10


def test_local_token_bucket() -> None:
    state = LocalShared()
    waits = [state.take("t", rate=1.0, burst=2) for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert 0.5 < waits[2] <= 1.0
    assert retry_after_seconds(waits[2]) == 1
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(2.2) == 3


def _redis_worker(url: str, name: str, rounds: int, queue) -> None:
    state = RedisShared(url)
    key = f"{name}:log"
    for _ in range(rounds):
        with state.lock(name, timeout=10):
            state.client.rpush(key, "enter")
            time.sleep(0.003)
            state.client.rpush(key, "exit")
    queue.put("done")


def test_redis_lock_excludes_across_processes(redis_url: str) -> None:
    name = "race:user:jdoe"
    state = RedisShared(redis_url)
    state.client.delete(f"{name}:log")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_redis_worker, args=(redis_url, name, 15, queue)) for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    log = [item.decode() for item in state.client.lrange(f"{name}:log", 0, -1)]
    assert len(log) == 60
    assert _never_overlapping(log)


def test_redis_lock_times_out_while_held_elsewhere(redis_url: str) -> None:
    holder, waiter = RedisShared(redis_url), RedisShared(redis_url)
    with holder.lock("held", timeout=5):
        with pytest.raises(LockTimeoutError):
            with waiter.lock("held", timeout=5, wait=0.1):
                pass
    with waiter.lock("held", timeout=5, wait=0.1):
        pass


def test_redis_lock_lease_frees_a_dead_holder(redis_url: str) -> None:
    state = RedisShared(redis_url)
    state.client.lock("glpiscim:lock:crashed", timeout=0.2).acquire()
    with state.lock("crashed", timeout=5, wait=2):
        pass


def test_redis_cache_is_shared_between_instances(redis_url: str) -> None:
    writer = RedisShared(redis_url).cache("acme:user-ids")
    reader = RedisShared(redis_url).cache("acme:user-ids")
    writer.clear()
    assert reader.get("jdoe") is None
    writer.set("jdoe", 42)
    assert reader.get("jdoe") == 42
    reader.delete("jdoe")
    assert writer.get("jdoe") is None
    writer.set("a", [1])
    writer.set("b", {"x": None})
    writer.clear()
    assert (reader.get("a"), reader.get("b")) == (None, None)


def test_redis_cache_expires(redis_url: str) -> None:
    cache = RedisShared(redis_url).cache("short", ttl=0.1)
    cache.set("k", "v")
    assert cache.get("k") == "v"
    time.sleep(0.2)
    assert cache.get("k") is None


def test_redis_token_bucket_is_shared(redis_url: str) -> None:
    first, second = RedisShared(redis_url), RedisShared(redis_url)
    bucket = f"bucket-{time.time_ns()}"
    assert first.take(bucket, 0.5, 2) == 0.0
    assert second.take(bucket, 0.5, 2) == 0.0
    wait = first.take(bucket, 0.5, 2)
    assert 1.0 < wait <= 2.0


def test_redis_down_is_a_503() -> None:
    from tests.ops.conftest import free_port

    state = RedisShared(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    with pytest.raises(UnavailableError):
        state.cache("x").get("k")
    with pytest.raises(UnavailableError):
        with state.lock("x", wait=0.1):
            pass
    with pytest.raises(UnavailableError):
        state.take("b", 1.0, 1)
