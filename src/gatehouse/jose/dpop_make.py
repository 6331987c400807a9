"""Making DPoP proofs (RFC 9449 §4.2): what a client sends with each request.

Used by tests, the CLI and client code. Pure like the rest of ``gatehouse.jose``: the
time is a parameter and the ``jti`` randomness is injectable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from gatehouse.errors import InvalidKeyError
from gatehouse.jose.b64 import b64url_encode
from gatehouse.jose.dpop import DPOP_ALGORITHMS, DPOP_TYP, access_token_hash
from gatehouse.jose.htu import strip_query
from gatehouse.jose.jwk import JWK
from gatehouse.jose.strict_json import dumps_compact

__all__ = ["make_proof"]

_EC_ALG_BY_CURVE = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_KEY_PARAMETERS = ("kid", "use", "key_ops", "alg")


def _default_alg(key: JWK) -> str:
    if key.alg is not None:
        return key.alg
    if key.kty == "EC" and key.crv in _EC_ALG_BY_CURVE:
        return _EC_ALG_BY_CURVE[key.crv]
    if key.kty == "OKP":
        return "EdDSA"
    raise InvalidKeyError("name the alg for this key (an RSA key has no single default)")


def make_proof(
    key: JWK,
    *,
    method: str,
    url: str,
    now: float,
    access_token: str | None = None,
    nonce: str | None = None,
    alg: str | None = None,
    jti: str | None = None,
    random: Callable[[int], bytes] = os.urandom,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """A DPoP proof for one request (§4.2), signed with ``key`` (a private JWK).

    ``url``'s query and fragment are dropped; ``jti`` defaults to 128 random bits (§4.2
    asks for at least 96) drawn from ``random``; ``ath`` is added for ``access_token``.
    """
    alg = alg or _default_alg(key)
    if alg not in DPOP_ALGORITHMS or key.kty == "oct":
        raise InvalidKeyError("a DPoP proof is signed with an asymmetric key")
    public = {k: v for k, v in key.public().to_dict().items() if k not in _KEY_PARAMETERS}
    header = {"typ": DPOP_TYP, "alg": alg, "jwk": public}
    claims: dict[str, Any] = dict(extra_claims or {})
    claims.update(
        jti=jti if jti is not None else b64url_encode(random(16)),
        htm=method,
        htu=strip_query(url),
        iat=int(now),
    )
    if access_token is not None:
        claims["ath"] = access_token_hash(access_token)
    if nonce is not None:
        claims["nonce"] = nonce
    signing_input = (
        b64url_encode(dumps_compact(header)) + "." + b64url_encode(dumps_compact(claims))
    )
    signature = key.signer(alg)(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)
