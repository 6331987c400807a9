"""What a DPoP resource server says on the wire: ``Authorization`` in, challenges out.

RFC 9449 §7.1: credentials are ``DPoP`` 1*SP token68 (the scheme name is
case-insensitive, RFC 9110 §11.1); a refusal is a 401 with ``WWW-Authenticate: DPoP``
carrying ``error``, ``error_description`` and ``algs`` (the proof algorithms accepted).
§7.2: a resource that also takes ``Bearer`` offers both challenges, and the error goes
in the challenge of the scheme the request tried. §9: ``use_dpop_nonce`` comes with a
``DPoP-Nonce`` header holding the nonce to use. Descriptions are fixed texts per code,
never an exception's message, so nothing about a token or key leaks into a header.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gatehouse.authorization import (
    MAX_AUTHORIZATION_LENGTH,
    NO_CREDENTIALS,
    error_attributes,
    quote,
    read_credentials,
)
from gatehouse.errors import GatehouseError, TokenError, UseDPoPNonceError

__all__ = [
    "MAX_AUTHORIZATION_LENGTH",
    "NO_CREDENTIALS",
    "challenge_headers",
    "parse_authorization",
    "www_authenticate",
]

_SCHEMES = ("dpop", "bearer")

_DESCRIPTIONS = {
    NO_CREDENTIALS: "An access token is required.",
    "invalid_dpop_proof": "The DPoP proof is invalid.",
    "dpop_proof_missing": "A DPoP proof is required.",
    "dpop_multiple_proofs": "Exactly one DPoP proof is allowed.",
    "dpop_malformed": "The DPoP proof is malformed.",
    "dpop_too_large": "The DPoP proof is too large.",
    "dpop_typ": "The DPoP proof must have typ dpop+jwt.",
    "dpop_alg_not_allowed": "The DPoP proof algorithm is not allowed.",
    "dpop_invalid_jwk": "The DPoP proof key is not acceptable.",
    "dpop_private_jwk": "The DPoP proof key must be a public key.",
    "dpop_bad_signature": "The DPoP proof signature is invalid.",
    "dpop_missing_claim": "The DPoP proof lacks a required claim.",
    "dpop_invalid_claim": "The DPoP proof has an invalid claim.",
    "dpop_wrong_method": "The DPoP proof is for another HTTP method.",
    "dpop_wrong_url": "The DPoP proof is for another URL.",
    "dpop_stale": "The DPoP proof is too old.",
    "dpop_future": "The DPoP proof is dated in the future.",
    "dpop_replayed": "The DPoP proof was already used.",
    "dpop_ath_missing": "The DPoP proof lacks the access token hash.",
    "dpop_ath_mismatch": "The DPoP proof is for another access token.",
    "use_dpop_nonce": "A DPoP nonce is required.",
    "dpop_nonce_stale": "The DPoP nonce is not current.",
    "dpop_key_mismatch": "Invalid DPoP key binding.",
    "dpop_bearer_downgrade": "A DPoP-bound access token must use the DPoP scheme.",
    "dpop_unbound_token": "The access token is not DPoP-bound.",
    "dpop_required": "This resource requires DPoP.",
    "insufficient_scope": "The access token lacks a required scope.",
}
_BY_ERROR = {
    "invalid_token": "The access token is invalid.",
    "invalid_request": "The request is malformed.",
}


def parse_authorization(authorization: str | Sequence[str] | None) -> tuple[str, str]:
    """``("dpop" | "bearer", token)`` from the request's ``Authorization`` value(s).

    No header or another scheme: a ``TokenError`` coded ``missing_token`` (a bare
    challenge, RFC 6750 §3.1). More than one header: ``InvalidRequestError`` (§7.2's
    "multiple methods"). The size is checked before anything else.
    """
    values = [authorization] if isinstance(authorization, str) else list(authorization or ())
    found = read_credentials(values, schemes=_SCHEMES)  # gatehouse.authorization: one parser
    if found is None:
        raise TokenError("no DPoP or Bearer credentials", code=NO_CREDENTIALS)
    return found


def _description(error: GatehouseError) -> str:
    return _DESCRIPTIONS.get(error.code) or _BY_ERROR.get(
        error.error, "The request could not be authorized."
    )


def _error_params(error: GatehouseError, scopes: Iterable[str]) -> list[str]:
    return error_attributes(error, _description(error), scopes)


def www_authenticate(
    error: GatehouseError | None,
    *,
    algorithms: Iterable[str],
    scheme: str | None = "dpop",
    realm: str | None = None,
    bearer: bool = False,
    scopes: Iterable[str] = (),
) -> str:
    """The ``WWW-Authenticate`` value answering ``error`` (RFC 9449 §7.1, §7.2).

    ``scheme`` is the one the request tried (``parse_authorization``'s), which carries
    the error; ``bearer`` also offers a Bearer challenge (a resource taking both).
    ``None`` or the no-credentials error gives bare challenges (RFC 6750 §3.1).
    """
    with_error = error is not None and error.code != NO_CREDENTIALS
    realm_param = [f"realm={quote(realm)}"] if realm is not None else []
    dpop = [*realm_param]
    if with_error and error is not None and (scheme == "dpop" or not bearer):
        dpop += _error_params(error, scopes)
    dpop.append(f"algs={quote(' '.join(sorted(algorithms)))}")
    challenges = []
    if bearer:
        params = [*realm_param]
        if with_error and error is not None and scheme == "bearer":
            params += _error_params(error, scopes)
        challenges.append("Bearer" + (" " + ", ".join(params) if params else ""))
    challenges.append("DPoP " + ", ".join(dpop))
    return ", ".join(challenges)


def challenge_headers(
    error: GatehouseError | None,
    *,
    algorithms: Iterable[str],
    scheme: str | None = "dpop",
    realm: str | None = None,
    bearer: bool = False,
    scopes: Iterable[str] = (),
    nonce: str | None = None,
) -> dict[str, str]:
    """``WWW-Authenticate`` and, when there is a nonce to hand out, ``DPoP-Nonce`` (§9).

    A ``UseDPoPNonceError`` brings its own nonce; ``nonce`` lets a server hand the
    current one out with any refusal (§8.2). A response carrying a nonce must not be
    cached (§8.2), so ``Cache-Control: no-store`` comes with it.
    """
    headers = {
        "WWW-Authenticate": www_authenticate(
            error, algorithms=algorithms, scheme=scheme, realm=realm, bearer=bearer, scopes=scopes
        )
    }
    fresh = error.nonce if isinstance(error, UseDPoPNonceError) else nonce
    if fresh is not None:
        headers["DPoP-Nonce"] = fresh
        headers["Cache-Control"] = "no-store"
    return headers
