"""What the token service hands back: plain values, ready for an RFC 6749 §5.1 body."""

from __future__ import annotations

from typing import Any

from gatehouse._record import record
from gatehouse.storage.records import ClientRecord

__all__ = ["AccessTokenResponse", "RegisteredClient", "TokenPair"]


@record
class AccessTokenResponse:
    """An access token alone (client credentials: no refresh token, RFC 6749 §4.4.3)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"
    """``DPoP`` for a token bound to a DPoP key (RFC 9449 §5.1)."""

    def to_dict(self) -> dict[str, Any]:
        """The RFC 6749 §5.1 response body."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }

    def __repr__(self) -> str:
        return f"AccessTokenResponse(scope={self.scope!r}, expires_in={self.expires_in})"


@record
class TokenPair:
    """An access token and the refresh token of its session."""

    access_token: str
    expires_in: int
    refresh_token: str
    scope: str
    sid: str
    token_type: str = "Bearer"
    """``DPoP`` for a token bound to a DPoP key (RFC 9449 §5.1)."""

    def to_dict(self) -> dict[str, Any]:
        """The RFC 6749 §5.1 response body (``sid`` stays server-side)."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
        }

    def __repr__(self) -> str:
        return f"TokenPair(sid={self.sid!r}, scope={self.scope!r}, expires_in={self.expires_in})"


@record
class RegisteredClient:
    """A newly registered client and its secret, shown this once and never stored."""

    client: ClientRecord
    client_secret: str | None

    def __repr__(self) -> str:
        return f"RegisteredClient(client_id={self.client.client_id!r})"
