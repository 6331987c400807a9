"""Keys for every algorithm, key sets as a relying party holds them, and a Verifier factory.

RSA generation is slow, so one 2048-bit key serves all six RSA algorithms (each wrapped as
its own JWK, with its own ``alg`` and ``kid``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.jose import JWK

NOW = 1_700_000_000
ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
ASYMMETRIC = (
    "EdDSA",
    "Ed25519",
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
)
HMAC = ("HS256", "HS384", "HS512")
ALL = ASYMMETRIC + HMAC

MakeVerifier = Callable[..., Verifier]


def claims_at(now: float, **extra: Any) -> dict[str, Any]:
    """A claim set the default Verifier accepts at ``now`` (valid for five minutes)."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": int(now),
        "exp": int(now) + 300,
        "scope": "orders:read orders:write",
    }
    claims.update(extra)
    return claims


def key_set(*keys: JWK) -> JWKS:
    """Public halves for asymmetric keys; the secrets (symmetric=True) for HMAC keys."""
    if all(k.kty == "oct" for k in keys):
        return JWKS.from_dict({"keys": [k.to_dict(private=True) for k in keys]}, symmetric=True)
    return JWKS.from_dict({"keys": [k.public().to_dict() for k in keys]})


@pytest.fixture(scope="session")
def rsa_private() -> Any:
    """One RSA-2048 private key for the whole session."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def keys(rsa_private: Any) -> dict[str, JWK]:
    """A private signing JWK per algorithm, kid ``<alg>-1``."""
    out: dict[str, JWK] = {}
    for alg in ALL:
        if alg.startswith(("RS", "PS")):
            out[alg] = JWK.from_crypto_key(rsa_private, alg=alg, kid=f"{alg}-1")
        else:
            out[alg] = JWK.generate(alg, kid=f"{alg}-1")
    return out


@pytest.fixture
def clock() -> ManualClock:
    """Wall clock at NOW."""
    return ManualClock(wall=NOW)


@pytest.fixture
def make_verifier(clock: ManualClock) -> MakeVerifier:
    """``make_verifier(key, **overrides)``: a Verifier trusting ``key`` for its own alg."""

    def make(key: JWK, **overrides: Any) -> Verifier:
        options: dict[str, Any] = {
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "keys": key_set(key),
            "algorithms": [key.alg],
            "clock": clock,
        }
        options.update(overrides)
        return Verifier(**options)

    return make
