"""Login attempts reserved before the password is checked, and the lock each one sets.

The throttle used to check for a lock, hash, then count the failure: every request
already in flight passed the check, so a burst of 100 guesses reached argon2 about
50 times where 6 were allowed. Now each attempt is reserved first, in one atomic step
per store (``ThrottleStore.reserve_attempt``): refused if a lock is in force, else
counted, and the lock that count earns is set in the same step, so the next attempt,
however close behind, already sees it. A correct password gives its attempt back
(``release``, or ``clear`` for the account).

The lock schedule is data (``locks[i]`` is the lock in seconds after the ``i+1``-th
attempt in the window; attempts past the end use the last value), so the memory and
SQL stores compute it in Python and the Redis script in Lua from the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Reservation", "lock_after"]


@dataclass(frozen=True, slots=True)
class Reservation:
    """What ``reserve_attempt`` decided.

    ``admitted``: the attempt may check its password. ``count``: attempts counted in
    the window (this one included when admitted). ``locked_until``: the lock in force
    after the call (for a refusal, the lock that refused it), or None.
    """

    admitted: bool
    count: int
    locked_until: float | None


def lock_after(count: int, locks: Sequence[float]) -> float:
    """Seconds the key is locked for once ``count`` attempts are in the window."""
    if count < 1 or not locks:
        return 0.0
    return float(locks[min(count, len(locks)) - 1])
