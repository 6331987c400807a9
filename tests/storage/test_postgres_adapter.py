"""PostgreSQL specifics: schemas, migrations, time limits, faults, a missing driver.

The contract suite (test_contract_*.py) already runs every port on PostgreSQL; these
tests pin what only a server has: a schema per store, migrations applied once under
concurrency, a down server or a held lock turned into StorageUnavailableError with
nothing half-written, and a connection the server killed replaced at checkout.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from storage_samples import NOW, account, digest, rotation, session, token

from backend_servers import (
    POSTGRES_DSN,
    drop_pg_schema,
    free_port,
    postgres_backend,
)
from gatehouse.errors import ConfigurationError, ConflictError, StorageUnavailableError
from gatehouse.storage.migrate import load_migrations

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(request: pytest.FixtureRequest) -> Iterator[Any]:
    with postgres_backend(request, lock_timeout=0.3) as store:
        yield store


def test_schema_version_recorded_once_across_reopen(pg: Any, holder: Any) -> None:
    """Opening a second store on the same schema applies nothing again."""
    from gatehouse.storage.postgres import PostgresStore

    again = PostgresStore(POSTGRES_DSN, schema=pg.schema, pool_size=1)
    again.close()
    rows = holder.execute(f"SELECT version FROM {pg.schema}.schema_version").fetchall()
    assert rows == [(m.version,) for m in load_migrations("postgres")]
    assert pg.schema_version == again.schema_version == len(load_migrations("postgres"))


def test_reopening_an_up_to_date_schema_takes_no_lock(pg: Any, holder: Any) -> None:
    """A cold start against a current schema is one read: it opens even while another
    process holds the migration lock (a slow migration elsewhere)."""
    from gatehouse.storage.postgres import PostgresStore

    key = f"gatehouse-migrate:{pg.schema}"
    holder.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
    try:
        again = PostgresStore(POSTGRES_DSN, schema=pg.schema, pool_size=1, lock_timeout=0.2)
        assert again.schema_version == len(load_migrations("postgres"))
        again.close()
    finally:
        holder.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        holder.commit()


def test_concurrent_first_opens_migrate_once(holder: Any) -> None:
    """Four processes' worth of stores opening a new schema at once: one migration."""
    from gatehouse.storage.postgres import PostgresStore

    schema = f"gh_test_race_{time.monotonic_ns() % 10**9}"
    barrier = threading.Barrier(4)
    opened: list[Any] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        barrier.wait()
        try:
            opened.append(PostgresStore(POSTGRES_DSN, schema=schema, pool_size=1))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        count = holder.execute(f"SELECT count(*) FROM {schema}.schema_version").fetchone()
        holder.rollback()  # release the read lock before the schema is dropped
        assert count == (len(load_migrations("postgres")),)
    finally:
        for store in opened:
            store.close()
        drop_pg_schema(schema)


def test_schemas_are_isolated(pg: Any, request: pytest.FixtureRequest) -> None:
    """Two stores in two schemas of one database never see each other's rows."""
    with postgres_backend(request) as other:
        pg.create_account(account("shared-name"))
        assert other.find_account_by_username("shared-name") is None
        other.create_account(account("shared-name"))  # no conflict across schemas
        assert len(pg.list_accounts()) == len(other.list_accounts()) == 1


def test_newer_schema_is_refused(pg: Any, holder: Any) -> None:
    """A schema migrated by a newer gatehouse is refused rather than misread."""
    from gatehouse.storage.postgres import PostgresStore

    holder.execute(f"INSERT INTO {pg.schema}.schema_version VALUES (99, 'future', 0)")
    holder.commit()
    with pytest.raises(ConfigurationError, match="newer"):
        PostgresStore(POSTGRES_DSN, schema=pg.schema, pool_size=1)


@pytest.mark.parametrize("schema", ["Public", "a-b", "x; DROP TABLE y", "", "1abc", "a" * 64])
def test_bad_schema_names_are_refused(schema: str) -> None:
    """Only plain lower-case identifiers: the name goes into search_path."""
    from gatehouse.storage.postgres import PostgresStore

    with pytest.raises(ConfigurationError):
        PostgresStore(POSTGRES_DSN, schema=schema)


def test_server_not_listening_is_unavailable_quickly() -> None:
    """Nothing on the port: StorageUnavailableError at open, within the connect timeout."""
    from gatehouse.storage.postgres import PostgresStore

    started = time.monotonic()
    with pytest.raises(StorageUnavailableError) as caught:
        PostgresStore(f"postgresql://postgres@127.0.0.1:{free_port()}/test", connect_timeout=1.0)
    assert time.monotonic() - started < 5
    assert caught.value.status == 503


