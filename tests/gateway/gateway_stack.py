"""The dev gateway over a real socket, with real worker processes, for the behaviour tests.

``serve(functions, clock)`` binds 127.0.0.1:0, serves ``DevGateway`` under uvicorn with
the gateway's own HTTP protocol (header case kept) in a thread, and yields the URL and
the log lines; readiness is uvicorn's start-up signal (no polling, no sleep). The token
service is not part of these tests: anything no function routes answers 404.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from gatehouse.clock import Clock
from gatehouse.gateway.app import DevGateway
from gatehouse.gateway.handlers import DevFunction, close_functions, start_functions
from gatehouse.gateway.protocol import CaseKeepingProtocol

START_TIMEOUT = 30.0


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


class _Signalling(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.startup_done = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.startup_done.set()


@contextmanager
def serve(functions: tuple[DevFunction, ...], clock: Clock) -> Iterator[tuple[str, list[str]]]:
    """Yield (base URL, the gateway's log lines so far) while the gateway serves."""
    start_functions(functions)
    lines: list[str] = []
    app = DevGateway(not_found, functions, verifier=None, log=lines.append, clock=clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", access_log=False, http=CaseKeepingProtocol
    )
    server = _Signalling(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        if not server.startup_done.wait(START_TIMEOUT) or not server.started:
            raise RuntimeError("the gateway did not start")
        yield f"http://127.0.0.1:{port}", lines
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()
        close_functions(functions)
