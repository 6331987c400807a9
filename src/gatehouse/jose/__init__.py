"""The JOSE core: pure functions over pyca/cryptography. No I/O, no clock, no globals.

RFC 7515 (JWS), 7517 (JWK), 7518 (algorithms), 7519 (JWT), 7638 (thumbprints),
8037 and 9864 (Ed25519), and RFC 8725 (JWT best current practice) as law.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

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

    def __getattr__(name: str) -> object:
        home = _HOMES.get(name)
        if home is None:
            return _submodule(name)
        value = getattr(__import__(f"{__name__}.{home}", fromlist=[name]), name)
        globals()[name] = value
        return value


def _submodule(name: str) -> object:
    """The submodule ``name``, imported on first access: the package bound its submodules
    when it was eager, so ``import pkg`` then ``pkg.sub.X`` keeps working."""
    if not name.startswith("__"):
        full = f"{__name__}.{name}"
        try:
            __import__(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise  # the submodule exists but an import inside it failed
        else:
            return sys.modules[full]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
