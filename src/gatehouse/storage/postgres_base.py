"""PostgreSQL connections, transactions, migrations and error translation.

One ``psycopg_pool.ConnectionPool`` per store, shared by every thread. Each store lives
in a schema of its own (every table name in a query is qualified with it), so several
deployments, or every test, can share one database without seeing each other's rows.
Connections run in autocommit mode and each multi-statement change is one explicit
transaction (``conn.transaction()``), so a failure anywhere rolls back all of it. This
is PostgreSQL's side of the seam (``storage.sql_seam``) the shared SQL runs through.

Time limits are part of the contract, not an afterthought: ``connect_timeout`` bounds
how long a down server can hold a request, ``statement_timeout`` and ``lock_timeout``
bound a stuck query or a row held by someone else. Each of those becomes
``StorageUnavailableError`` (the HTTP layer answers 503), raised here, at the one
boundary where driver exceptions are translated. A deadlock or serialization failure
is retried a few times: both mean "nothing was written, try again".
"""

from __future__ import annotations

import re
import select
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from gatehouse._distribution import install_hint
from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import (
    ConfigurationError,
    ConflictError,
    StorageError,
    StorageUnavailableError,
)
from gatehouse.storage.migrate import SCHEMA_VERSION_DDL, load_migrations, split_statements
from gatehouse.storage.sql_dialect import Statements, postgres_dialect
from gatehouse.storage.sql_seam import Row, SQLSeam, Transaction

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import sql
    from psycopg_pool import ConnectionPool
except ImportError as exc:  # pragma: no cover - exercised by a test that hides psycopg
    raise ConfigurationError(
        f"PostgreSQL storage needs the postgres extra: {install_hint('postgres')}"
    ) from exc

__all__ = ["Connection", "PostgresBase", "translate_postgres_error"]

T = TypeVar("T")
Connection = psycopg.Connection[Any]

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Retried because the server guarantees nothing was written: a serialization failure or
# deadlock rolled the transaction back, and AdminShutdown (57P01) is what a backend
# terminated (pg_terminate_backend, a fast shutdown) answers instead of running the
# statement a request sent just as it was killed (the next attempt takes a live one).
_RETRIABLE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected, pg_errors.AdminShutdown)
_RETRIES = 3
_ABORTED = psycopg.pq.PipelineStatus.ABORTED


def translate_postgres_error(exc: psycopg.Error) -> StorageError:
    """Map a driver exception onto the storage hierarchy; never echo its text (it can
    quote the conflicting row's values)."""
    if isinstance(exc, psycopg.IntegrityError):
        return ConflictError("a uniqueness or reference constraint was violated")
    if isinstance(exc, pg_errors.QueryCanceled | pg_errors.LockNotAvailable):
        return StorageUnavailableError("PostgreSQL did not answer in time (statement or lock)")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return StorageUnavailableError("PostgreSQL is unavailable")
    return StorageError(f"PostgreSQL failed ({type(exc).__name__})")


def _check_connection(conn: Connection) -> None:
    """Refuse a pooled connection the server has closed, without a round trip.

    Called by ``_checkout``, not given to the pool as its ``check``: psycopg_pool waits
    1 s, 2 s, 4 s … between failed checks, so an idle pool whose every connection died
    in a restart failed its first request after 5 s (issue 16 §3). ``_checkout`` drops
    each dead connection at once and takes the next, or a fresh one.

    An idle connection has nothing to read; after a server restart, failover or
    ``pg_terminate_backend`` its socket turns readable (the FATAL message, then EOF).
    Checking that costs a ``poll`` instead of the ``SELECT 1`` psycopg's own check
    sends, which would add a round trip to every request. A connection found
    readable for another reason is merely replaced.
    """
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    # poll, not select: select() refuses descriptors above FD_SETSIZE (1024), which a
    # busy process reaches, and the pool would then loop on a check that always fails.
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    if poller.poll(0):
        conn.close()  # closed, the pool discards it instead of handing it out again
        raise psycopg.OperationalError("the server closed the connection")


