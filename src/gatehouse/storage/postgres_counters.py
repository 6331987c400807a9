"""The PostgreSQL deny-list and throttle counters (each method one statement).

Each method is a single statement in autocommit mode (an ``INSERT … ON CONFLICT … DO
UPDATE`` for the writes): PostgreSQL takes the row lock itself, so concurrent failures
count exactly once each and a shorter lock never replaces a longer one, in one round
trip and without an explicit transaction.
"""

from __future__ import annotations

from gatehouse.storage.postgres_base import PostgresBase
from gatehouse.storage.records import DenyKind

__all__ = ["PostgresCounters"]


class PostgresCounters(PostgresBase):
    """``DenyList`` and ``ThrottleStore`` over the tables of migration 0001."""

    # --- deny-list ------------------------------------------------------------------

    def deny(self, kind: DenyKind, value: str, *, expires_at: float) -> None:
        self._execute(
            "INSERT INTO $S.denied_tokens (kind, value, expires_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (kind, value) DO UPDATE"
            " SET expires_at = GREATEST(denied_tokens.expires_at, excluded.expires_at)",
            (kind.value, value, expires_at),
        )

    def is_denied(self, *, jti: str | None = None, sid: str | None = None, now: float) -> bool:
        found = self._read(
            "SELECT 1 FROM $S.denied_tokens WHERE expires_at > %s AND"
            " ((kind = 'jti' AND value = %s) OR (kind = 'sid' AND value = %s)) LIMIT 1",
            (now, jti, sid),
        )
        return bool(found)

    def purge_denied(self, *, now: float) -> int:
        return self._execute("DELETE FROM $S.denied_tokens WHERE expires_at <= %s", (now,)).rowcount

    # --- throttle -------------------------------------------------------------------

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        done = self._execute(
            "INSERT INTO $S.throttle_failures AS f (key, failures, window_start)"
            " VALUES (%s, 1, %s) ON CONFLICT (key) DO UPDATE SET"
            " failures = CASE WHEN %s - f.window_start >= %s THEN 1"
            " ELSE f.failures + 1 END,"
            " window_start = CASE WHEN %s - f.window_start >= %s THEN %s"
            " ELSE f.window_start END"
            " RETURNING failures",
            (key, now, now, window, now, window, now),
            fetch=True,
        )
        return int(done.rows[0][0])

    def lock(self, key: str, *, until: float) -> None:
        self._execute(
            "INSERT INTO $S.throttle_locks (key, locked_until) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE"
            " SET locked_until = GREATEST(throttle_locks.locked_until, excluded.locked_until)",
            (key, until),
        )

    def locked_until(self, key: str, *, now: float) -> float | None:
        found = self._read(
            "SELECT locked_until FROM $S.throttle_locks WHERE key = %s AND locked_until > %s",
            (key, now),
        )
        return float(found[0][0]) if found else None

    def clear(self, key: str) -> None:
        # One statement (a data-modifying CTE): both rows go together, one round trip.
        self._execute(
            "WITH failures AS (DELETE FROM $S.throttle_failures WHERE key = %s)"
            " DELETE FROM $S.throttle_locks WHERE key = %s",
            (key, key),
        )
