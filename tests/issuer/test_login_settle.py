"""A login's throttle attempt is reserved before the hash and settled once after it.

The settlement of a right password rides in the session's insert where one store
holds both (``PendingSettle``); wherever the login stops after the password was
checked (a refused scope, a disabled account) it is still written, once; a refused
attempt costs no key anything. On PostgreSQL a login is two round trips, two commits.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from issuer_helpers import make_config

from backend_servers import postgres_backend
from gatehouse import ManualClock
from gatehouse.errors import InvalidGrantError, InvalidScopeError, ThrottledError
from gatehouse.issuer import KeyEncryptionKey, ThrottlePolicy, TokenService
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.ports import Stores
from gatehouse.storage.sqlite import SQLiteStore
from libpq_trace import wire_trace

POLICY = ThrottlePolicy(
    window=600,
    free_failures=3,
    backoff_base=2,
    backoff_cap=30,
    lockout_failures=6,
    lockout_seconds=300,
)
ADDR = "203.0.113.9"


def _guarded(stores: Stores, kek: KeyEncryptionKey, clock: ManualClock) -> TokenService:
    config = make_config(account_throttle=POLICY, address_throttle=POLICY)
    svc = TokenService(config, stores, kek, clock=clock)
    svc.create_account("alice", "correct horse", allowed_scopes=["read"])
    return svc


@pytest.fixture
def guarded(stores: Stores, kek: KeyEncryptionKey, clock: ManualClock) -> TokenService:
    return _guarded(stores, kek, clock)


def _fail(svc: TokenService, times: int, addr: str | None = ADDR) -> None:
    for _ in range(times):
        with pytest.raises(InvalidGrantError):
            svc.login("alice", "wrong", remote_addr=addr)


def test_success_with_an_address_clears_the_account_and_releases_the_address(
    guarded: TokenService,
) -> None:
    """Two failures, a success: the account starts again; the address keeps its 2."""
    _fail(guarded, 2)
    assert guarded.login("alice", "correct horse", remote_addr=ADDR).access_token
    _fail(guarded, 1, addr="198.51.100.7")  # the account's 1st failure since: free
    _fail(guarded, 1)  # the address's 3rd: still free
    _fail(guarded, 1)  # the address's 4th: it locks for 2 s
    with pytest.raises(ThrottledError) as caught:
        guarded.login("alice", "correct horse", remote_addr=ADDR)
    assert caught.value.retry_after == 2


def test_a_refused_scope_after_the_right_password_gives_the_attempt_back(
    guarded: TokenService,
) -> None:
    """No session is made, yet the attempt is settled: six of these never lock alice."""
    for _ in range(POLICY.lockout_failures + 1):
        with pytest.raises(InvalidScopeError):
            guarded.login("alice", "correct horse", scope="write", remote_addr=ADDR)
    assert guarded.login("alice", "correct horse", remote_addr=ADDR).access_token


def test_a_disabled_account_settles_its_attempt(guarded: TokenService) -> None:
    """The right password of a disabled account is refused, and not counted as a guess."""
    found = guarded.find_account("alice")
    assert found is not None
    guarded.disable_account(found.account_id)
    for _ in range(POLICY.lockout_failures + 1):
        with pytest.raises(InvalidGrantError) as caught:
            guarded.login("alice", "correct horse", remote_addr=ADDR)
        assert caught.value.code == "account_disabled"


def test_a_locked_address_costs_the_account_nothing(guarded: TokenService) -> None:
    """Refused at a locked address, alice's own count is untouched (all keys or none)."""
    for i in range(POLICY.free_failures + 1):  # the address locks; alice is not named
        with pytest.raises(InvalidGrantError):
            guarded.login(f"user{i}", "wrong", remote_addr=ADDR)
    for _ in range(10):
        with pytest.raises(ThrottledError):
            guarded.login("alice", "wrong", remote_addr=ADDR)
    _fail(guarded, POLICY.free_failures, addr="198.51.100.7")  # still all free for alice
    assert guarded.login("alice", "correct horse", remote_addr="198.51.100.7").access_token


def test_counters_in_another_store_are_settled_there(
    tmp_path: Path, kek: KeyEncryptionKey, clock: ManualClock
) -> None:
    """Throttle apart from the sessions: the settlement is written by itself, to it."""
    main, counters = SQLiteStore(tmp_path / "g.db"), MemoryStore()
    try:
        svc = _guarded(Stores.single(main, throttle=counters), kek, clock)
        _fail(svc, 3)
        assert svc.login("alice", "correct horse", remote_addr=ADDR).access_token
        assert (
            counters.reserve_attempt("acct:alice", now=clock.time(), window=600, locks=()).count
            == 1
        )
        assert main.reserve_attempt("acct:alice", now=clock.time(), window=600, locks=()).count == 1
    finally:
        main.close()


def test_a_postgres_login_is_two_round_trips_and_two_commits(
    kek: KeyEncryptionKey, clock: ManualClock
) -> None:
    """Reservation with the account's read, then the session with the settlement:
    two Syncs on the wire per login (libpq's trace), the first holding no BEGIN."""
    with postgres_backend(None, pool_size=1) as pg:
        svc = _guarded(Stores.single(pg), kek, clock)
        svc.bootstrap()
        svc.login("alice", "correct horse", remote_addr=ADDR)  # keys and statements warm
        with wire_trace(pg._pool) as sent:  # the pool's one connection
            for _ in range(3):
                svc.login("alice", "correct horse", remote_addr=ADDR)
    frontend = [fields[2].strip() for fields in sent if fields[0] == "F"]
    assert frontend.count("Sync") == 2 * 3
    assert frontend.count("Execute") == 3 * 3  # row locks + account, decision, session
    assert not any("BEGIN" in line or "COMMIT" in line for line in map("\t".join, sent))
