"""The storage contract suite runs against every adapter through two fixtures.

* ``store``: an adapter implementing *every* port (``FullStore``): memory, SQLite, and
  PostgreSQL once it exists.
* ``counter_store``: an adapter implementing ``DenyList`` and ``ThrottleStore``: every
  ``store`` backend plus Redis.

Adding a backend (for the PostgreSQL / Redis engineer): create
``tests/storage/backends.py`` defining either or both of::

    FULL_BACKENDS: dict[str, Backend]      # e.g. {"postgres": postgres_backend}
    COUNTER_BACKENDS: dict[str, Backend]   # e.g. {"redis": redis_backend}

where ``Backend = Callable[[pytest.FixtureRequest], ContextManager[object]]``: a
context manager factory that yields a fresh, empty store (its own schema or key
prefix) and drops it on exit. When the server is down, call
``request.getfixturevalue("backend_unavailable")(name, reason)``: the helper of
``tests/conftest.py``, which skips locally and fails in CI. Optionally mark the params
with ``BACKEND_MARKS: dict[str, pytest.MarkDecorator]`` (``{"postgres":
pytest.mark.postgres}``). Nothing else changes: every contract test then runs against
the new backend too.
"""

from __future__ import annotations

import importlib.util
import sys
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


@pytest.fixture
def backend_unavailable(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """The root conftest's skip-locally/fail-in-CI helper, reachable from backends.py."""
    for plugin in request.config.pluginmanager.get_plugins():
        helper = getattr(plugin, "backend_unavailable", None)
        if callable(helper) and plugin is not sys.modules[__name__]:
            return helper  # type: ignore[no-any-return]
    raise LookupError("tests/conftest.py must define backend_unavailable")


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
