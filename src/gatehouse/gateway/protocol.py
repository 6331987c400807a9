"""uvicorn's httptools HTTP/1.1 protocol, keeping the header names as the client wrote them.

ASGI servers lower-case header names; API Gateway's REST events keep the client's case
(``headers`` and ``multiValueHeaders``). This protocol records each name before uvicorn
lower-cases it, under ``scope["gatehouse.header_names"]`` (one entry per header, in
order); the gateway falls back to canonical case where a server does not keep them.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CaseKeepingProtocol"]

HEADER_NAMES = "gatehouse.header_names"


class CaseKeepingProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` plus the original header names in the scope."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._names: list[str] = []
        scope: Any = self.scope
        scope[HEADER_NAMES] = self._names

    def on_header(self, name: bytes, value: bytes) -> None:
        self._names.append(name.decode("latin-1"))
        super().on_header(name, value)
