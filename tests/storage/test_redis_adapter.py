"""Redis specifics: a down server, key prefixes, atomicity under threads, a missing
driver, exact float round-trips, and the TokenService using Redis for its counters.

The contract suite (test_contract_counters.py) already runs the DenyList and
ThrottleStore semantics on Redis; these tests pin what only a shared server has.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from storage_samples import NOW

from backend_servers import REDIS_URL, free_port, redis_backend, redis_down
from gatehouse import ManualClock
from gatehouse.errors import (
    ConfigurationError,
    InvalidGrantError,
    StorageError,
    StorageUnavailableError,
    ThrottledError,
)
from gatehouse.issuer import (
    FAST_TEST_PROFILE,
    IssuerConfig,
    KeyEncryptionKey,
    ThrottlePolicy,
    TokenService,
)
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores
from gatehouse.storage.records import DenyKind
from gatehouse.storage.redis_counters import RedisCounters

pytestmark = pytest.mark.redis


@pytest.fixture
def rc(request: pytest.FixtureRequest) -> Iterator[RedisCounters]:
    with redis_backend(request) as store:
        yield store


@pytest.fixture
def raw(backend_unavailable: Callable[[str, str], None]) -> Iterator[Any]:
    """A plain redis client on the test server (to look at keys behind the adapter)."""
    reason = redis_down()
    if reason:
        backend_unavailable("Redis", reason)
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        yield client
    finally:
        client.close()


def _prefixed(raw: Any, prefix: str) -> list[bytes]:
    return sorted(raw.scan_iter(match=prefix.replace("*", "\\*") + "*"))


def _run_threads(n: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(n)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


# --- a server that is not there ------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.ping(), id="ping"),
        pytest.param(lambda s: s.deny(DenyKind.SID, "s-secret", expires_at=NOW + 60), id="deny"),
        pytest.param(lambda s: s.is_denied(jti="j-secret", now=NOW), id="is_denied"),
        pytest.param(lambda s: s.register_failure("acct:a", now=NOW, window=60), id="failure"),
        pytest.param(lambda s: s.lock("acct:a", until=NOW + 60), id="lock"),
        pytest.param(lambda s: s.locked_until("acct:a", now=NOW), id="locked_until"),
        pytest.param(lambda s: s.clear("acct:a"), id="clear"),
    ],
)
def test_closed_port_is_unavailable_quickly(call: Callable[[RedisCounters], object]) -> None:
    """Nothing listening: StorageUnavailableError (503, no key in the message) within ~3 s."""
    store = RedisCounters(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(StorageUnavailableError) as caught:
            call(store)
    finally:
        store.close()
    assert time.monotonic() - started < 3
    assert caught.value.status == 503
    assert "secret" not in str(caught.value)
    assert caught.value.__cause__ is not None


def test_other_redis_errors_become_storage_error(rc: RedisCounters, raw: Any) -> None:
    """A server-side error (WRONGTYPE) is StorageError, not 'unavailable', and names no key."""
    raw.hset(f"{rc.prefix}deny:jti:j-secret", "x", "1")
    with pytest.raises(StorageError) as caught:
        rc.deny(DenyKind.JTI, "j-secret", expires_at=NOW + 60)
    assert not isinstance(caught.value, StorageUnavailableError)
    assert "j-secret" not in str(caught.value)


def test_missing_redis_package_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the redis extra, constructing the adapter says how to install it."""
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ConfigurationError, match=r"gatehouse-auth\[redis\]"):
        RedisCounters(REDIS_URL)


# --- prefixes -------------------------------------------------------------------------


def test_prefixes_are_isolated_and_drop_all_removes_only_its_own(
    rc: RedisCounters, raw: Any
) -> None:
    """Two prefixes never see each other's entries; drop_all empties only its prefix."""
    other = RedisCounters(REDIS_URL, prefix=f"gh_test:{secrets.token_hex(6)}:")
    try:
        rc.deny(DenyKind.JTI, "j1", expires_at=NOW + 60)
        rc.lock("acct:a", until=NOW + 60)
        rc.register_failure("acct:a", now=NOW, window=60)
        assert other.is_denied(jti="j1", now=NOW) is False
        assert other.locked_until("acct:a", now=NOW) is None
        assert other.register_failure("acct:a", now=NOW, window=60) == 1
        assert len(_prefixed(raw, rc.prefix)) == 3

        assert rc.drop_all() == 3
        assert _prefixed(raw, rc.prefix) == []
        assert _prefixed(raw, other.prefix) == [f"{other.prefix}fail:acct:a".encode()]
    finally:
        other.drop_all()
        other.close()
    assert _prefixed(raw, other.prefix) == []


