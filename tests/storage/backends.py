"""The server-backed storage backends: PostgreSQL (every port) and Redis (counters).

Each yields a fresh, empty store in a namespace of its own (a PostgreSQL schema, a
Redis key prefix) and drops that namespace on exit, so no test sees another's rows
and no run depends on an earlier one. A server that is down skips the test locally
and fails it in CI (``backend_unavailable``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from backend_servers import POSTGRES_DSN, REDIS_URL, drop_pg_schema, postgres_down, redis_down

FULL_BACKENDS: dict[str, Any] = {}
COUNTER_BACKENDS: dict[str, Any] = {}
BACKEND_MARKS = {"postgres": pytest.mark.postgres, "redis": pytest.mark.redis}


@contextmanager
def postgres_backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    reason = postgres_down()
    if reason:
        request.getfixturevalue("backend_unavailable")("PostgreSQL", reason)
    from gatehouse.storage.postgres import PostgresStore

    schema = f"gh_test_{secrets.token_hex(6)}"
    store = PostgresStore(POSTGRES_DSN, schema=schema, pool_size=4)
    try:
        yield store
    finally:
        store.close()
        drop_pg_schema(schema)


@contextmanager
def redis_backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    reason = redis_down()
    if reason:
        request.getfixturevalue("backend_unavailable")("Redis", reason)
    from gatehouse.storage.redis_counters import RedisCounters

    prefix = f"gh_test:{secrets.token_hex(6)}:"
    store = RedisCounters(REDIS_URL, prefix=prefix)
    try:
        yield store
    finally:
        store.drop_all()
        store.close()


FULL_BACKENDS["postgres"] = postgres_backend
COUNTER_BACKENDS["redis"] = redis_backend
