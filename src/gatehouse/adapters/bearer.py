"""The Bearer scheme on the wire: reading ``Authorization`` and writing ``WWW-Authenticate``.

RFC 6750 §2.1 fixes how a client sends the token; §3 fixes how a resource server says no.
Every adapter (Lambda, authorizer, ASGI, WSGI) goes through these two functions, so the
rules live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from gatehouse.errors import (
    GatehouseError,
    InsufficientScopeError,
    InvalidRequestError,
    MalformedTokenError,
    TokenError,
    TokenTooLargeError,
)

__all__ = [
    "MAX_AUTHORIZATION_LENGTH",
    "NO_CREDENTIALS",
    "challenge",
    "error_description",
    "extract_bearer",
    "missing_credentials",
]

# Stable code of the TokenError raised when a request carries no Bearer credentials at all;
# its challenge has no error attribute (RFC 6750 §3.1, last paragraph).
NO_CREDENTIALS = "missing_token"

# Checked before any parsing, so a huge header costs a length check and nothing more.
MAX_AUTHORIZATION_LENGTH = 16_384

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token;
# b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

# error_description values (RFC 6750 §3): short, fixed per code, never derived from the
# token or from an exception's internals.
_DESCRIPTIONS = {
    NO_CREDENTIALS: "A bearer token is required.",
    "malformed": "The access token is malformed.",
    "too_large": "The access token is too large.",
    "alg_not_allowed": "The access token is signed with an algorithm that is not allowed.",
    "unknown_kid": "The access token is signed with an unknown key.",
    "bad_signature": "The access token signature is invalid.",
    "expired": "The access token has expired.",
    "not_yet_valid": "The access token is not valid yet.",
    "invalid_issuer": "The access token was issued by an unexpected issuer.",
    "invalid_audience": "The access token is not meant for this audience.",
    "invalid_typ": "The access token has the wrong type.",
    "missing_claim": "The access token lacks a required claim.",
    "invalid_claim": "The access token has an invalid claim.",
    "revoked": "The access token has been revoked.",
    "insufficient_scope": "The access token lacks a required scope.",
    "invalid_request": "The request is malformed.",
}
_DEFAULT_DESCRIPTIONS = {
    "invalid_token": "The access token is invalid.",
    "insufficient_scope": _DESCRIPTIONS["insufficient_scope"],
    "invalid_request": _DESCRIPTIONS["invalid_request"],
    "temporarily_unavailable": "Token verification is temporarily unavailable.",
}


def missing_credentials() -> TokenError:
    """The error for a request without Bearer credentials (a bare challenge, RFC 6750 §3.1)."""
    return TokenError("no bearer token in the request", code=NO_CREDENTIALS)


def extract_bearer(values: Sequence[str]) -> str:
    """Return the token from the request's ``Authorization`` header values.

    ``values`` holds every ``Authorization`` header the request carried (often none or
    one). No header, or a header for another scheme, is "no credentials" (RFC 6750 §3.1:
    the client may not know authentication is needed). More than one header is a request
    that "uses more than one method" (§3.1 invalid_request). The scheme name is
    case-insensitive (RFC 9110 §11.1); the token must match b64token (§2.1).
    """
    if len(values) > 1:
        raise InvalidRequestError("more than one Authorization header")
    if not values:
        raise missing_credentials()
    value = values[0]
    if len(value) > MAX_AUTHORIZATION_LENGTH:
        raise TokenTooLargeError("Authorization header exceeds the size limit")
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise missing_credentials()
    token = rest.lstrip(" ")
    if not token:
        raise MalformedTokenError("the Bearer credentials are empty")
    if _B64TOKEN.fullmatch(token) is None:
        raise MalformedTokenError("the Bearer credentials are not a b64token")
    return token


def error_description(error: GatehouseError) -> str:
    """A short fixed text for ``error``'s code: safe to show to the caller."""
    return _DESCRIPTIONS.get(error.code) or _DEFAULT_DESCRIPTIONS.get(
        error.error, "The request could not be authorized."
    )


def _quote(value: str) -> str:
    # RFC 9110 §5.6.4 quoted-string; our values never hold quotes, but a configured realm might.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def challenge(error: GatehouseError | None, *, realm: str, scopes: Iterable[str] = ()) -> str:
    """The ``WWW-Authenticate`` value answering ``error`` (RFC 6750 §3).

    ``None`` or the no-credentials error gives the bare ``Bearer realm="..."`` challenge.
    ``scopes`` are advertised as the ``scope`` attribute on insufficient_scope (§3).
    """
    parts = [f"realm={_quote(realm)}"]
    if error is not None and error.code != NO_CREDENTIALS:
        parts.append(f"error={_quote(error.error)}")
        parts.append(f"error_description={_quote(error_description(error))}")
        if isinstance(error, InsufficientScopeError):
            required = " ".join(error.required or tuple(scopes))
            if required:
                parts.append(f"scope={_quote(required)}")
    return "Bearer " + ", ".join(parts)
