"""The PostgreSQL deny-list and throttle counters.

The statements are shared with SQLite (``storage.sql_counters``); each runs by itself
in autocommit mode, one round trip, without an explicit transaction. ``clear`` is
PostgreSQL's own: both tables in one statement (a data-modifying CTE).

So is a login's reservation (issue 15 §4: it reserves two keys before its hash): one
transaction of two statements (three with the account's read), sent in pipeline mode
before one Sync, the implicit transaction of the extended protocol (no ``BEGIN`` or
``COMMIT`` to send): one round trip and one commit, durable before the hash runs. The
first statement takes every key's row lock (a no-op upsert, keys in order, so two
logins never wait on each other crosswise). The second decides and writes
(``_DECIDE``: ``storage.attempts.decide_attempts`` in SQL); it must be a statement of
its own because READ COMMITTED gives each statement a fresh snapshot, so it sees a
lock committed by the reservation it waited for, where a subquery of the upsert would
read the snapshot from before the wait and N concurrent guesses could all pass. A
settlement is one statement (``settlement_ctes``), alone or joined to the session insert.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gatehouse.errors import StorageError
from gatehouse.storage.attempts import Attempt, Reservation, Settlement, check_batch
from gatehouse.storage.postgres_base import PostgresBase
from gatehouse.storage.records import AccountRecord
from gatehouse.storage.sql_counters import _ACCOUNT_BY_NAME, SQLCounters
from gatehouse.storage.sql_tables import ACCOUNTS

if TYPE_CHECKING:
    from psycopg import Connection, Cursor

__all__ = ["PostgresCounters", "settlement_ctes"]

_CLEAR = (
    "WITH failures AS (DELETE FROM $throttle_failures WHERE key = ?)"
    " DELETE FROM $throttle_locks WHERE key = ?"
)
_HOLD = (
    "INSERT INTO $throttle_failures AS f (key, failures, window_start) {rows}"
    " ON CONFLICT (key) DO UPDATE SET failures = f.failures"
)
# One row per attempt: (key, window, lock schedule, position). A key whose count is 0
# or whose window ran out starts again at 1; the schedule's last step repeats
# (locks[LEAST(count, cardinality)], 1-based; an empty schedule is no lock). If any key
# is locked, ``nxt`` is empty: nothing is written and every key is refused.
_DECIDE = (
    "WITH t(now) AS (VALUES (?::float8)), a(key, win, locks, pos) AS (VALUES {rows}),"
    " cur AS (SELECT a.key, a.pos, a.locks, f.failures, f.window_start,"
    " f.failures = 0 OR t.now - f.window_start >= a.win AS fresh,"
    " (SELECT l.locked_until FROM $throttle_locks l"
    " WHERE l.key = a.key AND l.locked_until > t.now) AS held"
    " FROM a JOIN $throttle_failures f ON f.key = a.key CROSS JOIN t),"
    " nxt AS (SELECT c.key, c.pos,"
    " CASE WHEN c.fresh THEN 1 ELSE c.failures + 1 END AS count,"
    " CASE WHEN c.fresh THEN t.now ELSE c.window_start END AS started,"
    " COALESCE(c.locks[LEAST(CASE WHEN c.fresh THEN 1 ELSE c.failures + 1 END,"
    " cardinality(c.locks))], 0) AS delay"
    " FROM cur c CROSS JOIN t WHERE NOT EXISTS (SELECT 1 FROM cur WHERE held IS NOT NULL)),"
    " counted AS (UPDATE $throttle_failures f SET failures = n.count, window_start = n.started"
    " FROM nxt n WHERE f.key = n.key),"
    " locked AS (INSERT INTO $throttle_locks AS l (key, locked_until)"
    " SELECT n.key, t.now + n.delay FROM nxt n CROSS JOIN t WHERE n.delay > 0"
    " ON CONFLICT (key) DO UPDATE"
    " SET locked_until = GREATEST(l.locked_until, excluded.locked_until))"
    " SELECT n.count IS NOT NULL, COALESCE(n.count, c.failures),"
    " CASE WHEN n.count IS NULL THEN c.held WHEN n.delay > 0 THEN t.now + n.delay END"
    " FROM cur c LEFT JOIN nxt n ON n.pos = c.pos CROSS JOIN t ORDER BY c.pos"
)
_RELEASE_ROWS = (
    "released AS (UPDATE $throttle_failures AS f SET failures = f.failures - 1"
    " FROM (VALUES {rows}) AS g(key, win)"
    " WHERE f.key = g.key AND f.failures > 0 AND ? - f.window_start < g.win)"
)
_CLEAR_ROWS = (
    "cleared_failures AS (DELETE FROM $throttle_failures WHERE {keys}),"
    " cleared_locks AS (DELETE FROM $throttle_locks WHERE {keys})"
)


def settlement_ctes(settlement: Settlement) -> tuple[str, list[Any]]:
    """The settlement as data-modifying CTEs (``name AS (…)``, comma-separated) and
    their parameters, to open a ``WITH`` of one statement: one round trip, and no
    commit of its own when joined to the session insert."""
    ctes: list[str] = []
    params: list[Any] = []
    if settlement.cleared:
        ctes.append(_CLEAR_ROWS.format(keys=_keys_in("key", len(settlement.cleared))))
        params += [*settlement.cleared, *settlement.cleared]
    if settlement.released:
        rows = ", ".join(["(?::text, ?::float8)"] * len(settlement.released))
        ctes.append(_RELEASE_ROWS.format(rows=rows))
        params += [v for a in settlement.released for v in (a.key, float(a.window))]
        params.append(settlement.now)
    return ", ".join(ctes), params


@functools.lru_cache(maxsize=32)
def _float_array(values: tuple[float, ...]) -> str:
    """A lock schedule as an array literal, rendered once per policy: psycopg dumps a
    Python list element by element in Python, a string in one call."""
    return "{" + ",".join(repr(float(v)) for v in values) + "}"


@functools.lru_cache(maxsize=8)
def _hold_template(count: int, *, reading: bool) -> str:
    """The row-lock upsert for ``count`` keys; ``reading``: as a data-modifying CTE
    (run to completion whatever the query reads) under the account's read, one
    statement fewer (the account needs no lock, nor the reservation's snapshot)."""
    upsert = _HOLD.format(rows="VALUES " + ", ".join(["(?, 0, ?)"] * count))
    return f"WITH held AS ({upsert}) {_ACCOUNT_BY_NAME}" if reading else upsert


@functools.lru_cache(maxsize=8)
def _decide_template(count: int) -> str:
    rows = ", ".join(f"(?::text, ?::float8, ?::float8[], {i})" for i in range(count))
    return _DECIDE.format(rows=rows)


def _keys_in(column: str, count: int) -> str:
    return f"{column} IN ({', '.join(['?'] * count)})"


class PostgresCounters(SQLCounters, PostgresBase):
    """``DenyList`` and ``ThrottleStore`` over the tables of migration 0001."""

    def clear(self, key: str) -> None:
        # One statement: both rows go together, one round trip.
        self._execute(_CLEAR, (key, key))

    def reserve_attempts(
        self, attempts: Sequence[Attempt], *, now: float
    ) -> tuple[Reservation, ...]:
        return self._reserve(attempts, now, None)[0]

    def reserve_login(
        self, attempts: Sequence[Attempt], *, now: float, username: str
    ) -> tuple[tuple[Reservation, ...], AccountRecord | None]:
        """The account's read joins the pipeline: still one round trip."""
        return self._reserve(attempts, now, username)

    def _reserve(
        self, attempts: Sequence[Attempt], now: float, username: str | None
    ) -> tuple[tuple[Reservation, ...], AccountRecord | None]:
        """The row locks (with the account's read, if asked) and the decision in one
        pipeline: one round trip, two statements. No BEGIN/COMMIT: what a pipeline
        sends before its one Sync is one implicit transaction, committed at the Sync,
        or rolled back whole if a statement fails (PostgreSQL protocol, "Pipelining")."""
        check_batch(attempts)
        keys = sorted(a.key for a in attempts)
        hold = self._sql(_hold_template(len(keys), reading=username is not None))
        decide = self._sql(_decide_template(len(attempts)))
        hold_params: list[Any] = [v for key in keys for v in (key, now)]
        if username is not None:
            hold_params.append(username)
        decide_params: list[Any] = [now]
        for a in attempts:
            decide_params += [a.key, float(a.window), _float_array(a.locks)]

        def reserve(conn: Connection[Any]) -> tuple[list[Any], Any]:
            with conn.pipeline():
                held: Cursor[Any] = conn.execute(hold, hold_params)
                decided: Cursor[Any] = conn.execute(decide, decide_params)
            # Read after the Sync: no round trip of their own.
            return decided.fetchall(), held.fetchone() if username is not None else None

        found, account = self._attempt(reserve)
        if len(found) != len(attempts):  # every row was upserted in this transaction
            raise StorageError("the throttle counters could not be read")
        reservations = tuple(
            Reservation(bool(ok), int(count), None if until is None else float(until))
            for ok, count, until in found
        )
        return reservations, None if account is None else ACCOUNTS.from_row(account)

    def settle_attempts(self, settlement: Settlement) -> None:
        """One statement, one commit, however many keys."""
        ctes, params = settlement_ctes(settlement)
        if ctes:
            self._execute(f"WITH {ctes} SELECT 1", params)
