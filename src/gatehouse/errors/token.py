"""The caller's token is bad: RFC 6750 §3.1 ``invalid_token`` (401), and
``insufficient_scope`` (403) for a valid token that lacks a scope."""

from __future__ import annotations

from gatehouse.errors.base import GatehouseError


class TokenError(GatehouseError):
    """The token is not acceptable."""

    code = "invalid_token"
    error = "invalid_token"
    status = 401


class MalformedTokenError(TokenError):
    """The token is not a well-formed compact JWS/JWT."""

    code = "malformed"


class TokenTooLargeError(MalformedTokenError):
    """The token is larger than the configured limit."""

    code = "too_large"


class AlgorithmNotAllowedError(TokenError):
    """The token's algorithm is not on the allow-list (RFC 8725 §3.1)."""

    code = "alg_not_allowed"


class UnknownKeyError(TokenError):
    """No key in the key set fits the token's kid and algorithm."""

    code = "unknown_kid"


class InvalidSignatureError(TokenError):
    """The signature does not verify."""

    code = "bad_signature"


class DecryptionError(TokenError):
    """The encrypted token could not be decrypted.

    One class and one message whatever step failed (header, key unwrap, tag, padding,
    size), so no failure tells an attacker more than "no" (RFC 7516 §11.5, RFC 8725 §3.4).
    """

    code = "decryption_failed"


class ClaimError(TokenError):
    """A claim is missing or has a value the policy refuses."""

    code = "invalid_claim"

    def __init__(self, message: str = "", *, claim: str, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.claim = claim


class MissingClaimError(ClaimError):
    """A required claim is absent."""

    code = "missing_claim"


class ExpiredTokenError(ClaimError):
    """The token has expired."""

    code = "expired"


class NotYetValidError(ClaimError):
    """The token is not valid yet (nbf or iat in the future)."""

    code = "not_yet_valid"


class InvalidIssuerError(ClaimError):
    """The iss claim is not the expected issuer."""

    code = "invalid_issuer"


class InvalidAudienceError(ClaimError):
    """The aud claim does not contain the expected audience."""

    code = "invalid_audience"


class InvalidTypeError(ClaimError):
    """The typ header is not the expected type (RFC 8725 §3.11)."""

    code = "invalid_typ"


class InvalidStatusError(ClaimError):
    """The status claim is malformed, names a list we may not fetch, or an index outside it."""

    code = "invalid_status"


class TokenRevokedError(TokenError):
    """The token (or its session) has been revoked."""

    code = "revoked"


class InsufficientScopeError(TokenError):
    """The token is valid but lacks a required scope (RFC 6750 §3.1, 403)."""

    code = "insufficient_scope"
    error = "insufficient_scope"
    status = 403

    def __init__(self, message: str = "", *, required: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.required = required
