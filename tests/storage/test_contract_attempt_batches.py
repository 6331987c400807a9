"""Contract: a login's keys reserved and settled together (``AttemptBatches``,
``SettlingStore``) on every store that implements them (SQLite, PostgreSQL).

One transaction reserves every key of an attempt, all or none; the account is read in
it; the settlement of a right password rides in the session's insert. Under concurrent
logins exactly the allowance is admitted, whatever order the keys come in.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from storage_samples import NOW, account, session, token

from backend_servers import postgres_backend
from gatehouse.clock import ManualClock
from gatehouse.errors import ConflictError
from gatehouse.storage.attempts import (
    Attempt,
    Found,
    Reservation,
    Settlement,
    SettlingStore,
    check_batch,
    decide_attempts,
)
from gatehouse.storage.sqlite import SQLiteStore
from gatehouse.storage.status_records import StatusClaim

LOCKS = (0.0, 0.0, 5.0, 300.0)  # two free, then 5 s, then a 300 s lockout
ACCT = Attempt("acct:a", 60.0, LOCKS)
ADDR = Attempt("addr:1", 60.0, LOCKS)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settling(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh store that reserves and settles logins together (memory and Redis
    reserve a key at a time: ``test_contract_attempts``)."""
    if request.param == "postgres":
        with postgres_backend(request) as pg:
            assert isinstance(pg, SettlingStore)
            yield pg
        return
    store = SQLiteStore(tmp_path / "gatehouse.db", clock=ManualClock())
    assert isinstance(store, SettlingStore)
    try:
        yield store
    finally:
        store.close()


def test_a_batch_counts_every_key_and_sets_each_earned_lock(settling: Any) -> None:
    """Each key counts one more per batch; the third sets both 5 s locks."""
    for expected in (1, 2):
        got = settling.reserve_attempts([ACCT, ADDR], now=NOW)
        assert got == (Reservation(True, expected, None), Reservation(True, expected, None))
    third = settling.reserve_attempts([ACCT, ADDR], now=NOW)
    assert third == (Reservation(True, 3, NOW + 5), Reservation(True, 3, NOW + 5))
    assert settling.locked_until("addr:1", now=NOW + 1) == NOW + 5


def test_one_locked_key_refuses_the_batch_and_costs_the_others_nothing(settling: Any) -> None:
    """The address is locked: the account is refused too, uncounted and unlocked."""
    for _ in range(3):
        settling.reserve_attempt("addr:1", now=NOW, window=60, locks=LOCKS)
    got = settling.reserve_attempts([ACCT, ADDR], now=NOW + 1)
    assert got == (Reservation(False, 0, None), Reservation(False, 3, NOW + 5))
    assert settling.locked_until("acct:a", now=NOW + 1) is None
    after = settling.reserve_attempt("acct:a", now=NOW + 1, window=60, locks=LOCKS)
    assert after == Reservation(True, 1, None)


def test_reserve_login_reads_the_account_in_the_same_step(settling: Any) -> None:
    """The account comes back with the reservations; an unknown name gives None."""
    alice = account("alice")
    settling.create_account(alice)
    got, found = settling.reserve_login([ACCT, ADDR], now=NOW, username="alice")
    assert got == (Reservation(True, 1, None), Reservation(True, 1, None))
    assert found == alice
    got, found = settling.reserve_login([Attempt("acct:nobody", 60, LOCKS)], now=NOW, username="x")
    assert (got, found) == ((Reservation(True, 1, None),), None)


def test_a_refused_login_still_reads_nothing_into_the_counters(settling: Any) -> None:
    """reserve_login refused by a lock counts nothing, and reports the lock."""
    for _ in range(3):
        settling.reserve_login([ACCT], now=NOW, username="alice")
    got, _ = settling.reserve_login([ACCT, ADDR], now=NOW + 1, username="alice")
    assert got == (Reservation(False, 3, NOW + 5), Reservation(False, 0, None))
    assert settling.reserve_attempt("addr:1", now=NOW + 1, window=60, locks=LOCKS).count == 1


@pytest.mark.parametrize("reading", [False, True], ids=["reserve_attempts", "reserve_login"])
def test_concurrent_batches_admit_exactly_the_allowance(settling: Any, reading: bool) -> None:
    """32 logins at once, half naming the keys in the other order: 3 admitted, no deadlock."""
    barrier = threading.Barrier(32)

    def login(i: int) -> bool:
        keys = [ACCT, ADDR] if i % 2 else [ADDR, ACCT]
        barrier.wait(10)
        if reading:
            got, _ = settling.reserve_login(keys, now=NOW, username="alice")
        else:
            got = settling.reserve_attempts(keys, now=NOW)
        assert len({r.admitted for r in got}) == 1  # all or none
        return bool(got[0].admitted)

    with ThreadPoolExecutor(32) as pool:
        admitted = sum(pool.map(login, range(32)))
    assert admitted == 3
    assert settling.reserve_attempt("acct:a", now=NOW + 5, window=60, locks=LOCKS).count == 4