def test_silent_server_costs_the_connect_timeout_not_more() -> None:
    """A port that accepts but never answers is unavailable after connect_timeout (the
    driver's floor is 2 s), not after the 5 s default."""
    import socket

    from gatehouse.storage.postgres import PostgresStore

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/test"
        started = time.monotonic()
        with pytest.raises(StorageUnavailableError):
            PostgresStore(url, connect_timeout=1.0)
        assert time.monotonic() - started < 4.5


@pytest.mark.parametrize("seconds", [0.0, -1.0, float("nan")])
def test_connect_timeout_must_be_positive(seconds: float) -> None:
    """No timeout at all (0, negative, NaN) is refused before anything connects."""
    from gatehouse.storage.postgres import PostgresStore

    with pytest.raises(ConfigurationError, match="connect_timeout"):
        PostgresStore(POSTGRES_DSN, connect_timeout=seconds)


def test_unknown_database_is_unavailable() -> None:
    """A database that does not exist is a StorageUnavailableError, not a crash."""
    from gatehouse.storage.postgres import PostgresStore

    url = POSTGRES_DSN.rsplit("/", 1)[0] + "/gh_no_such_database"
    with pytest.raises(StorageUnavailableError):
        PostgresStore(url, connect_timeout=1.0)


def test_closed_store_is_unavailable(request: pytest.FixtureRequest) -> None:
    """After close(), every call is StorageUnavailableError; close is idempotent."""
    with postgres_backend(request) as store:
        store.close()
        store.close()
        with pytest.raises(StorageUnavailableError):
            store.ping()
        with pytest.raises(StorageUnavailableError):
            store.get_account("x")
        with pytest.raises(StorageUnavailableError):
            store.create_account(account())


def test_held_table_lock_times_out_and_rolls_back_the_whole_change(pg: Any, holder: Any) -> None:
    """create_session writes two rows; if the second waits past lock_timeout the first
    is rolled back too: nothing half-written."""
    s = session("a1")
    holder.execute(f"LOCK TABLE {pg.schema}.refresh_tokens IN EXCLUSIVE MODE")
    with pytest.raises(StorageUnavailableError):
        pg.create_session(s, token(s.sid, "t0"))
    holder.rollback()
    assert pg.get_session(s.sid) is None
    pg.create_session(s, token(s.sid, "t0"))
    assert pg.find_refresh_token(digest("t0")) is not None


def test_rotation_waiting_on_a_held_token_row_changes_nothing(pg: Any, holder: Any) -> None:
    """A rotation blocked past lock_timeout on the token row writes nothing."""
    s = session("a1")
    pg.create_session(s, token(s.sid, "t0"))
    holder.execute(
        f"SELECT 1 FROM {pg.schema}.refresh_tokens WHERE token_hash = %s FOR UPDATE",
        (digest("t0"),),
    )
    with pytest.raises(StorageUnavailableError):
        pg.rotate_refresh_token(rotation(digest("t0"), "t1", NOW + 1))
    holder.rollback()
    assert pg.find_refresh_token(digest("t0")).spent_at is None
    assert pg.find_refresh_token(digest("t1")) is None
    assert pg.get_session(s.sid) == s


