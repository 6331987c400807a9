"""Keys, tokens and a DPoP-wrapped Verifier on a manual clock, for the DPoP tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.dpop import DPoPVerifier
from gatehouse.errors import MalformedTokenError
from gatehouse.jose import JWK, b64url_encode, encode_jwt

NOW = 1_700_000_000
ISSUER = "https://auth.example.com"
AUDIENCE = "orders"
URL = "https://api.example.com/orders"


def ascii_json(value: Any) -> bytes:
    """Compact JSON with \\u escapes: can carry lone surrogates, as JSON text may."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


@pytest.fixture(scope="session")
def issuer_key() -> JWK:
    """The token service's signing key."""
    return JWK.generate("ES256", kid="issuer-1")


@pytest.fixture(scope="session")
def client_key() -> JWK:
    """The client's DPoP key."""
    return JWK.generate("ES256")


@pytest.fixture(scope="session")
def other_key() -> JWK:
    """Another client's DPoP key."""
    return JWK.generate("ES256")


@pytest.fixture
def clock() -> ManualClock:
    """Wall and monotonic time both start at NOW."""
    return ManualClock(wall=NOW, monotonic=NOW)


@pytest.fixture
def make_token(issuer_key: JWK) -> Callable[..., str]:
    """An access token valid at NOW, bound to ``jkt`` when given."""

    def make(jkt: str | None = None, **extra: Any) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-1",
            "iat": NOW,
            "exp": NOW + 300,
            "scope": "orders:read",
        }
        if jkt is not None:
            claims["cnf"] = {"jkt": jkt}
        claims.update(extra)
        try:
            return encode_jwt(claims, issuer_key, "ES256")
        except MalformedTokenError:  # not UTF-8 encodable: sign the \u-escaped JSON instead
            pass
        header = {"alg": "ES256", "typ": "at+jwt", "kid": issuer_key.kid}
        signing_input = b64url_encode(ascii_json(header)) + "." + b64url_encode(ascii_json(claims))
        signature = issuer_key.signer("ES256")(signing_input.encode("ascii"))
        return signing_input + "." + b64url_encode(signature)

    return make


@pytest.fixture
def verifier(issuer_key: JWK, clock: ManualClock) -> Verifier:
    """A Verifier for the test issuer on the manual clock."""
    return Verifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        keys=JWKS([issuer_key.public()]),
        algorithms=["ES256"],
        clock=clock,
    )


@pytest.fixture
def dpop_verifier(verifier: Verifier, clock: ManualClock) -> DPoPVerifier:
    """The request-bound check over that Verifier, memory replay cache, no nonces."""
    return DPoPVerifier(verifier, clock=clock)