def test_settle_clears_the_account_and_releases_the_address(settling: Any) -> None:
    """The account forgets its count and lock; the address gives back one attempt."""
    for _ in range(3):
        settling.reserve_attempts([ACCT, ADDR], now=NOW)
    settling.settle_attempts(Settlement(("acct:a",), (ADDR,), NOW + 1))
    assert settling.locked_until("acct:a", now=NOW + 1) is None
    assert settling.reserve_attempt("acct:a", now=NOW + 1, window=60, locks=LOCKS).count == 1
    assert settling.locked_until("addr:1", now=NOW + 1) == NOW + 5  # its lock stays
    assert settling.reserve_attempt("addr:1", now=NOW + 5, window=60, locks=LOCKS).count == 3


def test_settle_never_releases_below_zero_or_across_a_window(settling: Any) -> None:
    """Releasing what was never reserved, or after the window ran out, changes nothing."""
    settling.settle_attempts(Settlement((), (ADDR, Attempt("addr:none", 60, LOCKS)), NOW))
    settling.reserve_attempts([ADDR], now=NOW)
    settling.settle_attempts(Settlement((), (ADDR,), NOW + 60))
    assert settling.reserve_attempt("addr:1", now=NOW + 59, window=60, locks=LOCKS).count == 2


@pytest.mark.parametrize("claiming", [False, True], ids=["plain", "with-status-claim"])
def test_the_session_insert_carries_the_settlement(settling: Any, claiming: bool) -> None:
    """create_session(settle=…) writes the session and settles the attempt together."""
    for _ in range(3):
        settling.reserve_attempts([ACCT, ADDR], now=NOW)
    s = session("acct")
    status = None
    if claiming:
        listed = settling.open_status_list(size=64, now=NOW)
        status = StatusClaim(listed.list_id, (5,), 4, "j", s.sid, "acct", "web", NOW + 300)
    settle = Settlement(("acct:a",), (ADDR,), NOW)
    idx = settling.create_session(s, token(s.sid), status=status, settle=settle)
    assert settling.get_session(s.sid) == s
    assert (idx is not None) is claiming
    assert settling.locked_until("acct:a", now=NOW + 1) is None
    assert settling.reserve_attempt("addr:1", now=NOW + 5, window=60, locks=LOCKS).count == 3


def test_a_failed_session_insert_settles_nothing(settling: Any) -> None:
    """The settlement is part of the insert's transaction: a conflict rolls it back."""
    s = session("acct")
    settling.create_session(s, token(s.sid))
    settling.reserve_attempts([ACCT], now=NOW)
    with pytest.raises(ConflictError):
        settling.create_session(s, token(s.sid), settle=Settlement(("acct:a",), (), NOW))
    assert settling.reserve_attempt("acct:a", now=NOW, window=60, locks=LOCKS).count == 2


def test_batches_name_each_key_once() -> None:
    """An empty batch, or one naming a key twice, is refused before any SQL runs."""
    with pytest.raises(ValueError, match="each key once"):
        check_batch([])
    with pytest.raises(ValueError, match="each key once"):
        check_batch([ACCT, ACCT])
    with pytest.raises(ValueError, match="cleared or released"):
        Settlement(("acct:a",), (Attempt("acct:a", 60, LOCKS),), NOW)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        # a fresh key, a key within its window, a window run out, a count given back to 0
        (Found(0, NOW, None), Reservation(True, 1, None)),
        (Found(2, NOW - 10, None), Reservation(True, 3, NOW + 5)),
        (Found(5, NOW - 60, None), Reservation(True, 1, None)),
        (Found(0, NOW - 30, None), Reservation(True, 1, None)),
        (Found(3, NOW - 10, NOW + 4), Reservation(False, 3, NOW + 4)),
    ],
)
def test_decide_attempts_follows_the_window_and_schedule(
    found: Found, expected: Reservation
) -> None:
    """The pure decision: the window rule, the schedule, a lock in force refuses."""
    reservations, writes = decide_attempts([ACCT], {"acct:a": found}, NOW)
    assert reservations == (expected,)
    assert len(writes) == (1 if expected.admitted else 0)
