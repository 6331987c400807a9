"""The SQLite deny-list and throttle counters (each method one transaction)."""

from __future__ import annotations

from gatehouse.storage.records import DenyKind
from gatehouse.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteCounters"]


class SQLiteCounters(SQLiteBase):
    """``DenyList`` and ``ThrottleStore`` over the tables of migration 0001."""

    # --- deny-list ------------------------------------------------------------------

    def deny(self, kind: DenyKind, value: str, *, expires_at: float) -> None:
        with self._write() as c:
            c.execute(
                "INSERT INTO denied_tokens (kind, value, expires_at) VALUES (?,?,?)"
                " ON CONFLICT (kind, value) DO UPDATE"
                " SET expires_at = MAX(expires_at, excluded.expires_at)",
                (kind.value, value, expires_at),
            )

    def is_denied(self, *, jti: str | None = None, sid: str | None = None, now: float) -> bool:
        found = self._read(
            "SELECT 1 FROM denied_tokens WHERE expires_at > ? AND"
            " ((kind = 'jti' AND value = ?) OR (kind = 'sid' AND value = ?)) LIMIT 1",
            (now, jti, sid),
        )
        return bool(found)

    def purge_denied(self, *, now: float) -> int:
        with self._write() as c:
            return c.execute("DELETE FROM denied_tokens WHERE expires_at <= ?", (now,)).rowcount

    # --- throttle -------------------------------------------------------------------

    def register_failure(self, key: str, *, now: float, window: float) -> int:
        with self._write() as c:
            row = c.execute(
                "INSERT INTO throttle_failures (key, failures, window_start) VALUES (?, 1, ?)"
                " ON CONFLICT (key) DO UPDATE SET"
                " failures = CASE WHEN ? - window_start >= ? THEN 1 ELSE failures + 1 END,"
                " window_start = CASE WHEN ? - window_start >= ? THEN ? ELSE window_start END"
                " RETURNING failures",
                (key, now, now, window, now, window, now),
            ).fetchone()
            return int(row[0])

    def lock(self, key: str, *, until: float) -> None:
        with self._write() as c:
            c.execute(
                "INSERT INTO throttle_locks (key, locked_until) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE"
                " SET locked_until = MAX(locked_until, excluded.locked_until)",
                (key, until),
            )

    def locked_until(self, key: str, *, now: float) -> float | None:
        found = self._read(
            "SELECT locked_until FROM throttle_locks WHERE key = ? AND locked_until > ?",
            (key, now),
        )
        return float(found[0][0]) if found else None  # type: ignore[arg-type]

    def clear(self, key: str) -> None:
        with self._write() as c:
            c.execute("DELETE FROM throttle_failures WHERE key = ?", (key,))
            c.execute("DELETE FROM throttle_locks WHERE key = ?", (key,))
