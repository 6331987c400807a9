"""The JOSE core: pure functions over pyca/cryptography. No I/O, no clock, no globals.

RFC 7515 (JWS), 7517 (JWK), 7518 (algorithms), 7519 (JWT), 7638 (thumbprints),
8037 and 9864 (Ed25519), and RFC 8725 (JWT best current practice) as law.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gatehouse._lazy import exports, listing

if TYPE_CHECKING:  # the static view; at run time __getattr__ below imports on first use
    from gatehouse.jose.algorithms import ALGORITHMS, HMAC_ALGORITHMS
    from gatehouse.jose.b64 import b64url_decode, b64url_encode
    from gatehouse.jose.claims_policy import ClaimsPolicy, validate_claims
    from gatehouse.jose.jwk import JWK
    from gatehouse.jose.jws import (
        DEFAULT_MAX_TOKEN_SIZE,
        CompactJWS,
        parse_compact,
        sign_compact,
        verify_signature,
    )
    from gatehouse.jose.jwt import decode_payload, decode_unverified, encode_jwt

__all__ = [
    "ALGORITHMS",
    "DEFAULT_MAX_TOKEN_SIZE",
    "HMAC_ALGORITHMS",
    "JWK",
    "ClaimsPolicy",
    "CompactJWS",
    "b64url_decode",
    "b64url_encode",
    "decode_payload",
    "decode_unverified",
    "encode_jwt",
    "parse_compact",
    "sign_compact",
    "validate_claims",
    "verify_signature",
]

# The module of each name, imported on first use (PEP 562): importing one module of the
# package (``gatehouse.jose.b64``, say) does not load all the others.
_HOMES = {
    "ALGORITHMS": "algorithms",
    "HMAC_ALGORITHMS": "algorithms",
    "b64url_decode": "b64",
    "b64url_encode": "b64",
    "ClaimsPolicy": "claims_policy",
    "validate_claims": "claims_policy",
    "JWK": "jwk",
    "DEFAULT_MAX_TOKEN_SIZE": "jws",
    "CompactJWS": "jws",
    "parse_compact": "jws",
    "sign_compact": "jws",
    "verify_signature": "jws",
    "decode_payload": "jwt",
    "decode_unverified": "jwt",
    "encode_jwt": "jwt",
}

if not TYPE_CHECKING:  # hidden from mypy, which sees the imports above instead
    __getattr__ = exports(__name__, _HOMES, globals())
__dir__ = listing(globals(), __all__)
