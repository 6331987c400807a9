"""A stdlib socket server (``http.server``, ``wsgiref``) run on a daemon thread for as long as
a test or a session needs it: started before the ``with`` body, shut down, closed and joined
after it, whatever the body raised. ``LoopbackHTTPServer`` and ``QuietHandler`` are the base
of the scripted test servers (the JWKS server, the status list publisher)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

S = TypeVar("S", bound=socketserver.BaseServer)


@contextmanager
def serving(server: S, name: str | None = None) -> Iterator[S]:
    """``server`` answering on its own thread inside the ``with``; stopped and closed after."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on a free loopback port."""

    # Join handler threads on close so every test ends with nothing left running.
    daemon_threads = False
    block_on_close = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) leaves a broken pipe: expected."""


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing: tests assert on what the server recorded."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""
