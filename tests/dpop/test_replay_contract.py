"""One contract for every ReplayCache (RFC 9449 §11.1): memory, SQLite, PostgreSQL, Redis."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from backend_servers import REDIS_URL, free_port, postgres_backend, redis_down, unavailable
from gatehouse.dpop import MemoryReplayCache, NoReplayCheck
from gatehouse.errors import StorageUnavailableError
from gatehouse.storage.sqlite import SQLiteStore


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty cache of each kind (PostgreSQL in a schema, Redis under a key
    prefix of its own)."""
    if request.param == "memory":
        yield MemoryReplayCache()
        return
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "replay.db")
        try:
            yield store
        finally:
            store.close()
        return
    if request.param == "postgres":
        with postgres_backend() as pg:
            yield pg
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


def test_entry_lapses_at_expiry(cache: Any) -> None:
    """An entry whose expiry has passed (by the caller's now) can be used again, once."""
    assert cache.first_use("lapse", expires_at=2_000_060.0, now=2_000_000.0)
    assert not cache.first_use("lapse", expires_at=2_000_060.0, now=2_000_059.0)
    if isinstance(cache, NoReplayCheck):
        return
    if type(cache).__name__ == "RedisReplayCache":
        return  # Redis expiry is its own TTL (+ margin): pinned in the TTL test below
    assert cache.first_use("lapse", expires_at=2_000_200.0, now=2_000_060.0)
    assert not cache.first_use("lapse", expires_at=2_000_200.0, now=2_000_061.0)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_sql_purge_is_bounded_and_keeps_live_entries(kind: str, tmp_path: Path) -> None:
    """purge_replay deletes at most ``limit`` expired rows per call and no live one."""
    with _sql_store(kind, tmp_path) as store:
        for i in range(10):
            store.first_use(f"old{i}", expires_at=1000.0 + i, now=900.0)
        store.first_use("live", expires_at=5000.0, now=900.0)
        assert store.purge_replay(now=2000.0, limit=4) == 4
        assert store.purge_replay(now=2000.0, limit=100) == 6
        assert store.purge_replay(now=2000.0) == 0
        assert not store.first_use("live", expires_at=5000.0, now=2000.0)


@contextmanager
def _sql_store(kind: str, tmp_path: Path) -> Iterator[Any]:
    if kind == "postgres":
        with postgres_backend() as pg:
            yield pg
        return
    store = SQLiteStore(tmp_path / "purge.db")
    try:
        yield store
    finally:
        store.close()


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