def _milliseconds(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class _Transaction:
    """``Transaction`` over a connection inside ``conn.transaction()``."""

    __slots__ = ("_conn", "_sql")

    def __init__(self, conn: Connection, sql: Statements[bytes]) -> None:
        self._conn = conn
        self._sql = sql

    def one(self, template: str, params: Sequence[object] = ()) -> Row | None:
        found: Row | None = self._conn.execute(self._sql[template], params).fetchone()
        return found

    def run(self, template: str, params: Sequence[object] = ()) -> int:
        return self._conn.execute(self._sql[template], params).rowcount


class PostgresBase(SQLSeam):
    """A pool of connections to one schema, migrated on open."""

    def __init__(
        self,
        url: str,
        *,
        schema: str = "gatehouse",
        pool_size: int = 10,
        connect_timeout: float = 5.0,
        statement_timeout: float = 5.0,
        lock_timeout: float = 2.0,
        prepared_statements: bool = True,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ConfigurationError(
                "PostgreSQL schema names are lower-case letters, digits and _ (at most 63)"
            )
        if pool_size < 1:
            raise ConfigurationError("pool_size must be at least 1")
        if not connect_timeout > 0:
            raise ConfigurationError("connect_timeout must be more than 0 seconds")
        self.schema = schema
        self.statement_timeout = statement_timeout
        self.lock_timeout = lock_timeout
        self.prepared_statements = prepared_statements
        # Every table name is qualified ("$name" in the templates), so nothing depends
        # on search_path, which a transaction-mode PgBouncer or RDS Proxy would not keep.
        self._statements = Statements(postgres_dialect(schema), str.encode)
        options = (
            f"-c statement_timeout={_milliseconds(statement_timeout)}"
            f" -c lock_timeout={_milliseconds(lock_timeout)}"
            " -c idle_in_transaction_session_timeout=60000"
        )
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            url,
            kwargs={
                "autocommit": True,
                "connect_timeout": max(1, round(connect_timeout)),
                "options": options,
                "application_name": f"gatehouse:{schema}"[:63],
                # Server-side prepared statements (psycopg prepares a query on its
                # fifth use) do not survive a transaction-mode PgBouncer.
                "prepare_threshold": 5 if prepared_statements else None,
            },
            min_size=1,
            max_size=pool_size,
            open=False,
            # A connection the server dropped (restart, failover, idle kill) is
            # replaced at checkout (``_checkout``) rather than failing the request.
            timeout=connect_timeout,
            name=f"gatehouse-{schema}",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
            self.schema_version = self._migrate(clock.time())
        except pg_errors.InsufficientPrivilege as exc:
            self._pool.close()
            raise ConfigurationError(
                f"the PostgreSQL role may not create or migrate schema {schema!r}: grant it"
                " CREATE on the database, or create the schema for it (owned by the role)"
            ) from exc
        except psycopg.Error as exc:
            self._pool.close()
            raise translate_postgres_error(exc) from exc
        except BaseException:
            self._pool.close()
            raise

    # --- migrations -----------------------------------------------------------------

    def _migrate(self, now: float) -> int:
        """Apply pending migrations, each in its own transaction under an advisory lock,
        so processes starting together apply each one exactly once."""
        migrations = load_migrations("postgres")
        lock_key = f"gatehouse-migrate:{self.schema}"
        with self._pool.connection() as conn:
            # The common case, every cold start of a function: already up to date. One
            # read answers it; locks and DDL only when something is pending.
            try:
                found = conn.execute(self._sql("SELECT MAX(version) FROM $schema_version"))
                row = found.fetchone()
                current = int(row[0] or 0) if row else 0
            except (pg_errors.UndefinedTable, pg_errors.InvalidSchemaName):
                current = 0
            pending = [None, *migrations] if current < len(migrations) else []
            version = current
            for migration in pending:
                with conn.transaction():
                    conn.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock_key,)
                    )
                    schema = sql.Identifier(self.schema)
                    if migration is None:
                        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
                    # Migration files name tables unqualified; SET LOCAL ends with the
                    # transaction, so a pooled connection carries nothing away.
                    conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(schema))
                    if migration is None:
                        conn.execute(SCHEMA_VERSION_DDL.replace("REAL", "DOUBLE PRECISION"))
                        continue
                    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
                    version = int(row[0] or 0) if row else 0
                    if migration.version <= version:
                        continue
                    for statement in split_statements(migration.sql):
                        conn.execute(statement.encode())
                    conn.execute(
                        "INSERT INTO schema_version (version, name, applied_at)"
                        " VALUES (%s, %s, %s)",
                        (migration.version, migration.name, now),
                    )
                    version = migration.version
        if version > len(migrations):
            raise ConfigurationError(
                f"the database schema (version {version}) is newer than this gatehouse"
            )
        return version

    # --- the seam: statements and transactions ---------------------------------------

    def _sql(self, template: str) -> bytes:
        """The template in this store's spelling (schema-qualified, ``%s``), rendered
        once per store."""
        return self._statements[template]

    def _read(self, template: str, params: Sequence[object] = ()) -> list[Row]:
        query = self._sql(template)
        return self._attempt(lambda conn: conn.execute(query, params).fetchall())

    def _execute(self, template: str, params: Sequence[object] = ()) -> int:
        """One statement in autocommit mode: atomic by itself, one round trip."""
        query = self._sql(template)
        return self._attempt(lambda conn: conn.execute(query, params).rowcount)

    def _execute_returning(self, template: str, params: Sequence[object] = ()) -> list[Row]:
        return self._read(template, params)  # autocommit: the statement is atomic alone

    def _execute_cache(self, template: str, params: Sequence[object] = ()) -> int:
        """One statement in its own transaction that commits without waiting for the WAL
        flush (``SET LOCAL synchronous_commit TO OFF``: PostgreSQL's asynchronous commit,
        for this transaction alone). Still one round trip (BEGIN, SET, the statement and
        COMMIT travel in one pipeline), minus the flush (0.3-0.4 ms on a local disk).
        Atomic and consistent as ever; a server crash may forget what committed in the
        last ~3 × ``wal_writer_delay``. For the DPoP replay cache only, where that
        forgets proofs a client used in those few hundred ms (each is bound to one key,
        method and URL, and expires in ``[dpop] max_age``), as a Redis replay cache
        without persistence forgets them all. The BEGIN is explicit because ``SET
        LOCAL`` only takes effect inside a transaction block that a BEGIN opened (an
        implicit one would only earn a warning)."""
        query = self._sql(template)

        def work(conn: Connection) -> psycopg.Cursor[Any]:
            conn.execute(b"BEGIN")
            conn.execute(b"SET LOCAL synchronous_commit TO OFF")
            cursor = conn.execute(query, params)
            conn.execute(b"COMMIT")
            return cursor

        return self._pipelined(work).rowcount

    def _transaction(self, work: Callable[[Transaction], T]) -> T:
        def transaction(conn: Connection) -> T:
            with conn.transaction():
                return work(_Transaction(conn, self._statements))

        return self._attempt(transaction)

    def _pipelined(
        self, work: Callable[[Connection], T], finish: Callable[[T], T] | None = None
    ) -> T:
        """Run ``work`` as one transaction in pipeline mode, with no BEGIN or COMMIT:
        the extended query protocol runs every statement up to the next Sync as one
        implicit transaction block, committed by that Sync if all succeeded and rolled
        back if one failed (PostgreSQL documentation, Frontend/Backend Protocol,
        "Pipelining", anchor ``protocol-flow-pipelining``). psycopg fetches a result
        mid-pipeline with a Flush, not a Sync, so a read-then-write transaction is two
        round trips and only its own statements: BEGIN and COMMIT cost ~0.04 ms of the
        driver's CPU each, and the server's (a refresh: 0.83 → 0.76 ms of this process's
        CPU, 0.47 → 0.43 ms of the server's).

        On an error in ``work`` (the database's, or the caller's own, such as a check
        that refuses what it read) a ROLLBACK is queued before the pipeline's closing
        Sync, so nothing ``work`` queued commits. ``work`` must not read ``rowcount``
        before a fetch, and (retried like any transaction) must only talk to the
        database. ``finish`` gets its value after the Sync, still on the connection:
        where a queued statement's rows are read without another round trip."""

        def transaction(conn: Connection) -> T:
            with conn.pipeline():
                try:
                    result = work(conn)
                except BaseException:
                    # A failed statement aborted the block already (the Sync rolls it
                    # back, and a ROLLBACK queued now would only be refused, with a
                    # warning); anything else, the caller's error or the driver's
                    # before sending, leaves it open: roll it back before the Sync.
                    if not conn.closed and conn.pgconn.pipeline_status != _ABORTED:
                        with suppress(psycopg.Error):  # the original error is the one to report
                            conn.execute(b"ROLLBACK")
                    raise
            return result if finish is None else finish(result)

        return self._attempt(transaction)

    @contextmanager
    def _checkout(self) -> Iterator[Connection]:
        """A live pooled connection, in the pool's ``with conn`` behaviour (commit or
        roll back, then return it). Dead ones are closed and handed back at once (the
        pool opens a replacement in the background): at most one per pooled connection,
        then a fresh one, within one connect time."""
        for _ in range(self._pool.max_size + 1):
            conn = self._pool.getconn()
            try:
                _check_connection(conn)
            except psycopg.OperationalError:
                self._pool.putconn(conn)
                continue
            try:
                with conn:
                    yield conn
            finally:
                self._pool.putconn(conn)
            return
        raise psycopg.OperationalError("no live connection to the server")

    def _attempt(self, work: Callable[[Connection], T]) -> T:
        for attempt in range(_RETRIES + 1):
            try:
                with self._checkout() as conn:
                    return work(conn)
            except _RETRIABLE as exc:
                if attempt == _RETRIES:
                    raise translate_postgres_error(exc) from exc
            except psycopg.Error as exc:
                raise translate_postgres_error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # --- lifecycle ------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._pool.closed

    def ping(self) -> None:
        if self._pool.closed:
            raise StorageUnavailableError("the PostgreSQL store is closed")
        self._read("SELECT 1")

    def close(self) -> None:
        self._pool.close()
