"""SQLite connections, transactions and error translation for the SQLite adapter.

WAL mode lets readers run beside the one writer; ``synchronous=NORMAL`` is durable
across application crashes (a power cut may lose the last transactions, never corrupt
the file) and is what makes thousands of rotations per second possible. Each thread
gets its own connection; writes take the database lock up front with
``BEGIN IMMEDIATE`` so a read-then-write (the refresh rotation) cannot be interleaved
with another writer, and ``busy_timeout`` makes contenders wait instead of failing.
Driver exceptions are translated here, at the boundary, and nowhere else.

A new database file is created readable by its owner only (0600): it holds password
hashes and sealed private keys. SQLite gives its ``-wal`` and ``-shm`` files the
database file's permissions, so they follow.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import ConflictError, StorageError, StorageUnavailableError
from gatehouse.storage.migrate import apply_sqlite_migrations
from gatehouse.storage.sql_dialect import SQLITE, Statements
from gatehouse.storage.sql_seam import Row, SQLSeam, Transaction

__all__ = ["SQLiteBase", "translate_sqlite_error"]

T = TypeVar("T")

_BUSY = ("locked", "busy", "unable to open", "disk i/o", "readonly")


class _Owned:
    """One thread's connection. When the thread ends, its local storage lets go of this
    and the connection is closed here, instead of piling up until ``close()``."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __del__(self) -> None:
        with suppress(Exception):  # interpreter shutdown: nothing left to report to
            self.conn.close()


def translate_sqlite_error(exc: sqlite3.Error) -> StorageError:
    if isinstance(exc, sqlite3.IntegrityError):
        return ConflictError("a uniqueness or reference constraint was violated")
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and any(word in text for word in _BUSY):
        return StorageUnavailableError("the SQLite database is busy or unavailable")
    return StorageError(f"SQLite failed ({type(exc).__name__})")


def _create_private(path: str) -> None:
    """Create the database file 0600 if it does not exist yet (an existing file keeps
    the permissions its owner gave it). ``O_EXCL``: no window in which another
    process's file is taken over or a wider file is left behind."""
    if path in ("", ":memory:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StorageUnavailableError("the SQLite database file cannot be created") from exc
    os.close(fd)


_SQL: Statements[str] = Statements(SQLITE, str)
"""Templates in SQLite's spelling, rendered once per process."""


class _Transaction:
    """``Transaction`` over a connection inside ``BEGIN IMMEDIATE``."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, template: str, params: Sequence[object] = ()) -> Row | None:
        found: Row | None = self._conn.execute(_SQL[template], params).fetchone()
        return found

    def run(self, template: str, params: Sequence[object] = ()) -> int:
        return self._conn.execute(_SQL[template], params).rowcount


class SQLiteBase(SQLSeam):
    """One SQLite file: per-thread connections, migrations on open, one-shot transactions."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 5.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._path = str(path)
        self._busy_ms = int(busy_timeout * 1000)
        self._local = threading.local()
        self._all: weakref.WeakSet[_Owned] = weakref.WeakSet()
        self._guard = threading.Lock()
        self._closed = False
        _create_private(self._path)
        try:
            self.schema_version = apply_sqlite_migrations(self._conn(), now=clock.time())
        except sqlite3.Error as exc:
            self.close()
            raise translate_sqlite_error(exc) from exc

    # --- connections and transactions -----------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        owned: _Owned | None = getattr(self._local, "owned", None)
        if owned is not None:
            return owned.conn
        if self._closed:
            raise StorageUnavailableError("the SQLite store is closed")
        try:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            conn.close()
            raise translate_sqlite_error(exc) from exc
        with self._guard:
            if self.closed:  # closed while we were connecting
                conn.close()
                raise StorageUnavailableError("the SQLite store is closed")
            owned = _Owned(conn)
            self._all.add(owned)
        self._local.owned = owned
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it or none of it."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                with suppress(sqlite3.Error):  # the original error is the one to report
                    conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise translate_sqlite_error(exc) from exc
            raise

    def _read(self, template: str, params: Sequence[object] = ()) -> list[Row]:
        try:
            return self._conn().execute(_SQL[template], params).fetchall()
        except sqlite3.Error as exc:
            raise translate_sqlite_error(exc) from exc

    def _execute(self, template: str, params: Sequence[object] = ()) -> int:
        with self._write() as c:
            return c.execute(_SQL[template], params).rowcount

    def _execute_returning(self, template: str, params: Sequence[object] = ()) -> list[Row]:
        with self._write() as c:
            return c.execute(_SQL[template], params).fetchall()

    def _transaction(self, work: Callable[[Transaction], T]) -> T:
        with self._write() as c:
            return work(_Transaction(c))

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def open_connections(self) -> int:
        """Connections currently open (one per live thread that has used the store)."""
        with self._guard:
            return len(self._all)

    def ping(self) -> None:
        self._read("SELECT 1")

    def close(self) -> None:
        with self._guard:
            self._closed = True
            owned, self._all = list(self._all), weakref.WeakSet()
        for each in owned:
            each.conn.close()
        self._local = threading.local()
