"""The token service's OAuth 2.0 error responses (RFC 6749 §5.2)."""

from __future__ import annotations

from gatehouse.errors.base import GatehouseError


class OAuthError(GatehouseError):
    """An OAuth 2.0 error response from the token service (RFC 6749 §5.2)."""

    code = "invalid_request"
    error = "invalid_request"
    status = 400


class InvalidRequestError(OAuthError):
    """The request is missing a parameter or is otherwise malformed."""

    code = "invalid_request"
    error = "invalid_request"


class WeakPasswordError(InvalidRequestError):
    """A new password is refused: shorter than the minimum or on the breached-password
    list (NIST SP 800-63B §5.1.1.2)."""

    code = "weak_password"


class InvalidClientError(OAuthError):
    """Client authentication failed (RFC 6749 §5.2)."""

    code = "invalid_client"
    error = "invalid_client"
    status = 401


class InvalidGrantError(OAuthError):
    """The credentials or refresh token are invalid, expired or revoked."""

    code = "invalid_grant"
    error = "invalid_grant"


class RefreshTokenReuseError(InvalidGrantError):
    """A spent refresh token was presented again; its whole family is revoked."""

    code = "refresh_token_reused"


class InvalidScopeError(OAuthError):
    """The requested scope exceeds what the account or client may have."""

    code = "invalid_scope"
    error = "invalid_scope"


class InvalidTargetError(OAuthError):
    """The requested audience (resource) is not one this account or client may have."""

    code = "invalid_target"
    error = "invalid_target"


class UnauthorizedClientError(OAuthError):
    """The client may not use this grant type."""

    code = "unauthorized_client"
    error = "unauthorized_client"


class UnsupportedGrantTypeError(OAuthError):
    """The grant type is not supported."""

    code = "unsupported_grant_type"
    error = "unsupported_grant_type"


class AccessDeniedError(OAuthError):
    """The account may not obtain this token (for example, it is disabled)."""

    code = "access_denied"
    error = "access_denied"
    status = 403


class ThrottledError(OAuthError):
    """Too many failed attempts; try again after ``retry_after`` seconds."""

    code = "throttled"
    error = "slow_down"
    status = 429

    def __init__(self, message: str = "", *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoginBusyError(OAuthError):
    """Too many logins are being hashed or waiting; retry after ``retry_after`` seconds
    (RFC 6749 §5.2 ``temporarily_unavailable``, as §4.1.2.1 names it)."""

    code = "login_busy"
    error = "temporarily_unavailable"
    status = 503

    def __init__(self, message: str = "", *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenEndpointError(OAuthError):
    """A token endpoint answered something a client cannot use: not JSON, too large, no
    ``access_token``, or an error value RFC 6749 §5.2 does not name (``gatehouse.client``)."""

    code = "token_endpoint"
    error = "server_error"
    status = 502
