"""Failed-login throttling per account and per client address.

Online guessing is slowed, not just stopped: after a few free failures each further
one locks the key for an exponentially growing moment, and a burst ends in a
temporary lockout (OWASP Authentication Cheat Sheet, "Account Lockout"). Unknown
usernames are counted like real ones so the throttle does not reveal which exist.
The counters live behind ``ThrottleStore`` (the main store, or Redis).

Every attempt is reserved before its password is hashed (``reserve``), in one atomic
store step that also sets the lock the attempt earns, and given back when the
password is right (``pending``). Counting after the hash let every request already in
flight pass the same check: under N concurrent guesses at most the allowance reaches
argon2 now, and the rest are refused with ``Retry-After`` (``storage.attempts``).

Where the store can (``AttemptBatches``), both keys are reserved in one transaction,
all or none, with the account read in it where that store holds the accounts too. The
give-back of a correct password is one ``Settlement``, which the login hands to its
session insert (``PendingSettle.create_session``) when the throttle's store is the
session store. A login then commits twice in all: the reservation, durable before the
hash, and the session with its settlement (issue 15 §4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType
from typing import TYPE_CHECKING

from gatehouse._record import record
from gatehouse.clock import Clock
from gatehouse.errors import StorageError, ThrottledError
from gatehouse.issuer.audit import AuditLog
from gatehouse.issuer.config import ThrottlePolicy
from gatehouse.storage.ports import (
    Attempt,
    AttemptBatches,
    Reservation,
    SessionStore,
    Settlement,
    SettlingStore,
    ThrottleStore,
)

if TYPE_CHECKING:
    from gatehouse.storage.records import AccountRecord, RefreshTokenRecord, SessionRecord
    from gatehouse.storage.status_records import StatusClaim

__all__ = [
    "LoginThrottle",
    "PendingSettle",
    "Reserved",
    "account_key",
    "address_key",
    "lock_schedule",
]


def account_key(username: str) -> str:
    return f"acct:{username}"


def address_key(remote_addr: str) -> str:
    return f"addr:{remote_addr}"


def lock_schedule(policy: ThrottlePolicy) -> tuple[float, ...]:
    """The lock after the 1st, 2nd, … attempt in a window (the last one repeats):
    none while free, then ``backoff_base * 2**k`` capped at ``backoff_cap``, then the
    lockout from ``lockout_failures`` on."""
    steps: list[float] = []
    for count in range(1, policy.lockout_failures + 1):
        if count >= policy.lockout_failures:
            steps.append(policy.lockout_seconds)
        elif count > policy.free_failures:
            extra = count - policy.free_failures - 1
            steps.append(min(policy.backoff_cap, policy.backoff_base * 2.0 ** min(extra, 62)))
        else:
            steps.append(0.0)
    return tuple(steps)


@record
class Reserved:
    """``reserve``'s answer: whether the account was read with the reservation
    (``read``), and if so the account (None: no such username)."""

    read: bool
    account: AccountRecord | None = None


class PendingSettle:
    """A correct password's give-back, not written yet: it rides on the session insert
    (``create_session``), or is written by itself (``apply``); one of the two, once.

    As a context manager around the rest of the login it is written on the way out if
    nothing took it (a refused scope after the right password still gives the attempt
    back). Once handed to a session insert it is never written again, even if that
    insert fails: the login did not succeed, and the attempt stays counted.
    """

    __slots__ = ("_done", "_settling", "_write", "settlement")

    def __init__(
        self,
        settlement: Settlement,
        settling: SettlingStore | None,
        write: Callable[[Settlement], None],
    ) -> None:
        self.settlement = settlement
        self._settling = settling
        self._write = write
        self._done = False

    def apply(self) -> None:
        """Write the settlement now, in a transaction of its own (once)."""
        if not self._done:
            self._done = True
            self._write(self.settlement)

    def create_session(
        self,
        sessions: SessionStore,
        session: SessionRecord,
        first_token: RefreshTokenRecord,
        *,
        status: StatusClaim | None = None,
    ) -> int | None:
        """``sessions.create_session``, carrying the settlement in its transaction when
        ``sessions`` is the throttle's own store and can; otherwise the settlement is
        written first, by itself (where a login always gave its attempt back)."""
        same: object = sessions  # one object may be both stores (``Stores.single``)
        if self._settling is not None and same is self._settling and not self._done:
            self._done = True
            return self._settling.create_session(
                session, first_token, status=status, settle=self.settlement
            )
        self.apply()
        return sessions.create_session(session, first_token, status=status)

    def __enter__(self) -> PendingSettle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.apply()
            return
        with suppress(StorageError):  # the error already on its way is the one to report
            self.apply()


class LoginThrottle:
    def __init__(
        self,
        store: ThrottleStore,
        *,
        account_policy: ThrottlePolicy,
        address_policy: ThrottlePolicy,
        clock: Clock,
        audit: AuditLog,
    ) -> None:
        self._store = store
        self._batches = store if isinstance(store, AttemptBatches) else None
        self._settling = store if isinstance(store, SettlingStore) else None
        self._policies = {"acct": account_policy, "addr": address_policy}
        self._schedules = {kind: lock_schedule(p) for kind, p in self._policies.items()}
        self._clock = clock
        self._audit = audit

    def _attempt(self, key: str) -> Attempt:
        kind = key.partition(":")[0]
        return Attempt(key, self._policies[kind].window, self._schedules[kind])

    def reserve(self, keys: list[str], *, accounts: object = None, username: str = "") -> Reserved:
        """Count an attempt on every key before its password is checked, or raise
        ``ThrottledError`` (nothing left counted) if any key is locked now. Where
        ``accounts`` is the throttle's own store, ``username``'s account is read in
        the same transaction (``Reserved.read``); a failure there reserves nothing."""
        now = self._clock.time()
        attempts = [self._attempt(key) for key in keys]
        reserved = Reserved(read=False)
        if self._settling is not None and accounts is self._settling:
            got, account = self._settling.reserve_login(attempts, now=now, username=username)
            reserved = Reserved(read=True, account=account)
        elif self._batches is not None:
            got = self._batches.reserve_attempts(attempts, now=now)
        else:
            got = tuple(self._reserve_each(attempts, now))
        refused = [r.locked_until or now for r in got if not r.admitted]
        if refused:  # Retry-After: when the last lock in the way ends
            raise ThrottledError(
                "too many failed attempts; try again later",
                retry_after=max(1, math.ceil(max(refused) - now)),
            )
        for attempt, reservation in zip(attempts, got, strict=True):
            kind = attempt.key.partition(":")[0]
            policy = self._policies[kind]
            if reservation.count >= policy.lockout_failures:
                self._audit.event(
                    "login_locked_out",
                    reason=kind,
                    count=reservation.count,
                    retry_after=int(policy.lockout_seconds),
                )
        return reserved

    def _reserve_each(self, attempts: list[Attempt], now: float) -> list[Reservation]:
        """A key at a time, for a store without batches (memory, Redis); a refusal
        gives back what the keys before it took."""
        got: list[Reservation] = []
        for attempt in attempts:
            reserved = self._store.reserve_attempt(
                attempt.key, now=now, window=attempt.window, locks=attempt.locks
            )
            got.append(reserved)
            if not reserved.admitted:
                for earlier in attempts[: len(got) - 1]:  # a refusal costs no other key
                    self._store.release(earlier.key, now=now, window=earlier.window)
                break
        return got

    def pending(self, account: str, address: str | None = None) -> PendingSettle:
        """What a correct password gives back, to write with the session or by itself:
        the account's counter cleared; the address's attempt released (its other
        failures stay counted)."""
        released = (self._attempt(address),) if address is not None else ()
        settlement = Settlement((account,), released, self._clock.time())
        return PendingSettle(settlement, self._settling, self._settle)

    def cancel(self, keys: list[str]) -> None:
        """Give back attempts reserved for a login that never checked its password (the
        hashing pool was full, the store failed)."""
        released = tuple(self._attempt(key) for key in keys)
        self._settle(Settlement((), released, self._clock.time()))

    def _settle(self, settlement: Settlement) -> None:
        if self._batches is not None:
            self._batches.settle_attempts(settlement)
            return
        for key in settlement.cleared:
            self._store.clear(key)
        for attempt in settlement.released:
            self._store.release(attempt.key, now=settlement.now, window=attempt.window)
