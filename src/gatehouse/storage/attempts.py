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

A login counts one attempt on two keys (the account and the client address). A store
that can (``AttemptBatches``: the SQL stores) reserves every key of the attempt in one
transaction, all or none: one commit, and on PostgreSQL one round trip, where a key at
a time cost a commit each (issue 15 §4); the account is read in that transaction too
(``SettlingStore.reserve_login``). The correct password's give-back is one
``Settlement``, which the same stores write in the new session's own transaction: a
login commits twice, once before the hash and once after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from gatehouse._record import record

if TYPE_CHECKING:
    from gatehouse.storage.records import AccountRecord, RefreshTokenRecord, SessionRecord
    from gatehouse.storage.status_records import StatusClaim

__all__ = [
    "Attempt",
    "AttemptBatches",
    "Counted",
    "Found",
    "Reservation",
    "Settlement",
    "SettlingStore",
    "check_batch",
    "decide_attempts",
    "lock_after",
]


@record
class Reservation:
    """What ``reserve_attempt`` decided.

    ``admitted``: the attempt may check its password. ``count``: attempts counted in
    the window (this one included when admitted). ``locked_until``: the lock in force
    after the call (for a refusal, the lock that refused it), or None.
    """

    admitted: bool
    count: int
    locked_until: float | None


@record
class Attempt:
    """One key an attempt is counted on, with that key's window and lock schedule."""

    key: str
    window: float
    locks: tuple[float, ...]


@record
class Settlement:
    """What a correct password gives back: each ``cleared`` key (the account) forgets
    its counter and lock; each ``released`` key (the address, whose other failures stay
    counted) gets its one reserved attempt back, as ``release`` does."""

    cleared: tuple[str, ...]
    released: tuple[Attempt, ...]
    now: float

    def __post_init__(self) -> None:
        # One row is never both deleted and updated by the one statement PostgreSQL
        # sends for a settlement.
        if set(self.cleared) & {a.key for a in self.released}:
            raise ValueError("a key is either cleared or released, not both")


@record
class Found:
    """A key's row as a reservation found it, its row lock held: ``count`` and
    ``started`` (the window's start) and the lock in force, if any."""

    count: int
    started: float
    held: float | None


@record
class Counted:
    """A write ``decide_attempts`` asks for: the key's new count and window start, and
    the lock it earned (None: no lock)."""

    key: str
    count: int
    started: float
    locked_until: float | None


def lock_after(count: int, locks: Sequence[float]) -> float:
    """Seconds the key is locked for once ``count`` attempts are in the window."""
    if count < 1 or not locks:
        return 0.0
    return float(locks[min(count, len(locks)) - 1])


def decide_attempts(
    attempts: Sequence[Attempt], found: Mapping[str, Found], now: float
) -> tuple[tuple[Reservation, ...], tuple[Counted, ...]]:
    """One reservation per attempt (in order) and the writes that carry them out.

    All or none: if any key is locked, every key is refused and nothing is written, so
    a refused attempt costs no other key anything. Otherwise each key counts one more
    (a window that ran out, or a count given back to 0, starts again at 1) and takes
    the lock that count earns.
    """
    if any(found[a.key].held is not None for a in attempts):
        refused = (Reservation(False, found[a.key].count, found[a.key].held) for a in attempts)
        return tuple(refused), ()
    reservations: list[Reservation] = []
    writes: list[Counted] = []
    for attempt in attempts:
        row = found[attempt.key]
        fresh = row.count == 0 or now - row.started >= attempt.window
        count, started = (1, now) if fresh else (row.count + 1, row.started)
        delay = lock_after(count, attempt.locks)
        until = now + delay if delay > 0 else None
        reservations.append(Reservation(True, count, until))
        writes.append(Counted(attempt.key, count, started, until))
    return tuple(reservations), tuple(writes)


def check_batch(attempts: Sequence[Attempt]) -> None:
    """Refuse an empty batch or one naming a key twice (one row, one count)."""
    keys = [a.key for a in attempts]
    if not keys or len(set(keys)) != len(keys):
        raise ValueError("a batch names each key once, and at least one")


@runtime_checkable
class AttemptBatches(Protocol):
    """A ``ThrottleStore`` that reserves and settles every key of one attempt at once."""

    def reserve_attempts(
        self, attempts: Sequence[Attempt], *, now: float
    ) -> tuple[Reservation, ...]:
        """``reserve_attempt`` for every key in one atomic step, all or none
        (``decide_attempts``); one reservation per attempt, in order."""
        ...

    def settle_attempts(self, settlement: Settlement) -> None:
        """Clear and release as the settlement says, in one atomic step."""
        ...


@runtime_checkable
class SettlingStore(AttemptBatches, Protocol):
    """A store holding the throttle counters, the accounts and the sessions: a login
    reads its account in its reservation's transaction, and its settlement is written
    in its new session's."""

    def reserve_login(
        self, attempts: Sequence[Attempt], *, now: float, username: str
    ) -> tuple[tuple[Reservation, ...], AccountRecord | None]:
        """``reserve_attempts`` and ``find_account_by_username`` in one transaction (a
        read: it neither locks the account nor depends on the reservation)."""
        ...

    def create_session(
        self,
        session: SessionRecord,
        first_token: RefreshTokenRecord,
        *,
        status: StatusClaim | None = None,
        settle: Settlement | None = None,
    ) -> int | None:
        """``SessionStore.create_session``, with ``settle`` in the same transaction."""
        ...
