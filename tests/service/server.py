"""Serve an ASGI app under uvicorn on a free 127.0.0.1 port, in a background thread.

Reusable by any test (the end-to-end flow starts the token service and protected
services beside it with this). The socket is bound by the caller's side to port 0, so
the port is free by construction; start-up is awaited on ``server.started`` with a
deadline, never a sleep.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

__all__ = ["run_asgi_in_thread"]

START_TIMEOUT = 10.0


@contextmanager
def run_asgi_in_thread(app: Any, *, lifespan: Literal["auto", "on", "off"] = "on") -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:<port>``) while ``app`` is served."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only
    # for sockets that say so, and without it every response waits ~40 ms (Nagle +
    # delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan=lifespan, log_level="warning", access_log=False, ws="none", http="h11"
    )
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the test below
            failure.append(exc)

    thread = threading.Thread(target=serve, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    ready = threading.Event()
    try:
        deadline = START_TIMEOUT
        while not server.started:
            if failure or not thread.is_alive():
                raise RuntimeError(f"uvicorn did not start: {failure!r}")
            if deadline <= 0:
                raise RuntimeError("uvicorn did not start in time")
            ready.wait(0.005)  # a bounded poll of the started flag, not a fixed sleep
            deadline -= 0.005
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()
