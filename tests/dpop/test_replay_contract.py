"""One contract for every ReplayCache (RFC 9449 §11.1): memory, and Redis for real."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from backend_servers import REDIS_URL, free_port, redis_down, unavailable
from gatehouse.dpop import MemoryReplayCache, NoReplayCheck
from gatehouse.errors import StorageUnavailableError


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh, empty cache of each kind (Redis under a key prefix of its own)."""
    if request.param == "memory":
        yield MemoryReplayCache()
        return
    reason = redis_down()
    if reason:
        unavailable("Redis", reason)
    import redis

    from gatehouse.storage.redis_dpop import RedisReplayCache

    prefix = f"gh_test:{secrets.token_hex(6)}:"
    store = RedisReplayCache(REDIS_URL, prefix=prefix)
    try:
        yield store
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
        store.close()


def test_first_use_then_replay(cache: Any) -> None:
    """A key is new once; the second use within its window is a replay."""
    assert cache.first_use("k1", expires_at=1060.0, now=1000.0)
    assert not cache.first_use("k1", expires_at=1060.0, now=1001.0)
    assert cache.first_use("k2", expires_at=1060.0, now=1001.0)


def test_concurrent_uses_one_winner(cache: Any) -> None:
    """Of many threads presenting one key at once, exactly one wins."""
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        results.append(cache.first_use("race", expires_at=1060.0, now=1000.0))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_memory_entry_lapses_at_expiry() -> None:
    """In memory, an entry whose expiry has passed (by the caller's now) is forgotten."""
    cache = MemoryReplayCache()
    cache.first_use("k", expires_at=1060.0, now=1000.0)
    assert not cache.first_use("k", expires_at=1060.0, now=1059.9)
    assert cache.first_use("k", expires_at=1200.0, now=1060.0)


def test_memory_cache_is_bounded_and_evicts_soonest_expiry() -> None:
    """A full cache never grows: expired entries go first, then the soonest to expire."""
    cache = MemoryReplayCache(max_entries=3)
    for i, expiry in enumerate((1010.0, 1050.0, 1040.0)):
        cache.first_use(f"k{i}", expires_at=expiry, now=1000.0)
    cache.first_use("k3", expires_at=1060.0, now=1000.0)
    assert len(cache) == 3
    assert cache.first_use("k0", expires_at=1060.0, now=1000.0)  # k0 (soonest) was evicted
    assert not cache.first_use("k1", expires_at=1060.0, now=1000.0)
    cache.first_use("k9", expires_at=1100.0, now=1070.0)  # everything but k9 expired
    assert len(cache) == 1


def test_memory_cache_under_churn_stays_within_bounds() -> None:
    """Many keys over time keep the dict and heap bounded."""
    cache = MemoryReplayCache(max_entries=100)
    for i in range(5000):
        cache.first_use(f"k{i}", expires_at=1000.0 + i + 60, now=1000.0 + i)
    assert len(cache) <= 100
    assert len(cache._heap) <= 2 * 100 + 16


@pytest.mark.redis
def test_redis_ttl_comes_from_the_callers_times() -> None:
    """The Redis entry lives (expires_at - now) + margin seconds, whatever Redis's clock says."""
    reason = redis_down()
    if reason:
        unavailable("Redis", reason)
    import redis

    from gatehouse.storage.redis_dpop import RedisReplayCache

    prefix = f"gh_test:{secrets.token_hex(6)}:"
    store = RedisReplayCache(REDIS_URL, prefix=prefix, margin=7)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert store.first_use("k", expires_at=5_000_060.0, now=5_000_000.0)
        assert 60 < client.ttl(prefix + "dpop:k") <= 67
    finally:
        client.delete(prefix + "dpop:k")
        client.close()
        store.close()


def test_redis_down_is_storage_unavailable() -> None:
    """A Redis that does not answer fails closed with StorageUnavailableError (503)."""
    pytest.importorskip("redis")
    from gatehouse.storage.redis_dpop import RedisReplayCache

    store = RedisReplayCache(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)
    with pytest.raises(StorageUnavailableError):
        store.first_use("k", expires_at=1060.0, now=1000.0)


def test_no_replay_check_says_first_use_always() -> None:
    """NoReplayCheck turns the check off, by name."""
    off = NoReplayCheck()
    assert off.first_use("k", expires_at=1060.0, now=1000.0)
    assert off.first_use("k", expires_at=1060.0, now=1000.0)