def test_statement_timeout_is_unavailable(request: pytest.FixtureRequest, holder: Any) -> None:
    """A statement that runs past statement_timeout is cut off as unavailable."""
    with postgres_backend(request, statement_timeout=0.2, lock_timeout=5.0) as store:
        holder.execute(f"LOCK TABLE {store.schema}.accounts IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(StorageUnavailableError, match="in time"):
            store.list_accounts()
        holder.rollback()
        assert store.list_accounts() == []


def test_killed_connections_are_replaced(pg: Any, holder: Any) -> None:
    """The server terminating every pooled connection (a restart, a failover) costs no
    request: the pool checks each connection as it hands it out (the terminate call
    waits until each backend has exited, so the check sees a closed socket)."""
    pg.create_account(account("before"))
    killed = holder.execute(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = %s",
        (f"gatehouse:{pg.schema}",),
    ).fetchall()
    holder.commit()
    assert killed
    assert killed == [(True,)] * len(killed)
    assert pg.find_account_by_username("before") is not None
    pg.ping()


def test_time_limits_are_in_force_on_the_server(request: pytest.FixtureRequest) -> None:
    """The configured limits are what PostgreSQL applies to the store's sessions."""
    with postgres_backend(request, statement_timeout=1.5, lock_timeout=0.25) as store:
        with store._pool.connection() as conn:
            shown = conn.execute(
                "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
            ).fetchone()
        assert shown == ("1500ms", "250ms")


def test_conflicts_are_typed_and_carry_no_values(pg: Any) -> None:
    """A duplicate username is ConflictError whose message does not quote the row."""
    pg.create_account(account("dup-secretish"))
    with pytest.raises(ConflictError) as caught:
        pg.create_account(account("dup-secretish"))
    assert "dup-secretish" not in str(caught.value)
    assert caught.value.__cause__ is not None


def test_missing_driver_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the postgres extra, importing the adapter says which extra to install."""
    for name in [m for m in sys.modules if m.startswith("gatehouse.storage.postgres")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ConfigurationError, match=r"gatehouse-auth\[postgres\]"):
        importlib.import_module("gatehouse.storage.postgres")


def test_connections_beyond_descriptor_1024_work(request: pytest.FixtureRequest) -> None:
    """A busy process holds more than FD_SETSIZE descriptors: the pool's connection check
    must still work there (select() would refuse them and the pool would spin)."""
    import os
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        pytest.skip(f"needs 1200 open files, the limit here is {soft}")
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with postgres_backend(request, connect_timeout=2.0) as store:
            store.create_account(account("high-fd"))
            assert store.find_account_by_username("high-fd") is not None
    finally:
        for fd in filler:
            os.close(fd)


def test_role_without_create_rights_is_a_configuration_error(holder: Any) -> None:
    """A role that may not create the schema gets one line saying what to grant."""
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    from gatehouse.storage.postgres import PostgresStore

    role = f"gh_test_role_{time.monotonic_ns() % 10**9}"
    holder.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    holder.commit()
    try:
        url = make_conninfo(POSTGRES_DSN, user=role)
        with pytest.raises(ConfigurationError, match="CREATE on the database"):
            PostgresStore(url, schema=f"{role}_schema", connect_timeout=2.0)
    finally:
        holder.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        holder.commit()


def test_queries_do_not_depend_on_search_path(holder: Any) -> None:
    """A role whose default search_path names a decoy schema with the same tables: the
    store reads and writes only its own schema (PgBouncer in transaction mode and RDS
    Proxy keep no per-session search_path, so the store must not rely on one)."""
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    from gatehouse.storage.postgres import PostgresStore

    tag = time.monotonic_ns() % 10**9
    role, decoy, own = f"gh_test_role_{tag}", f"gh_test_decoy_{tag}", f"gh_test_own_{tag}"
    names = {"role": sql.Identifier(role), "decoy": sql.Identifier(decoy)}
    holder.execute(sql.SQL("CREATE ROLE {role} LOGIN").format(**names))
    holder.execute(sql.SQL("GRANT CREATE ON DATABASE test TO {role}").format(**names))
    holder.execute(sql.SQL("CREATE SCHEMA {decoy} AUTHORIZATION {role}").format(**names))
    holder.execute(sql.SQL("CREATE TABLE {decoy}.accounts (username TEXT)").format(**names))
    holder.execute(sql.SQL("ALTER TABLE {decoy}.accounts OWNER TO {role}").format(**names))
    holder.execute(sql.SQL("ALTER ROLE {role} SET search_path = {decoy}").format(**names))
    holder.commit()
    try:
        store = PostgresStore(make_conninfo(POSTGRES_DSN, user=role), schema=own, pool_size=1)
        try:
            store.create_account(account("only-in-own"))
            assert store.find_account_by_username("only-in-own") is not None
            with store._pool.connection() as conn:  # no session state of ours: the role's
                shown = conn.execute("SHOW search_path").fetchone()  # default stands
            assert shown == (decoy,)
        finally:
            store.close()
        assert holder.execute(f"SELECT count(*) FROM {decoy}.accounts").fetchone() == (0,)
        assert holder.execute(f"SELECT count(*) FROM {own}.accounts").fetchone() == (1,)
    finally:
        holder.rollback()
        drop_pg_schema(own)
        drop_pg_schema(decoy)
        holder.execute(sql.SQL("REVOKE CREATE ON DATABASE test FROM {role}").format(**names))
        holder.execute(sql.SQL("DROP OWNED BY {role}").format(**names))
        holder.execute(sql.SQL("DROP ROLE {role}").format(**names))
        holder.commit()
