"""Where the test servers are, whether they answer, and how to clean up after them.

``GATEHOUSE_TEST_POSTGRES`` / ``GATEHOUSE_TEST_REDIS`` override the addresses of the
servers this machine runs (PostgreSQL on 127.0.0.1:5432 with trust auth, database
``test``; Redis on 127.0.0.1:6379).
"""

from __future__ import annotations

import os
import socket

POSTGRES_DSN = os.environ.get(
    "GATEHOUSE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("GATEHOUSE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _tcp_down(host: str, port: int) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return None
    except OSError as exc:
        return f"nothing answers on {host}:{port} ({exc.strerror or exc})"


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

    with psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def free_port() -> int:
    """A TCP port nothing listens on right now (for 'server is down' tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


__all__ = [
    "POSTGRES_DSN",
    "REDIS_URL",
    "_tcp_down",
    "drop_pg_schema",
    "free_port",
    "postgres_down",
    "redis_down",
]
