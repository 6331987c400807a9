"""The PostgreSQL deny-list and throttle counters (each method one statement).

The statements are shared with SQLite (``storage.sql_counters``); each runs by itself
in autocommit mode, one round trip, without an explicit transaction. ``clear`` is
PostgreSQL's own: both tables in one statement (a data-modifying CTE).
"""

from __future__ import annotations

from gatehouse.storage.postgres_base import PostgresBase
from gatehouse.storage.sql_counters import SQLCounters

__all__ = ["PostgresCounters"]

_CLEAR = (
    "WITH failures AS (DELETE FROM $throttle_failures WHERE key = ?)"
    " DELETE FROM $throttle_locks WHERE key = ?"
)


class PostgresCounters(SQLCounters, PostgresBase):
    """``DenyList`` and ``ThrottleStore`` over the tables of migration 0001."""

    def clear(self, key: str) -> None:
        # One statement: both rows go together, one round trip.
        self._execute(_CLEAR, (key, key))
