"""A stdlib socket server (``http.server``, ``wsgiref``) run on a daemon thread for as long as
a test or a session needs it: started before the ``with`` body, shut down, closed and joined
after it, whatever the body raised."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

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
