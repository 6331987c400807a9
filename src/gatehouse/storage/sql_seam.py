"""The seam between the SQL written once and each dialect's connections.

``SQLSeam`` is what ``SQLCounters`` and ``SQLStore`` call; ``SQLiteBase`` and
``PostgresBase`` implement it. Every call takes a template (``storage.sql_dialect``)
and renders it for its dialect. These shapes of work cover every port method:

* ``_read``: one query, its rows;
* ``_execute``: one statement that is atomic by itself, and how many rows it changed
  (``_execute_returning``: the rows its ``RETURNING`` clause gives). SQLite wraps it in
  ``BEGIN IMMEDIATE`` so a writer never waits half-way; PostgreSQL sends it in
  autocommit: one round trip, retried on a deadlock or serialization failure;
* ``_execute_cache``: like ``_execute``, for a write whose loss in a crash only forgets
  a cache entry (the DPoP replay cache): PostgreSQL commits it without waiting for the
  WAL flush (``synchronous_commit = off`` for that transaction alone), SQLite as any
  write (its WAL at ``synchronous = NORMAL`` never waits for one at commit);
* ``_transaction``: several statements, all or none. ``work`` may run more than once
  (PostgreSQL retries it when the server guarantees nothing was written), so it must
  only talk to the database through the ``Transaction`` it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

__all__ = ["SQLSeam", "Transaction"]

T = TypeVar("T")
Row = tuple[Any, ...]


class Transaction(Protocol):
    """Statements inside one open transaction."""

    def one(self, template: str, params: Sequence[object] = ()) -> Row | None:
        """Run a query and return its first row (None if it has none)."""
        ...

    def run(self, template: str, params: Sequence[object] = ()) -> int:
        """Run a statement and return how many rows it affected."""
        ...


class SQLSeam:
    """The three calls the shared SQL makes; each dialect's base implements them."""

    def _read(self, template: str, params: Sequence[object] = ()) -> list[Row]:
        raise NotImplementedError

    def _execute(self, template: str, params: Sequence[object] = ()) -> int:
        raise NotImplementedError

    def _execute_returning(self, template: str, params: Sequence[object] = ()) -> list[Row]:
        raise NotImplementedError

    def _execute_cache(self, template: str, params: Sequence[object] = ()) -> int:
        return self._execute(template, params)

    def _transaction(self, work: Callable[[Transaction], T]) -> T:
        raise NotImplementedError
