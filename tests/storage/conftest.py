"""The storage contract suite runs against every adapter through two fixtures.

* ``store``: an adapter implementing *every* port (``FullStore``): memory, SQLite and
  PostgreSQL.
* ``counter_store``: an adapter implementing ``DenyList`` and ``ThrottleStore``: every
  ``store`` backend plus Redis.

The server-backed backends are registered in ``tests/storage/backends.py``
(``FULL_BACKENDS``, ``COUNTER_BACKENDS``, ``BACKEND_MARKS``); each is a context manager
factory (``tests/backend_servers.py``) yielding a fresh, empty store in a namespace of
its own (a schema, a key prefix) and dropping it on exit. A server that is down skips
the test locally and fails it in CI. Every contract test runs on every backend.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from gatehouse.clock import ManualClock
from gatehouse.storage.memory import MemoryStore
from gatehouse.storage.sqlite import SQLiteStore

Backend = Callable[[pytest.FixtureRequest], AbstractContextManager[Any]]


@contextmanager
def memory_backend(request: pytest.FixtureRequest) -> Iterator[MemoryStore]:
    store = MemoryStore()
    yield store
    store.close()


@contextmanager
def sqlite_backend(request: pytest.FixtureRequest) -> Iterator[SQLiteStore]:
    tmp_path: Path = request.getfixturevalue("tmp_path")
    store = SQLiteStore(tmp_path / "gatehouse.db", clock=ManualClock())
    try:
        yield store
    finally:
        store.close()


def _load_extra() -> Any:
    path = Path(__file__).with_name("backends.py")
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("gatehouse_test_backends", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_EXTRA = _load_extra()
FULL_BACKENDS: dict[str, Backend] = {"memory": memory_backend, "sqlite": sqlite_backend}
FULL_BACKENDS.update(getattr(_EXTRA, "FULL_BACKENDS", {}))
COUNTER_BACKENDS: dict[str, Backend] = dict(FULL_BACKENDS)
COUNTER_BACKENDS.update(getattr(_EXTRA, "COUNTER_BACKENDS", {}))
_MARKS: dict[str, pytest.MarkDecorator] = getattr(_EXTRA, "BACKEND_MARKS", {})


def _params(names: dict[str, Backend]) -> list[Any]:
    return [pytest.param(n, id=n, marks=[_MARKS[n]] if n in _MARKS else []) for n in names]


@pytest.fixture(params=_params(FULL_BACKENDS))
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh, empty adapter implementing every storage port."""
    with FULL_BACKENDS[request.param](request) as s:
        yield s


@pytest.fixture(params=_params(COUNTER_BACKENDS))
def counter_store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh adapter implementing the deny-list and throttle ports."""
    with COUNTER_BACKENDS[request.param](request) as s:
        yield s


def _plain_connection(*, autocommit: bool) -> Iterator[Any]:
    from backend_servers import POSTGRES_DSN, postgres_down, unavailable

    reason = postgres_down()
    if reason:
        unavailable("PostgreSQL", reason)
    import psycopg

    with psycopg.connect(POSTGRES_DSN, connect_timeout=5, autocommit=autocommit) as conn:
        yield conn


@pytest.fixture
def raw() -> Iterator[Any]:
    """A plain PostgreSQL connection of the test's own, in autocommit: a probe (a
    ``FOR UPDATE NOWAIT``, a read behind the store) ends as soon as it answers."""
    yield from _plain_connection(autocommit=True)


@pytest.fixture
def holder() -> Iterator[Any]:
    """A plain PostgreSQL connection in a transaction of its own: to hold a lock (or a
    read) across the store's calls until the test commits or rolls back."""
    yield from _plain_connection(autocommit=False)
