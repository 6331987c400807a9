"""The token service under uvicorn on 127.0.0.1, over SQLite in tmp_path, with fake time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import run_asgi_in_thread
from service_stack import Stack, make_stack, service_environ

__all__ = ["Stack", "make_stack", "service_environ"]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    built = make_stack(tmp_path)
    try:
        yield built
    finally:
        built.stores.close()


@pytest.fixture
def base_url(stack: Stack) -> Iterator[str]:
    """The token service served by uvicorn on a free 127.0.0.1 port."""
    with run_asgi_in_thread(stack.app) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        yield client


@pytest.fixture(autouse=True)
def no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Bad input must never reach the catch-all handler (it logs at ERROR)."""
    yield
    unhandled = [r for r in caplog.records if r.name == "gatehouse.service" and r.levelno >= 40]
    assert not unhandled, [r.getMessage()[:200] for r in unhandled]
