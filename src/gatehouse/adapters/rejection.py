"""One mapping from a gatehouse error to an HTTP answer, shared by every adapter.

RFC 6750 §3.1 fixes the statuses: 401 invalid_token, 403 insufficient_scope, 400
invalid_request, each with a ``WWW-Authenticate`` challenge. A key source or deny-list
store that is down is not the caller's fault: 503, no challenge. Anything else (a
configuration or programming error) is not answered here; it propagates loudly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from gatehouse.adapters.bearer import challenge, error_description
from gatehouse.errors import (
    GatehouseError,
    InvalidRequestError,
    KeySourceError,
    StorageError,
    TokenError,
)

__all__ = ["ANSWERABLE", "Rejection", "reject"]

# Errors an adapter turns into a response; any other GatehouseError is re-raised.
ANSWERABLE: tuple[type[GatehouseError], ...] = (
    TokenError,
    InvalidRequestError,
    KeySourceError,
    StorageError,
)

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    503: "Service Unavailable",
}


class Rejection:
    """Status, headers and JSON body of a refusal, in no framework's types.

    A plain slotted class, not a dataclass: ``dataclasses`` pulls in ``inspect`` and ~10 ms
    of imports, paid at every Lambda cold start.
    """

    __slots__ = ("description", "error", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], error: str, description: str) -> None:
        self.status = status
        self.headers = headers
        self.error = error
        self.description = description

    @property
    def body(self) -> str:
        """``{"error", "error_description"}`` as JSON text."""
        return json.dumps({"error": self.error, "error_description": self.description})

    @property
    def reason(self) -> str:
        """The reason phrase, for formats that want one (ALB's statusDescription)."""
        return _REASONS.get(self.status, "Error")


def reject(error: GatehouseError, *, realm: str, scopes: Iterable[str] = ()) -> Rejection:
    """The response for ``error``; re-raise it when it is not the request's fault."""
    if not isinstance(error, ANSWERABLE):
        raise error
    status = 503 if isinstance(error, KeySourceError | StorageError) else error.status
    headers = {"Content-Type": "application/json"}
    if status != 503:
        headers["WWW-Authenticate"] = challenge(error, realm=realm, scopes=scopes)
    return Rejection(status, headers, error.error, error_description(error))
