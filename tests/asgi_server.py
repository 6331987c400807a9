"""Serve an ASGI app under uvicorn on a free 127.0.0.1 port, in a background thread.

The one start helper for every test that needs a real server (the token service, the
protected services of the end-to-end flow, the examples). The listening socket is bound to
port 0 here, so the port is free by construction; readiness is uvicorn's own signal: the
server's ``startup`` (lifespan start-up, then listening) sets a ``threading.Event`` the
caller waits on, once, with a deadline. No polling, no sleep.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

__all__ = ["START_TIMEOUT", "run_asgi_in_thread"]

# Only a broken start waits this long; generous, so a loaded 2-core CI machine starting the
# token service (migrations, key set-up) is never mistaken for a broken start.
START_TIMEOUT = 30.0


class _SignallingServer(uvicorn.Server):
    """A uvicorn server that says when start-up has finished, whether or not it worked."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.startup_done = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.startup_done.set()


@contextmanager
def run_asgi_in_thread(
    app: Any, *, lifespan: Literal["auto", "on", "off"] = "on", http: str | type[Any] = "h11"
) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:<port>``) while ``app`` is served; ``http`` is
    uvicorn's HTTP protocol (the dev gateway passes its header-case-keeping one)."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only
    # for sockets that say so, and without it every response waits ~40 ms (Nagle +
    # delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan=lifespan, log_level="warning", access_log=False, ws="none", http=http
    )
    server = _SignallingServer(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # surfaced to the test below
            failure.append(exc)
        finally:
            server.startup_done.set()  # a crash before start-up must not leave the caller waiting

    thread = threading.Thread(target=serve, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        if not server.startup_done.wait(START_TIMEOUT):
            raise RuntimeError(f"uvicorn did not start within {START_TIMEOUT} s")
        if not server.started:
            raise RuntimeError(f"uvicorn did not start: {failure!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()
