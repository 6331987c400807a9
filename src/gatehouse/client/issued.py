"""What a token endpoint hands back, read strictly (RFC 6749 §5.1, §5.2; RFC 8693 §2.2).

One reader for every flow of ``gatehouse.client``: the body is size-checked before it is
parsed, a success must carry ``access_token``, ``token_type`` and a positive
``expires_in``, and an error body becomes the project's own ``OAuthError`` subclass for
its ``error`` value, so a caller writes ``except InvalidGrantError`` whatever flow failed.
Tokens are kept out of ``repr`` so a logged object never shows one.
"""

from __future__ import annotations

import json
from dataclasses import field
from typing import Any

import httpx

from gatehouse._record import record
from gatehouse.errors import (
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    InvalidTargetError,
    LoginBusyError,
    OAuthError,
    ThrottledError,
    TokenEndpointError,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
)

__all__ = ["MAX_RESPONSE_BYTES", "IssuedToken", "read_token_response"]

MAX_RESPONSE_BYTES = 64 * 1024
"""A token response is a few KiB; anything larger is refused before it is parsed."""

_MAX_DESCRIPTION = 200

_ERRORS: dict[str, type[OAuthError]] = {
    "invalid_request": InvalidRequestError,
    "invalid_client": InvalidClientError,
    "invalid_grant": InvalidGrantError,
    "invalid_scope": InvalidScopeError,
    "invalid_target": InvalidTargetError,
    "unauthorized_client": UnauthorizedClientError,
    "unsupported_grant_type": UnsupportedGrantTypeError,
    "access_denied": AccessDeniedError,
}


@record
class IssuedToken:
    """An access token (and maybe a refresh token) with the moments the cache needs.

    ``refresh_at`` and ``expires_at`` are on the flow clock's *monotonic* scale, so a
    stepped wall clock neither extends nor shortens a cached token.
    """

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    scope: str | None
    expires_at: float
    refresh_at: float
    refresh_token: str | None = field(default=None, repr=False)
    issued_token_type: str | None = None

    def fresh(self, monotonic_now: float) -> bool:
        """Still good to send without asking for a new one first."""
        return monotonic_now < self.refresh_at

    def usable(self, monotonic_now: float) -> bool:
        """Not yet expired (a refresh may be due, but the token still works)."""
        return monotonic_now < self.expires_at

    @property
    def scheme(self) -> str:
        """The ``Authorization`` scheme: ``DPoP`` for a bound token (RFC 9449 §7.1)."""
        return "DPoP" if self.token_type.lower() == "dpop" else "Bearer"


def _body(response: httpx.Response) -> dict[str, Any]:
    length = response.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_RESPONSE_BYTES):
        raise TokenEndpointError("the token endpoint's answer is too large")
    raw = response.read()
    if len(raw) > MAX_RESPONSE_BYTES:
        raise TokenEndpointError("the token endpoint's answer is too large")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # deep nesting exhausts the parser
        raise TokenEndpointError("the token endpoint's answer is not JSON") from exc
    if not isinstance(body, dict):
        raise TokenEndpointError("the token endpoint's answer is not a JSON object")
    return body


def _retry_after(response: httpx.Response) -> int:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else 1


def _raise_error(response: httpx.Response, body: dict[str, Any]) -> None:
    error = body.get("error")
    description = body.get("error_description")
    text = description[:_MAX_DESCRIPTION] if isinstance(description, str) else ""
    if not isinstance(error, str):
        raise TokenEndpointError(f"the token endpoint answered HTTP {response.status_code}")
    if error == "slow_down":
        raise ThrottledError(text, retry_after=_retry_after(response))
    if error == "temporarily_unavailable":
        raise LoginBusyError(text, retry_after=_retry_after(response))
    cls = _ERRORS.get(error)
    if cls is None:
        raise TokenEndpointError(text or f"the token endpoint answered {error[:40]!r}")
    raise cls(text or cls.__doc__ or error)


def read_token_response(
    response: httpx.Response, *, monotonic_now: float, refresh_ahead: float
) -> IssuedToken:
    """The token in a 200 answer, or the ``OAuthError`` an error answer stands for.

    The token is due for renewal ``refresh_ahead`` seconds before it expires, or half
    way through its life when that is shorter (so a 30 s token is not renewed at once).
    """
    body = _body(response)
    if response.status_code != 200:
        _raise_error(response, body)
    token, kind = body.get("access_token"), body.get("token_type")
    expires_in = body.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(kind, str):
        raise TokenEndpointError("the token response lacks access_token or token_type")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
        raise TokenEndpointError("the token response lacks a positive expires_in")
    scope, refresh = body.get("scope"), body.get("refresh_token")
    issued_type = body.get("issued_token_type")
    ahead = min(refresh_ahead, expires_in / 2)
    return IssuedToken(
        access_token=token,
        token_type=kind,
        expires_in=expires_in,
        scope=scope if isinstance(scope, str) else None,
        expires_at=monotonic_now + expires_in,
        refresh_at=monotonic_now + expires_in - ahead,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        issued_token_type=issued_type if isinstance(issued_type, str) else None,
    )
