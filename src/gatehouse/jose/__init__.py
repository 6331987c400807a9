"""The JOSE core: pure functions over pyca/cryptography. No I/O, no clock, no globals.

RFC 7515 (JWS), 7517 (JWK), 7518 (algorithms), 7519 (JWT), 7638 (thumbprints),
8037 and 9864 (Ed25519), and RFC 8725 (JWT best current practice) as law.
"""

from __future__ import annotations

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
