"""Every failure as an RFC 6749 §5.2 JSON body, mapped in one place.

Endpoints are wrapped with ``guarded``: a ``GatehouseError`` becomes its status and
``{"error", "error_description"}`` (the description is the error's message, which by
the house rule never holds a token, secret or password; for a storage or key-source
failure it is a fixed "retry" text and the message goes to the log, since it names
internals the caller cannot act on); anything else is a bug and
becomes a generic 500 whose log record names the exception type and the frames, never
its message (which could quote input). Nothing is re-raised to the server, so no
traceback reaches a client or the server's own error log.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from gatehouse.adapters.bearer import challenge
from gatehouse.errors import (
    GatehouseError,
    InvalidClientError,
    KeySourceError,
    LoginBusyError,
    StorageError,
    ThrottledError,
    TokenError,
)
from gatehouse.service.web import JSONResponse, Request, Response

__all__ = [
    "NO_STORE",
    "RETRY_AFTER_STORAGE",
    "error_response",
    "guarded",
    "http_exception_response",
    "json_response",
]

logger = logging.getLogger("gatehouse.service")

# RFC 6749 §5.1: token responses (and, to be safe, every answer about credentials)
# must not be cached by the client or any intermediary.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
RETRY_AFTER_STORAGE = 5
REALM = "gatehouse"
# Codes of InvalidRequestError that deserve a more precise HTTP status.
_STATUS_BY_CODE = {"request_too_large": 413, "unsupported_media_type": 415}
_UNAVAILABLE = f"The service is temporarily unavailable; retry after {RETRY_AFTER_STORAGE} seconds."
_CONFLICT = "The request conflicted with a concurrent change; retry it."

Endpoint = Callable[[Request], Awaitable[Response]]


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON answer with the no-store headers unless ``headers`` says otherwise."""
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def _server_error() -> JSONResponse:
    return json_response(
        {"error": "server_error", "error_description": "internal error"}, status=500
    )


def error_response(exc: GatehouseError) -> JSONResponse:
    """The response for one of our errors (RFC 6749 §5.2, RFC 6750 §3)."""
    if exc.status >= 500 and exc.status != 503:
        logger.error("request failed: %s (%s)", type(exc).__name__, exc.code)
        return _server_error()
    status = _STATUS_BY_CODE.get(exc.code, exc.status)
    headers: dict[str, str] = {}
    description = exc.message
    if isinstance(exc, StorageError | KeySourceError):
        # Which store failed and how is for the operator (the log), not the caller: the
        # caller can only retry (or, on a conflict, repeat the request).
        logger.warning("%s: %s (%s): %s", status, type(exc).__name__, exc.code, exc.message)
        description = _UNAVAILABLE if exc.status == 503 else _CONFLICT
    if isinstance(exc, ThrottledError | LoginBusyError):
        headers["Retry-After"] = str(exc.retry_after)
    elif exc.status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_STORAGE)
    elif isinstance(exc, InvalidClientError):
        # RFC 6749 §5.2: a 401 carries the challenge for the scheme the client may use;
        # RFC 9110 §15.5.2 requires WWW-Authenticate on every 401.
        headers["WWW-Authenticate"] = challenge(
            None, realm=REALM, scheme="Basic", params={"charset": "UTF-8"}
        )
    elif isinstance(exc, TokenError):
        headers["WWW-Authenticate"] = challenge(exc, realm=REALM)
    body = {"error": exc.error, "error_description": description}
    return json_response(body, status=status, headers=headers)


def http_exception_response(request: object, exc: Exception) -> Response:
    """404 and 405 from the ASGI app's router, as JSON like every other answer."""
    from starlette.exceptions import HTTPException

    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        body = {"error": "not_found", "error_description": "no such endpoint"}
    elif status == 405:
        body = {"error": "method_not_allowed", "error_description": "method not allowed"}
    else:
        body = {"error": "invalid_request", "error_description": "the request was refused"}
    headers = dict(getattr(exc, "headers", None) or {})
    return json_response(body, status=status, headers=headers)


def guarded(endpoint: Endpoint) -> Endpoint:
    """Wrap an endpoint so it always answers with JSON and never leaks a traceback."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except GatehouseError as exc:
            return error_response(exc)
        except Exception as exc:
            # Frames as file:line:function only: neither the message nor source lines,
            # either of which could quote a secret.
            frames = "\n".join(
                f"  {f.filename}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)
            )
            # The path as repr: it is the caller's, and a decoded CR/LF must not forge a line.
            logger.error(
                "unhandled %s in %s %r\n%s",
                type(exc).__name__,
                request.method,
                request.url.path,
                frames,
            )
            return _server_error()

    return wrapper
