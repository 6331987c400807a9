"""A DPoP replay write on PostgreSQL commits without waiting for the WAL flush, and only it.

``SQLReplay.first_use`` goes through ``_execute_cache``: BEGIN, ``SET LOCAL
synchronous_commit TO OFF``, the insert and COMMIT in one pipeline (one round trip, as the
autocommit insert was), so the setting is scoped to that transaction. Checked in libpq's
trace of the store's one connection, and on the connection afterwards: a session-wide
setting would make every later commit on it asynchronous, refresh rotations included.
"""

from __future__ import annotations

import psycopg
import pytest

from backend_servers import postgres_backend
from gatehouse.errors import StorageError
from libpq_trace import round_trips, wire_trace

pytestmark = pytest.mark.postgres


def test_a_replay_write_is_one_round_trip_without_the_flush() -> None:
    with postgres_backend(None, pool_size=1) as pg:
        assert pg.first_use("warm", expires_at=2000.0, now=1000.0)
        with wire_trace(pg._pool) as wire:
            first = pg.first_use("key-1", expires_at=2000.0, now=1000.0)
            again = pg.first_use("key-1", expires_at=2000.0, now=1001.0)
        assert (first, again) == (True, False)  # the replay is still refused
        assert round_trips(wire) == (2, 8)  # per use: BEGIN, SET LOCAL, INSERT, COMMIT
        sent = "\n".join("\t".join(fields) for fields in wire if fields and fields[0] == "F")
        assert sent.count("SET LOCAL synchronous_commit TO OFF") == 2
        with pg._pool.connection() as conn:  # the setting did not outlive its transaction
            row = conn.execute("SHOW synchronous_commit").fetchone()
        assert row == ("on",)


def test_a_write_that_fails_rolls_back_and_leaves_the_connection_clean() -> None:
    """The statement fails on the server (its table is gone): the error is the storage
    error, the transaction rolled back, and the connection back to its defaults."""
    with postgres_backend(None, pool_size=1) as pg:
        with pg._pool.connection() as conn:
            conn.execute(pg._sql("DROP TABLE $dpop_replay"))
        with pytest.raises(StorageError):
            pg.first_use("key-1", expires_at=2000.0, now=1000.0)
        with pg._pool.connection() as conn:
            assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
