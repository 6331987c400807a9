"""The SQLite deny-list and throttle counters (each method one transaction).

The statements are shared with PostgreSQL (``storage.sql_counters``); ``clear`` is
SQLite's own: two deletes in one ``BEGIN IMMEDIATE`` transaction, where PostgreSQL
sends one statement.
"""

from __future__ import annotations

from gatehouse.storage.sql_counters import SQLCounters
from gatehouse.storage.sql_seam import Transaction
from gatehouse.storage.sqlite_base import SQLiteBase

__all__ = ["SQLiteCounters"]


class SQLiteCounters(SQLCounters, SQLiteBase):
    """``DenyList`` and ``ThrottleStore`` over the tables of migration 0001."""

    def clear(self, key: str) -> None:
        def work(tx: Transaction) -> None:
            tx.run("DELETE FROM $throttle_failures WHERE key = ?", (key,))
            tx.run("DELETE FROM $throttle_locks WHERE key = ?", (key,))

        self._transaction(work)
