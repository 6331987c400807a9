"""The dev gateway over a real socket, with real worker processes, for the behaviour tests.

``serve(functions, clock)`` binds 127.0.0.1:0, serves ``DevGateway`` under uvicorn with
the gateway's own HTTP protocol (header case kept) in a thread, and yields the URL and
the log lines; readiness is uvicorn's start-up signal (no polling, no sleep), through the
one start helper, ``tests/asgi_server.py``. The token service is not part of these tests:
anything no function routes answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asgi_server import run_asgi_in_thread
from gatehouse.clock import Clock
from gatehouse.gateway.app import DevGateway
from gatehouse.gateway.handlers import DevFunction, close_functions, start_functions
from gatehouse.gateway.protocol import CaseKeepingProtocol


async def not_found(scope: Any, receive: Any, send: Any) -> None:
    """Stands in for the token service."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].replace(".startup", ".startup.complete")
            await send({"type": kind.replace(".shutdown", ".shutdown.complete")})
            if message["type"] == "lifespan.shutdown":
                return
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@contextmanager
def serve(functions: tuple[DevFunction, ...], clock: Clock) -> Iterator[tuple[str, list[str]]]:
    """Yield (base URL, the gateway's log lines so far) while the gateway serves."""
    start_functions(functions)
    lines: list[str] = []
    app = DevGateway(not_found, functions, verifier=None, log=lines.append, clock=clock)
    try:
        with run_asgi_in_thread(app, http=CaseKeepingProtocol) as url:
            yield url, lines
    finally:
        close_functions(functions)
