"""The deny-list and throttle counters in SQL, written once for SQLite and PostgreSQL.

Each write is one ``INSERT … ON CONFLICT … DO UPDATE``: the database takes the row
lock itself, so concurrent failures count exactly once each and a shorter lock or deny
entry never replaces a longer one. Only ``clear`` (two tables in one statement on
PostgreSQL, a data-modifying CTE SQLite lacks) is written per dialect.
``reserve_attempt`` is the one transaction (``storage.attempts``): check the lock,
count, lock, with the key's row held throughout.
"""

from __future__ import annotations

from collections.abc import Sequence

from gatehouse.errors import StorageError
from gatehouse.storage.attempts import Reservation, lock_after
from gatehouse.storage.records import DenyKind
from gatehouse.storage.sql_seam import SQLSeam, Transaction

__all__ = ["SQLCounters"]

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
        def work(tx: Transaction) -> Reservation:
            row = tx.one(_HOLD_FAILURES, (key, now))
            if row is None:  # an upsert's RETURNING always gives the row
                raise StorageError("the throttle counter could not be read")
            count, started = int(row[0]), float(row[1])
            held = tx.one(_LOCKED_UNTIL, (key, now))
            if held is not None:
                return Reservation(False, count, float(held[0]))
            if count == 0 or now - started >= window:
                count, started = 0, now
            count += 1
            tx.run(_SET_FAILURES, (count, started, key))
            delay = lock_after(count, locks)
            if delay <= 0:
                return Reservation(True, count, None)
            tx.run(_LOCK, (key, now + delay))
            return Reservation(True, count, now + delay)

        return self._transaction(work)

    def release(self, key: str, *, now: float, window: float) -> None:
        self._execute(_RELEASE, (key, now, window))
