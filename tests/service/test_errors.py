"""The catch-all: a bug answers a generic 500 JSON body and logs no secret."""

from __future__ import annotations

import logging

import httpx
import pytest
from server import run_asgi_in_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gatehouse.errors import ConfigurationError
from gatehouse.service.errors import guarded


@guarded
async def crash(request: Request) -> Response:
    raise RuntimeError("password=hunter2 leaked into a message")


@guarded
async def misconfigured(request: Request) -> Response:
    raise ConfigurationError("something internal")


def test_unexpected_exceptions_are_a_generic_500(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback or message reaches the client or the log; the type and frames do."""
    app = Starlette(routes=[Route("/crash", crash), Route("/conf", misconfigured)])
    with (
        caplog.at_level(logging.ERROR, logger="gatehouse.service"),
        run_asgi_in_thread(app, lifespan="off") as url,
        httpx.Client(base_url=url) as http,
    ):
        for path in ("/crash", "/conf"):
            response = http.get(path)
            assert response.status_code == 500
            assert response.json() == {
                "error": "server_error",
                "error_description": "internal error",
            }
            assert "hunter2" not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged
    assert "ConfigurationError" in logged
    assert "hunter2" not in logged
    caplog.clear()  # these errors were the point of the test
