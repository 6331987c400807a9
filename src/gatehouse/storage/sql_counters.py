"""The deny-list and throttle counters in SQL, written once for SQLite and PostgreSQL.

Each write is one ``INSERT … ON CONFLICT … DO UPDATE``: the database takes the row
lock itself, so concurrent failures count exactly once each and a shorter lock or deny
entry never replaces a longer one. Only ``clear`` (two tables in one statement on
PostgreSQL, a data-modifying CTE SQLite lacks) is written per dialect.
"""

from __future__ import annotations

from gatehouse.storage.records import DenyKind
from gatehouse.storage.sql_seam import SQLSeam

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
