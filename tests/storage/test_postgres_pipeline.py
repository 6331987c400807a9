"""A pipelined transaction on PostgreSQL is the protocol's implicit transaction block.

``PostgresBase._pipelined`` (the refresh rotation's transaction) sends no BEGIN and no
COMMIT: every statement up to the pipeline's Sync is one transaction, committed by the
Sync when all succeeded. What must hold, on a real server: what it queued commits
together; a failure in the database rolls back what ran before it; a failure in the
caller's own code after a write was queued commits nothing (a ROLLBACK goes before the
Sync); the row locks last until the Sync; and the connection comes back idle.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from backend_servers import postgres_backend
from gatehouse.errors import ConflictError, StorageError

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[Any]:
    with postgres_backend(request, pool_size=1, lock_timeout=0.3) as store:
        with store._pool.connection() as conn:
            conn.execute(f"CREATE TABLE {store.schema}.scratch (k text PRIMARY KEY)".encode())
        yield store


def _insert(pg: Any, conn: Any, key: str) -> None:
    conn.execute(f"INSERT INTO {pg.schema}.scratch VALUES (%s)".encode(), (key,))


def _keys(raw: Any, pg: Any) -> list[str]:
    rows = raw.execute(f"SELECT k FROM {pg.schema}.scratch ORDER BY k".encode()).fetchall()
    return [row[0] for row in rows]


def _idle(pg: Any) -> bool:
    with pg._pool.connection() as conn:
        return bool(conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE)


def test_what_it_queued_commits_at_the_sync(pg: Any, raw: Any) -> None:
    def work(conn: Any) -> Any:
        _insert(pg, conn, "a")
        return conn.execute(f"SELECT count(*) FROM {pg.schema}.scratch".encode())

    counted = pg._pipelined(work, lambda cursor: cursor.fetchone())
    assert counted == (1,)  # the second statement saw the first: one transaction
    assert _keys(raw, pg) == ["a"]
    assert _idle(pg)


def test_a_failure_in_the_database_rolls_back_what_ran_before_it(
    pg: Any, raw: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """And quietly: no ROLLBACK is queued behind the failed statement, which psycopg
    would answer with a "pipeline aborted" warning on every refused write."""
    pg._pipelined(lambda conn: _insert(pg, conn, "taken"))

    def work(conn: Any) -> None:
        _insert(pg, conn, "b")
        # The primary key refuses it, on the server; read in the block, as the
        # rotation reads its lock statement's row.
        conn.execute(
            f"INSERT INTO {pg.schema}.scratch VALUES ('taken') RETURNING k".encode()
        ).fetchone()

    with pytest.raises(ConflictError):
        pg._pipelined(work)
    assert _keys(raw, pg) == ["taken"]  # "b" went with the failed statement
    assert _idle(pg)
    assert not [r for r in caplog.records if r.name.startswith("psycopg")]


def test_a_failure_in_the_callers_code_commits_nothing_it_queued(pg: Any, raw: Any) -> None:
    """The write was queued, and could have been sent, before the caller's check refused:
    the Sync that closes the pipeline must not commit it."""

    def work(conn: Any) -> None:
        _insert(pg, conn, "c")
        conn.execute(f"SELECT k FROM {pg.schema}.scratch".encode()).fetchall()  # sent, ran
        raise LookupError("refused after reading")

    with pytest.raises(LookupError):
        pg._pipelined(work)
    assert _keys(raw, pg) == []
    assert _idle(pg)
    pg._pipelined(lambda conn: _insert(pg, conn, "d"))  # the connection is sound
    assert _keys(raw, pg) == ["d"]


def test_a_value_the_driver_cannot_send_commits_nothing_before_it(pg: Any, raw: Any) -> None:
    """psycopg refuses the parameter before sending the statement: a driver error, yet
    the server's block is still open, with the first insert in it."""

    def work(conn: Any) -> None:
        _insert(pg, conn, "e")
        conn.execute(f"INSERT INTO {pg.schema}.scratch VALUES (%s)".encode(), (object(),))

    with pytest.raises(StorageError):
        pg._pipelined(work)
    assert _keys(raw, pg) == []
    assert _idle(pg)


def test_row_locks_last_until_the_sync(pg: Any, raw: Any) -> None:
    """A lock taken by the first statement is still held when a later one runs (the
    rotation's FOR UPDATE must cover its writes), and released by the Sync."""
    pg._pipelined(lambda conn: _insert(pg, conn, "row"))
    probe = f"SELECT 1 FROM {pg.schema}.scratch WHERE k = 'row' FOR UPDATE NOWAIT".encode()
    held: list[bool] = []

    def work(conn: Any) -> None:
        conn.execute(f"SELECT k FROM {pg.schema}.scratch FOR UPDATE".encode()).fetchall()
        try:
            raw.execute(probe)
        except psycopg.errors.LockNotAvailable:
            held.append(True)
        else:
            held.append(False)
        _insert(pg, conn, "after")

    pg._pipelined(work)
    assert held == [True]
    assert raw.execute(probe).fetchone() == (1,)  # released
    assert _keys(raw, pg) == ["after", "row"]
