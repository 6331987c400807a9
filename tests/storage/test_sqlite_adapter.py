"""SQLite specifics: migrations, WAL, error translation, concurrent rotation."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from storage_samples import NOW, account

from gatehouse.clock import ManualClock
from gatehouse.errors import ConfigurationError, StorageError, StorageUnavailableError
from gatehouse.storage.migrate import load_migrations, split_statements
from gatehouse.storage.sqlite import SQLiteStore


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_migrations_apply_once_and_record_version(tmp_path: Path) -> None:
    """Opening twice applies each migration once and records it in schema_version."""
    path = tmp_path / "g.db"
    for _ in range(2):
        store = SQLiteStore(path, clock=ManualClock(wall=NOW))
        assert store.schema_version == len(load_migrations("sqlite"))
        store.close()
    conn = _raw(path)
    try:
        rows = conn.execute("SELECT version, applied_at FROM schema_version").fetchall()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    assert rows == [(m.version, NOW) for m in load_migrations("sqlite")]
    assert mode == "wal"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database migrated by a newer gatehouse is refused rather than misread."""
    path = tmp_path / "g.db"
    SQLiteStore(path).close()
    conn = _raw(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', 0)")
    conn.close()
    with pytest.raises(ConfigurationError):
        SQLiteStore(path)


def test_statements_split_without_comments() -> None:
    """split_statements yields each DDL statement and drops comment lines."""
    assert split_statements("-- c;\nCREATE TABLE a (x);\n\nCREATE INDEX i ON a (x);\n") == [
        "CREATE TABLE a (x)",
        "CREATE INDEX i ON a (x)",
    ]


def test_unopenable_file_is_unavailable(tmp_path: Path) -> None:
    """A path that cannot be opened gives StorageUnavailableError."""
    with pytest.raises(StorageUnavailableError):
        SQLiteStore(tmp_path / "missing-dir" / "g.db")


def test_locked_database_is_unavailable_and_unchanged(tmp_path: Path) -> None:
    """A write blocked past busy_timeout raises StorageUnavailableError and writes nothing."""
    path = tmp_path / "g.db"
    store = SQLiteStore(path, busy_timeout=0.0)
    blocker = _raw(path)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageUnavailableError) as caught:
            store.create_account(account("locked"))
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        blocker.execute("ROLLBACK")
        assert store.find_account_by_username("locked") is None
    finally:
        blocker.close()
        store.close()


def test_closed_store_is_unavailable(tmp_path: Path) -> None:
    """Using a closed store from a new thread raises a typed storage error."""
    store = SQLiteStore(tmp_path / "g.db")
    store.close()
    errors: list[BaseException] = []

    def use() -> None:
        try:
            store.ping()
        except StorageError as exc:
            errors.append(exc)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert len(errors) == 1
    assert isinstance(errors[0], StorageUnavailableError)


def test_connections_of_finished_threads_are_released(tmp_path: Path) -> None:
    """A thread's connection closes when the thread ends, not only at close()."""
    import gc

    store = SQLiteStore(tmp_path / "g.db")
    try:
        for _ in range(5):
            worker = threading.Thread(target=store.ping)
            worker.start()
            worker.join()
        gc.collect()
        assert store.open_connections == 1  # the opening thread's own
        store.ping()
        assert store.open_connections == 1
    finally:
        store.close()
    assert store.open_connections == 0


def test_new_database_file_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    """A new store file (and its -wal/-shm) is 0600 even under a permissive umask."""
    import os
    import stat

    path = tmp_path / "g.db"
    old = os.umask(0o022)
    try:
        store = SQLiteStore(path)
        store.create_account(account("private"))  # a write: the -wal file exists now
    finally:
        os.umask(old)
    try:
        made = [p for p in tmp_path.iterdir() if p.name.startswith("g.db")]
        assert {p.name for p in made} >= {"g.db", "g.db-wal", "g.db-shm"}
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in made} == {
            p.name: 0o600 for p in made
        }
    finally:
        store.close()


def test_existing_database_file_keeps_its_permissions(tmp_path: Path) -> None:
    """An existing file is opened as it is: the store never widens or narrows it."""
    import os
    import stat

    path = tmp_path / "g.db"
    SQLiteStore(path).close()
    os.chmod(path, 0o640)
    SQLiteStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
