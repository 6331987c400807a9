"""The one uvicorn start helper: ready means accepting, and a failed start fails at once."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from asgi_server import START_TIMEOUT, run_asgi_in_thread


async def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_the_url_answers_as_soon_as_it_is_yielded() -> None:
    """The first request after start-up is served: no retry, no wait."""
    app = Starlette(routes=[Route("/", _hello)])
    with run_asgi_in_thread(app) as url:
        assert httpx.get(url, timeout=5).text == "hello"


def test_a_failing_lifespan_start_raises_without_waiting_out_the_deadline() -> None:
    """An app whose start-up fails is a RuntimeError at once, not a START_TIMEOUT wait."""

    @asynccontextmanager
    async def broken(app: Starlette) -> AsyncIterator[None]:
        raise OSError("the store is not there")
        yield

    began = time.monotonic()
    with (
        pytest.raises(RuntimeError, match="did not start"),
        run_asgi_in_thread(Starlette(lifespan=broken)),
    ):
        pass
    assert time.monotonic() - began < START_TIMEOUT / 2