def test_drop_all_treats_glob_characters_in_the_prefix_literally(
    rc: RedisCounters, raw: Any
) -> None:
    """A prefix with '*' or '[' in it drops its own keys, not a pattern's worth."""
    tag = secrets.token_hex(6)
    globby = RedisCounters(REDIS_URL, prefix=f"gh_test:{tag}*[x]:")
    sibling = f"gh_test:{tag}-sibling:lock:k"
    raw.set(sibling, "1")
    try:
        globby.lock("k", until=NOW + 60)
        assert globby.drop_all() == 1
        assert raw.exists(sibling) == 1
    finally:
        raw.delete(sibling)
        globby.drop_all()
        globby.close()


# --- atomicity under concurrency -------------------------------------------------------


def test_concurrent_failures_each_count_once(rc: RedisCounters) -> None:
    """50 threads failing on one key at once get the counts 1..50, each exactly once."""
    counts: list[int] = []
    failures = _run_threads(
        50, lambda _: counts.append(rc.register_failure("acct:hot", now=NOW, window=600))
    )
    assert failures == []
    assert sorted(counts) == list(range(1, 51))


def test_concurrent_locks_keep_the_latest_deadline(rc: RedisCounters) -> None:
    """Racing lock calls with different deadlines leave the maximum in place."""
    deadlines = [NOW + 1 + (i * 7919 % 40) + 0.25 for i in range(40)]
    failures = _run_threads(40, lambda i: rc.lock("addr:race", until=deadlines[i]))
    assert failures == []
    assert rc.locked_until("addr:race", now=NOW) == max(deadlines)


# --- values, not TTLs ------------------------------------------------------------------


def test_deadlines_round_trip_exactly_and_ttls_only_collect_garbage(
    rc: RedisCounters, raw: Any
) -> None:
    """Stored deadlines are exact float reprs; lapsed-by-`now` entries read as absent
    although their keys (with a GC expiry) are still there."""
    until = NOW + 0.1 + 1e-7
    rc.lock("acct:f", until=until)
    rc.deny(DenyKind.SID, "s1", expires_at=until)
    assert rc.locked_until("acct:f", now=NOW) == until
    assert raw.get(f"{rc.prefix}lock:acct:f") == repr(until).encode()
    assert rc.locked_until("acct:f", now=until) is None
    assert rc.is_denied(sid="s1", now=until) is False
    for key in (f"{rc.prefix}lock:acct:f", f"{rc.prefix}deny:sid:s1"):
        assert raw.ttl(key) > 0  # present, but collectable
    rc.register_failure("acct:f", now=NOW, window=60)
    assert raw.hgetall(f"{rc.prefix}fail:acct:f") == {b"n": b"1", b"start": repr(NOW).encode()}
    assert raw.ttl(f"{rc.prefix}fail:acct:f") > 60
    assert rc.purge_denied(now=until) == 0


# --- the token service on Redis counters -----------------------------------------------

POLICY = ThrottlePolicy(
    window=600, free_failures=3, backoff_cap=30, lockout_failures=6, lockout_seconds=300
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(wall=NOW)


@pytest.fixture
def service(rc: RedisCounters, clock: ManualClock) -> Iterator[TokenService]:
    main = MemoryStore()
    config = IssuerConfig(
        issuer="https://issuer.example",
        default_audience="https://api.example",
        password_profile=FAST_TEST_PROFILE,
        account_throttle=POLICY,
        address_throttle=POLICY,
    )
    stores = Stores.single(main, deny_list=rc, throttle=rc)
    svc = TokenService(config, stores, KeyEncryptionKey.generate(), clock=clock)
    svc.bootstrap()
    svc.create_account("alice", "correct horse")
    try:
        yield svc
    finally:
        main.close()


def test_failed_logins_lock_the_account_in_redis(
    service: TokenService, rc: RedisCounters, raw: Any, clock: ManualClock
) -> None:
    """lockout_failures wrong passwords lock the account out through Redis's lock key."""
    for _ in range(POLICY.lockout_failures):
        clock.advance(POLICY.backoff_cap)  # past any backoff lock, inside the window
        with pytest.raises(InvalidGrantError):
            service.login("alice", "wrong")
    now = clock.time()
    assert raw.exists(f"{rc.prefix}lock:acct:alice") == 1
    assert rc.locked_until("acct:alice", now=now) == now + POLICY.lockout_seconds
    with pytest.raises(ThrottledError) as caught:
        service.login("alice", "correct horse")
    assert caught.value.retry_after == POLICY.lockout_seconds


def test_logout_denies_the_session_in_redis(
    service: TokenService, rc: RedisCounters, raw: Any
) -> None:
    """Ending a session writes a sid entry to Redis that is_denied then reports."""
    pair = service.login("alice", "correct horse")
    assert service.is_denied(sid=pair.sid) is False
    assert service.logout(sid=pair.sid) == 1
    assert service.is_denied(sid=pair.sid) is True
    assert rc.is_denied(jti="unrelated", sid=pair.sid, now=NOW) is True
    assert raw.exists(f"{rc.prefix}deny:sid:{pair.sid}") == 1
