"""Failed-login throttling: backoff, lockout, per account and per address."""

from __future__ import annotations

import pytest
from issuer_helpers import make_config

from gatehouse import ManualClock
from gatehouse.errors import InvalidGrantError, ThrottledError
from gatehouse.issuer import KeyEncryptionKey, ThrottlePolicy, TokenService
from gatehouse.storage.ports import Stores

POLICY = ThrottlePolicy(
    window=600,
    free_failures=3,
    backoff_base=2,
    backoff_cap=30,
    lockout_failures=6,
    lockout_seconds=300,
)


@pytest.fixture
def guarded(stores: Stores, kek: KeyEncryptionKey, clock: ManualClock) -> TokenService:
    svc = TokenService(
        make_config(account_throttle=POLICY, address_throttle=POLICY), stores, kek, clock=clock
    )
    svc.create_account("alice", "correct horse")
    return svc


def _fail(svc: TokenService, user: str = "alice", addr: str | None = None) -> None:
    with pytest.raises(InvalidGrantError):
        svc.login(user, "wrong", remote_addr=addr)


def test_backoff_grows_then_locks_out(guarded: TokenService, clock: ManualClock) -> None:
    """Free failures pass; then locks of 2 s, 4 s, and a 300 s lockout; retry_after says so."""
    for _ in range(3):
        _fail(guarded)
    _fail(guarded)  # 4th: locks for 2 s
    with pytest.raises(ThrottledError) as caught:
        guarded.login("alice", "correct horse")
    assert caught.value.retry_after == 2
    assert caught.value.status == 429
    clock.advance(2)
    _fail(guarded)  # 5th: 4 s
    with pytest.raises(ThrottledError) as caught:
        guarded.login("alice", "wrong")
    assert caught.value.retry_after == 4
    clock.advance(4)
    _fail(guarded)  # 6th: lockout
    clock.advance(100)
    with pytest.raises(ThrottledError) as caught:
        guarded.login("alice", "correct horse")
    assert caught.value.retry_after == 200
    clock.advance(200)
    assert guarded.login("alice", "correct horse").access_token


def test_success_clears_account_counter(guarded: TokenService, clock: ManualClock) -> None:
    """A correct password resets the account's count of failures."""
    for _ in range(3):
        _fail(guarded)
    guarded.login("alice", "correct horse")
    for _ in range(3):
        _fail(guarded)
    assert guarded.login("alice", "correct horse").access_token


def test_unknown_users_are_throttled_too(guarded: TokenService) -> None:
    """Guessing at a username that does not exist is throttled the same way."""
    for _ in range(4):
        _fail(guarded, "nobody")
    with pytest.raises(ThrottledError):
        guarded.login("nobody", "x")


def test_address_throttle_spans_accounts(guarded: TokenService) -> None:
    """Failures from one address across many usernames lock that address."""
    for i in range(4):
        _fail(guarded, f"user{i}", addr="203.0.113.9")
    with pytest.raises(ThrottledError):
        guarded.login("alice", "correct horse", remote_addr="203.0.113.9")
    assert guarded.login("alice", "correct horse", remote_addr="198.51.100.1").access_token
