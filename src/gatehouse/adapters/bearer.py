"""Credentials on the wire: reading ``Authorization`` and writing ``WWW-Authenticate``.

RFC 9110 §11.4/§11.6.1 give the shape (``scheme token68``, ``scheme param=value, ...``);
RFC 6750 §2.1 fixes how a client sends a Bearer token and §3 how a server says no.
Everything that reads or writes these headers (the adapters, the token service's
``/token``, ``/revoke``, ``/logout``, the CLI, the DPoP verifier) goes through
``read_credentials`` (defined in ``gatehouse.authorization``, beneath both the adapters and
``gatehouse.dpop``, and re-exported here) and ``challenge``, so the rules live in one place.
Both know the scheme: a new one (DPoP, RFC 9449 §7.1: ``Authorization: DPoP <token>``,
``WWW-Authenticate: DPoP algs=...``) is a scheme name and its parameters, not a new parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gatehouse.authorization import (
    MAX_AUTHORIZATION_LENGTH,
    NO_CREDENTIALS,
    error_attributes,
    quote,
    read_credentials,
)
from gatehouse.errors import GatehouseError, TokenError

__all__ = [
    "MAX_AUTHORIZATION_LENGTH",
    "NO_CREDENTIALS",
    "challenge",
    "error_description",
    "extract_bearer",
    "missing_credentials",
    "read_credentials",
]

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
    "invalid_dpop_proof": "The DPoP proof is invalid.",  # RFC 9449 §7.1
    "use_dpop_nonce": "A DPoP nonce is required.",  # RFC 9449 §9
}


def missing_credentials() -> TokenError:
    """The error for a request without Bearer credentials (a bare challenge, RFC 6750 §3.1)."""
    return TokenError("no bearer token in the request", code=NO_CREDENTIALS)


def extract_bearer(values: Sequence[str]) -> str:
    """The Bearer token of the request; no Bearer credentials is ``missing_credentials``."""
    found = read_credentials(values)
    if found is None:
        raise missing_credentials()
    return found[1]


def error_description(error: GatehouseError) -> str:
    """A short fixed text for ``error``'s code: safe to show to the caller."""
    return _DESCRIPTIONS.get(error.code) or _DEFAULT_DESCRIPTIONS.get(
        error.error, "The request could not be authorized."
    )


def challenge(
    error: GatehouseError | None,
    *,
    realm: str,
    scopes: Iterable[str] = (),
    scheme: str = "Bearer",
    params: Mapping[str, str] | None = None,
) -> str:
    """The ``WWW-Authenticate`` value answering ``error`` (RFC 6750 §3, RFC 9110 §11.6.1).

    ``None`` or the no-credentials error gives the bare ``<scheme> realm="..."``
    challenge. ``scopes`` are advertised as the ``scope`` attribute on
    insufficient_scope (§3). ``params`` are the scheme's own attributes, written last
    (``charset`` for Basic, RFC 7617 §2.1; ``algs`` for DPoP, RFC 9449 §7.1).
    """
    parts = [f"realm={quote(realm)}"]
    if error is not None and error.code != NO_CREDENTIALS:
        parts += error_attributes(error, error_description(error), scopes)
    parts.extend(f"{name}={quote(value)}" for name, value in (params or {}).items())
    return f"{scheme} " + ", ".join(parts)
