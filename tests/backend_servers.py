"""Where the test servers are, whether they answer, and how to clean up after them.

``GATEHOUSE_TEST_POSTGRES`` / ``GATEHOUSE_TEST_REDIS`` override the addresses of the
servers this machine runs (PostgreSQL on 127.0.0.1:5432 with trust auth, database
``test``; Redis on 127.0.0.1:6379).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

POSTGRES_DSN = os.environ.get(
    "GATEHOUSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("GATEHOUSE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def unavailable(name: str, reason: str) -> None:
    """Skip a backend test; fail it where CI demands backends (GATEHOUSE_REQUIRE_BACKENDS=1)."""
    if os.environ.get("GATEHOUSE_REQUIRE_BACKENDS") == "1":
        pytest.fail(f"{name} is required in CI but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


def postgres_down() -> str | None:
    """None if PostgreSQL accepts a session, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'gatehouse[postgres]')"
    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"cannot connect to {POSTGRES_DSN}: {type(exc).__name__}"
    return None


def redis_down() -> str | None:
    """None if Redis answers PING, else why not."""
    try:
        import redis
    except ImportError:
        return "redis is not installed (pip install 'gatehouse[redis]')"
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"cannot reach {REDIS_URL}: {type(exc).__name__}"
    finally:
        client.close()
    return None


def drop_pg_schema(schema: str) -> None:
    """Drop a test schema and everything in it (idempotent)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        POSTGRES_DSN, autocommit=True, connect_timeout=5, options="-c lock_timeout=10000"
    ) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def free_port() -> int:
    """A TCP port nothing listens on right now (for 'server is down' tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_backend(request: pytest.FixtureRequest | None = None, **options: Any) -> Iterator[Any]:
    """A fresh PostgresStore in a schema of its own, dropped on exit."""
    reason = postgres_down()
    if reason:
        unavailable("PostgreSQL", reason)
    from gatehouse.storage.postgres import PostgresStore

    schema = f"gh_test_{secrets.token_hex(6)}"
    options.setdefault("pool_size", 4)
    store = PostgresStore(POSTGRES_DSN, schema=schema, **options)
    try:
        yield store
    finally:
        store.close()
        drop_pg_schema(schema)


@contextmanager
def redis_backend(request: pytest.FixtureRequest | None = None) -> Iterator[Any]:
    """A fresh RedisCounters under a key prefix of its own, emptied on exit."""
    reason = redis_down()
    if reason:
        unavailable("Redis", reason)
    from gatehouse.storage.redis_counters import RedisCounters

    prefix = f"gh_test:{secrets.token_hex(6)}:"
    store = RedisCounters(REDIS_URL, prefix=prefix)
    try:
        yield store
    finally:
        store.drop_all()
        store.close()
