"""How the flows read token endpoint answers they cannot use: typed errors, bounded size,
never a traceback of json or KeyError (RFC 6749 §5.1, §5.2)."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest

from gatehouse.client import ClientCredentials
from gatehouse.client.issued import MAX_RESPONSE_BYTES, read_token_response
from gatehouse.errors import (
    InvalidGrantError,
    InvalidScopeError,
    LoginBusyError,
    OAuthError,
    ThrottledError,
    TokenEndpointError,
)

REQUEST = httpx.Request("POST", "https://issuer.example/token")


def _answer(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers, request=REQUEST)


def _read(response: httpx.Response) -> Any:
    return read_token_response(response, monotonic_now=100.0, refresh_ahead=30.0)


GOOD = {"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 300, "scope": "read"}


def test_a_good_answer_is_due_refresh_ahead_of_expiry() -> None:
    """expires_in 300, refresh_ahead 30: due at 370 on the monotonic scale, expired at 400."""
    issued = _read(_answer(200, GOOD))
    assert (issued.refresh_at, issued.expires_at) == (370.0, 400.0)
    assert issued.scheme == "Bearer"
    assert "a.b.c" not in repr(issued)


def test_a_short_token_is_renewed_half_way() -> None:
    """A 20 s token is renewed after 10 s, not at once."""
    issued = _read(_answer(200, {**GOOD, "expires_in": 20}))
    assert issued.refresh_at == 110.0


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (400, {"error": "invalid_grant"}, None, InvalidGrantError),
        (400, {"error": "invalid_scope", "error_description": "x" * 5000}, None, InvalidScopeError),
        (429, {"error": "slow_down"}, {"Retry-After": "7"}, ThrottledError),
        (503, {"error": "temporarily_unavailable"}, {"Retry-After": "3"}, LoginBusyError),
        (400, {"error": "made_up_error"}, None, TokenEndpointError),
        (500, b"<html>oops</html>", None, TokenEndpointError),
        (200, b"[1, 2]", None, TokenEndpointError),
        (200, b"[" * 50_000, None, TokenEndpointError),
        (200, {"token_type": "Bearer", "expires_in": 300}, None, TokenEndpointError),
        (200, {**GOOD, "expires_in": "300"}, None, TokenEndpointError),
        (200, {**GOOD, "expires_in": 0}, None, TokenEndpointError),
        (200, {**GOOD, "expires_in": True}, None, TokenEndpointError),
        (200, b"x" * (MAX_RESPONSE_BYTES + 1), None, TokenEndpointError),
        (200, GOOD, {"Content-Length": "99999999"}, TokenEndpointError),
    ],
)
def test_unusable_answers_raise_typed_errors(
    status: int, body: Any, headers: dict[str, str] | None, error: type[OAuthError]
) -> None:
    """Each unusable answer raises its OAuthError subclass with a bounded message."""
    with pytest.raises(error) as caught:
        _read(_answer(status, body, headers))
    assert len(caught.value.message) <= 200
    if isinstance(caught.value, ThrottledError | LoginBusyError):
        assert caught.value.retry_after in (3, 7)


def test_unreachable_token_endpoint_raises_httpx_error() -> None:
    """A refused connection with nothing cached is httpx's own ConnectError, at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as bound:
        bound.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/token"
        flow = ClientCredentials(url, "c", "s", timeout=5)
        with pytest.raises(httpx.ConnectError):
            flow.token()
        flow.close()
