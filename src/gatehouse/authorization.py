"""The HTTP authentication framework's wire format, once: reading ``Authorization`` and the
attributes of a ``WWW-Authenticate`` challenge.

RFC 9110 §11.4 gives the shape (``credentials = auth-scheme [ 1*SP token68 ]``, the scheme
name case-insensitive, §11.1); RFC 6750 §2.1 (Bearer), RFC 7617 §2 (Basic) and RFC 9449
§7.1 (DPoP) all carry a token68. The adapters' Bearer guard, the token service's routes and
the DPoP verifier each ask for the schemes they accept; the size limit, the "more than one
header" rule and the token68 syntax live here once. It sits beside ``errors`` (imports
nothing else of gatehouse), so both the verifier side and ``gatehouse.dpop`` can use it.
The Bearer and DPoP challenges (``adapters.bearer.challenge``, ``dpop.challenge``) write
their error attributes through ``error_attributes`` (RFC 6750 §3, RFC 9449 §7.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gatehouse.errors import (
    GatehouseError,
    InsufficientScopeError,
    MalformedTokenError,
    TokenTooLargeError,
)

__all__ = [
    "MAX_AUTHORIZATION_LENGTH",
    "NO_CREDENTIALS",
    "error_attributes",
    "quote",
    "read_credentials",
]

# Stable code of the TokenError raised when a request carries no credentials at all; its
# challenge has no error attribute (RFC 6750 §3.1, last paragraph).
NO_CREDENTIALS = "missing_token"

# Checked before any parsing, so a huge header costs a length check and nothing more.
MAX_AUTHORIZATION_LENGTH = 16_384

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token;
# b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
# (RFC 9110 §11.2 token68 is the same production; Basic and DPoP use it too.)
# Checked as bytes.translate deleting the allowed characters (the rest must be empty): half
# the cost of a regular expression over a 600-character JWT, on every protected request.
_B64TOKEN_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"


def _is_b64token(token: str) -> bool:
    core = token.rstrip("=")
    return (
        bool(core) and core.isascii() and not core.encode("ascii").translate(None, _B64TOKEN_CHARS)
    )


def read_credentials(
    values: Sequence[str], *, schemes: Iterable[str] = ("bearer",)
) -> tuple[str, str] | None:
    """The ``(scheme, token)`` of the request's ``Authorization`` header when its scheme
    is one of ``schemes`` (lower-case names; RFC 9110 §11.1: case-insensitive).

    ``values`` holds every ``Authorization`` header the request carried (often none or
    one). No header, or one for a scheme not asked about, is None: that scheme's
    syntax is not ours to judge (RFC 6750 §3.1: the client may not know authentication
    is needed). More than one header is a request that "uses more than one method"
    (§3.1 invalid_request). The schemes gatehouse reads (Bearer, Basic, DPoP) carry a
    token68 / b64token (§2.1); anything else, non-ASCII bytes and values that are not
    text included, is ``MalformedTokenError``. The size is checked before any parsing.
    """
    if len(values) > 1:
        # Imported here: the OAuth branch of errors is not on a verifying cold start's path.
        from gatehouse.errors import InvalidRequestError

        raise InvalidRequestError("more than one Authorization header")
    if not values:
        return None
    value = values[0]
    if not isinstance(value, str):
        raise MalformedTokenError("the Authorization header is not text")
    if len(value) > MAX_AUTHORIZATION_LENGTH:
        raise TokenTooLargeError("Authorization header exceeds the size limit")
    scheme, _, rest = value.strip().partition(" ")
    scheme = scheme.lower()
    if scheme not in schemes:
        return None
    token = rest.lstrip(" ")
    if not token:
        raise MalformedTokenError("the credentials are empty")
    if not _is_b64token(token):
        raise MalformedTokenError("the credentials are not a token68")
    return scheme, token


def quote(value: str) -> str:
    """``value`` as an RFC 9110 §5.6.4 quoted-string (our values never hold quotes, but a
    configured realm might)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def error_attributes(error: GatehouseError, description: str, scopes: Iterable[str]) -> list[str]:
    """``error``, ``error_description`` and, for insufficient_scope, the ``scope`` the
    resource needs (the error's own, else ``scopes``): RFC 6750 §3, reused by RFC 9449 §7.1.
    ``description`` is a fixed text per code, never an exception's message."""
    attributes = [f"error={quote(error.error)}", f"error_description={quote(description)}"]
    if isinstance(error, InsufficientScopeError):
        required = " ".join(error.required or tuple(scopes))
        if required:
            attributes.append(f"scope={quote(required)}")
    return attributes
