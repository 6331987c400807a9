"""uvicorn's HTTP protocols with TCP_NODELAY set on every accepted connection.

Why: with Nagle's algorithm on, a keep-alive response written in two segments (headers,
then body) waits for the client's delayed ACK, ~40 ms on Linux (RFC 1122 §4.2.3.4 allows
the receiver to delay ACKs up to 500 ms; RFC 896 is Nagle). asyncio disables Nagle only
on sockets created with ``proto=IPPROTO_TCP``; uvicorn's multi-worker path binds with
``proto=0``, so ``--workers 2`` serves every keep-alive request ~44 ms late (uvicorn
issue #3149). uvloop sets the option itself; plain asyncio does not. Setting it here, in
``connection_made``, makes it hold whatever the loop and however the socket was bound.

uvicorn loads a protocol by its import string in every worker, so each class is a
module-level name (``gatehouse.service.serve_protocols:H11NoDelay``). The httptools one
is defined only when httptools is installed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["H11NoDelay", "protocol_path", "set_nodelay"]

_TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle off on ``transport``'s socket if it is TCP (a Unix socket has no Nagle)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in _TCP_FAMILIES:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class H11NoDelay(H11Protocol):
    """The pure-Python h11 protocol, Nagle off."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


HAS_HTTPTOOLS = importlib.util.find_spec("httptools") is not None

if HAS_HTTPTOOLS:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsNoDelay(HttpToolsProtocol):
        """The httptools (llhttp) protocol, Nagle off."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            set_nodelay(transport)
            super().connection_made(transport)


def protocol_path(http: str) -> str:
    """The import string of the protocol for ``http``: ``auto``, ``h11`` or ``httptools``."""
    if http == "auto":
        http = "httptools" if HAS_HTTPTOOLS else "h11"
    if http == "httptools":
        if not HAS_HTTPTOOLS:
            from gatehouse._distribution import install_hint
            from gatehouse.errors import ConfigurationError

            raise ConfigurationError(
                f"http = httptools needs the httptools package: {install_hint('server')}"
            )
        return f"{__name__}:HttpToolsNoDelay"
    if http == "h11":
        return f"{__name__}:H11NoDelay"
    from gatehouse.errors import ConfigurationError

    raise ConfigurationError(f"unknown HTTP implementation {http!r}; use auto, h11 or httptools")
