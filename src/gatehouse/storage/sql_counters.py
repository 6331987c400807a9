"""The deny-list and throttle counters in SQL, written once for SQLite and PostgreSQL.

Each write is one ``INSERT … ON CONFLICT … DO UPDATE``: the database takes the row
lock itself, so concurrent failures count exactly once each and a shorter lock or deny
entry never replaces a longer one. Only ``clear`` (two tables in one statement on
PostgreSQL, a data-modifying CTE SQLite lacks) is written per dialect, and what a login
sends PostgreSQL in one round trip (``storage.postgres_counters``).
``reserve_attempts`` is the one transaction (``storage.attempts``): every key's row
held (in key order, so two logins never wait on each other crosswise), the locks
read, then the counts and the locks they earn written, all keys or none;
``reserve_attempt`` is its one-key case. ``settle_attempts`` is one transaction too.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.errors import StorageError
from gatehouse.storage.attempts import (
    Attempt,
    Found,
    Reservation,
    Settlement,
    check_batch,
    decide_attempts,
)
from gatehouse.storage.records import AccountRecord, DenyKind
from gatehouse.storage.sql_seam import SQLSeam, Transaction
from gatehouse.storage.sql_tables import ACCOUNTS

__all__ = ["SQLCounters", "reserve_in", "settle_in"]

_DENY = (
    "INSERT INTO $denied_tokens AS d (kind, value, expires_at) VALUES (?, ?, ?)"
    " ON CONFLICT (kind, value) DO UPDATE"
    " SET expires_at = GREATEST(d.expires_at, excluded.expires_at)"
)
_IS_DENIED = (
    "SELECT 1 FROM $denied_tokens WHERE expires_at > ? AND"
    " ((kind = 'jti' AND value = ?) OR (kind = 'sid' AND value = ?)) LIMIT 1"
)
_PURGE_DENIED = "DELETE FROM $denied_tokens WHERE expires_at <= ?"
# A window that has run out starts again at 1; otherwise the count goes up by one.
_REGISTER_FAILURE = (
    "INSERT INTO $throttle_failures AS f (key, failures, window_start) VALUES (?, 1, ?)"
    " ON CONFLICT (key) DO UPDATE SET"
    " failures = CASE WHEN ? - f.window_start >= ? THEN 1 ELSE f.failures + 1 END,"
    " window_start = CASE WHEN ? - f.window_start >= ? THEN ? ELSE f.window_start END"
    " RETURNING failures"
)
_LOCK = (
    "INSERT INTO $throttle_locks AS l (key, locked_until) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE"
    " SET locked_until = GREATEST(l.locked_until, excluded.locked_until)"
)
_LOCKED_UNTIL = "SELECT locked_until FROM $throttle_locks WHERE key = ? AND locked_until > ?"
# Reserving an attempt: the no-op upsert takes the key's row lock (PostgreSQL) inside
# the transaction (SQLite's BEGIN IMMEDIATE already serialises every writer), so
# concurrent reservations of one key run one after another.
_HOLD_FAILURES = (
    "INSERT INTO $throttle_failures AS f (key, failures, window_start) VALUES (?, 0, ?)"
    " ON CONFLICT (key) DO UPDATE SET failures = f.failures"
    " RETURNING failures, window_start"
)
_SET_FAILURES = "UPDATE $throttle_failures SET failures = ?, window_start = ? WHERE key = ?"
_RELEASE = (
    "UPDATE $throttle_failures SET failures = failures - 1"
    " WHERE key = ? AND failures > 0 AND ? - window_start < ?"
)
_ACCOUNT_BY_NAME = f"{ACCOUNTS.select} WHERE username = ?"
_CLEAR_FAILURES = "DELETE FROM $throttle_failures WHERE key = ?"
_CLEAR_LOCK = "DELETE FROM $throttle_locks WHERE key = ?"


class SQLCounters(SQLSeam):
    """``DenyList`` and ``ThrottleStore`` over the tables of migration 0001; each dialect
    adds ``clear``."""

    # --- deny-list ------------------------------------------------------------------

    def deny(self, kind: DenyKind, value: str, *, expires_at: float) -> None:
        self._execute(_DENY, (kind.value, value, expires_at))

    def is_denied(self, *, jti: str | None = None, sid: str | None = None, now: float) -> bool:
        return bool(self._read(_IS_DENIED, (now, jti, sid)))

    def purge_denied(self, *, now: float) -> int:
        return self._execute(_PURGE_DENIED, (now,))

    # --- throttle -------------------------------------------------------------------

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        params = (key, now, now, window, now, window, now)
        return int(self._execute_returning(_REGISTER_FAILURE, params)[0][0])

    def lock(self, key: str, *, until: float) -> None:
        self._execute(_LOCK, (key, until))

    def locked_until(self, key: str, *, now: float) -> float | None:
        found = self._read(_LOCKED_UNTIL, (key, now))
        return float(found[0][0]) if found else None

    def reserve_attempt(
        self, key: str, *, now: float, window: float, locks: Sequence[float]
    ) -> Reservation:
        return self.reserve_attempts([Attempt(key, window, tuple(locks))], now=now)[0]

    def reserve_attempts(
        self, attempts: Sequence[Attempt], *, now: float
    ) -> tuple[Reservation, ...]:
        check_batch(attempts)
        return self._transaction(lambda tx: reserve_in(tx, attempts, now))

    def reserve_login(
        self, attempts: Sequence[Attempt], *, now: float, username: str
    ) -> tuple[tuple[Reservation, ...], AccountRecord | None]:
        check_batch(attempts)

        def work(tx: Transaction) -> tuple[tuple[Reservation, ...], AccountRecord | None]:
            reservations = reserve_in(tx, attempts, now)
            row = tx.one(_ACCOUNT_BY_NAME, (username,))
            return reservations, ACCOUNTS.from_row(row) if row is not None else None

        return self._transaction(work)

    def release(self, key: str, *, now: float, window: float) -> None:
        self._execute(_RELEASE, (key, now, window))

    def settle_attempts(self, settlement: Settlement) -> None:
        self._transaction(lambda tx: settle_in(tx, settlement))


def reserve_in(tx: Transaction, attempts: Sequence[Attempt], now: float) -> tuple[Reservation, ...]:
    """Every key's row held (in key order), its lock read, then the decided writes."""
    found: dict[str, Found] = {}
    for key in sorted(a.key for a in attempts):
        row = tx.one(_HOLD_FAILURES, (key, now))
        if row is None:  # an upsert's RETURNING always gives the row
            raise StorageError("the throttle counter could not be read")
        held = tx.one(_LOCKED_UNTIL, (key, now))
        found[key] = Found(int(row[0]), float(row[1]), float(held[0]) if held else None)
    reservations, writes = decide_attempts(attempts, found, now)
    for w in writes:
        tx.run(_SET_FAILURES, (w.count, w.started, w.key))
        if w.locked_until is not None:
            tx.run(_LOCK, (w.key, w.locked_until))
    return reservations


def settle_in(tx: Transaction, settlement: Settlement) -> None:
    """A settlement's statements inside a transaction someone else opened (SQLite's
    session insert carries its login's settlement this way)."""
    for key in settlement.cleared:
        tx.run(_CLEAR_FAILURES, (key,))
        tx.run(_CLEAR_LOCK, (key,))
    for attempt in settlement.released:
        tx.run(_RELEASE, (attempt.key, settlement.now, attempt.window))
