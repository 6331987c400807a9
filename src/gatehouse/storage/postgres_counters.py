"""The PostgreSQL deny-list and throttle counters (each method one statement).

The statements are shared with SQLite (``storage.sql_counters``); each runs by itself
in autocommit mode, one round trip, without an explicit transaction. ``clear`` is
PostgreSQL's own: both tables in one statement (a data-modifying CTE), and so is
``reserve_attempt``: the same transaction as SQLite's, sent in pipeline mode, two round
trips instead of five (issue 15 §4: a login reserves two keys before its hash).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from gatehouse.errors import StorageError
from gatehouse.storage.attempts import Reservation, lock_after
from gatehouse.storage.postgres_base import PostgresBase
from gatehouse.storage.sql_counters import (
    _HOLD_FAILURES,
    _LOCK,
    _LOCKED_UNTIL,
    _SET_FAILURES,
    SQLCounters,
)

if TYPE_CHECKING:
    from psycopg import Connection

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

    def reserve_attempt(
        self, key: str, *, now: float, window: float, locks: Sequence[float]
    ) -> Reservation:
        """``SQLCounters.reserve_attempt``'s transaction (the key's row held by the no-op
        upsert throughout, READ COMMITTED), pipelined: BEGIN, the upsert and the lock
        read travel together and sync once; the writes travel with COMMIT."""
        hold, held_until = self._sql(_HOLD_FAILURES), self._sql(_LOCKED_UNTIL)
        set_failures, lock = self._sql(_SET_FAILURES), self._sql(_LOCK)

        def work(conn: Connection) -> Reservation:
            counted = conn.execute(hold, (key, now))
            locked = conn.execute(held_until, (key, now))
            row = counted.fetchone()  # the one sync before the decision
            if row is None:  # an upsert's RETURNING always gives the row
                raise StorageError("the throttle counter could not be read")
            count, started = int(row[0]), float(row[1])
            held = locked.fetchone()
            if held is not None:
                return Reservation(False, count, float(held[0]))
            if count == 0 or now - started >= window:
                count, started = 0, now
            count += 1
            conn.execute(set_failures, (count, started, key))
            delay = lock_after(count, locks)
            if delay <= 0:
                return Reservation(True, count, None)
            conn.execute(lock, (key, now + delay))
            return Reservation(True, count, now + delay)

        return self._pipelined(work)
