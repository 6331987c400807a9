"""Contract: ``reserve_attempt`` and ``release`` on every counter store (Redis too).

An attempt is reserved before its password is checked, so the check and the count are
one atomic step: under concurrent reservations exactly the allowance is admitted.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from storage_samples import NOW

from gatehouse.storage.attempts import lock_after

LOCKS = (0.0, 0.0, 5.0, 300.0)  # two free, then 5 s, then a 300 s lockout


def test_reserve_counts_and_sets_the_earned_lock(counter_store: Any) -> None:
    """Free attempts set no lock; the third sets 5 s; a locked key refuses uncounted."""
    got = [counter_store.reserve_attempt("acct:a", now=NOW, window=60, locks=LOCKS) for _ in "ab"]
    assert [(g.admitted, g.count, g.locked_until) for g in got] == [
        (True, 1, None),
        (True, 2, None),
    ]
    third = counter_store.reserve_attempt("acct:a", now=NOW, window=60, locks=LOCKS)
    assert (third.admitted, third.count, third.locked_until) == (True, 3, NOW + 5)
    refused = counter_store.reserve_attempt("acct:a", now=NOW + 1, window=60, locks=LOCKS)
    assert (refused.admitted, refused.count, refused.locked_until) == (False, 3, NOW + 5)
    assert counter_store.locked_until("acct:a", now=NOW + 1) == NOW + 5
    fourth = counter_store.reserve_attempt("acct:a", now=NOW + 5, window=60, locks=LOCKS)
    assert (fourth.admitted, fourth.count, fourth.locked_until) == (True, 4, NOW + 305)


def test_reserve_restarts_after_the_window(counter_store: Any) -> None:
    """An attempt after the window starts counting at 1 again."""
    for _ in range(2):
        counter_store.reserve_attempt("acct:w", now=NOW, window=60, locks=LOCKS)
    again = counter_store.reserve_attempt("acct:w", now=NOW + 60, window=60, locks=LOCKS)
    assert (again.admitted, again.count, again.locked_until) == (True, 1, None)


def test_release_gives_one_back_never_below_zero(counter_store: Any) -> None:
    """release undoes one reservation; releasing more than was reserved changes nothing."""
    counter_store.reserve_attempt("addr:r", now=NOW, window=60, locks=LOCKS)
    counter_store.release("addr:r", now=NOW, window=60)
    counter_store.release("addr:r", now=NOW, window=60)
    counter_store.release("addr:none", now=NOW, window=60)
    got = counter_store.reserve_attempt("addr:r", now=NOW, window=60, locks=LOCKS)
    assert got.count == 1


def test_concurrent_reservations_admit_exactly_the_allowance(counter_store: Any) -> None:
    """32 threads released by a barrier: 3 admitted (2 free + the one that locks), 29 refused."""
    barrier = threading.Barrier(32)

    def reserve(_: int) -> bool:
        barrier.wait(10)
        got = counter_store.reserve_attempt("acct:c", now=NOW, window=60, locks=LOCKS)
        return bool(got.admitted)

    with ThreadPoolExecutor(32) as pool:
        admitted = sum(pool.map(reserve, range(32)))
    assert admitted == 3


def test_lock_after_reads_the_schedule() -> None:
    """The schedule's last step repeats; no attempts, or no schedule, means no lock."""
    assert [lock_after(n, LOCKS) for n in range(6)] == [0.0, 0.0, 0.0, 5.0, 300.0, 300.0]
    assert lock_after(3, ()) == 0.0
