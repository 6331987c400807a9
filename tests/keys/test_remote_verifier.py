"""End to end: tokens verified by gatehouse.Verifier with keys from a live JWKS endpoint."""

from __future__ import annotations

import asyncio

import pytest

from gatehouse import Verifier
from gatehouse.clock import ManualClock
from gatehouse.errors import JWKSFetchError, KeySourceError, UnknownKeyError
from gatehouse.jose.jwk import JWK
from gatehouse.jose.jwt import encode_jwt
from gatehouse.keys.remote import RemoteJWKS

from .conftest import JWKSServer

ISSUER = "https://auth.example.com"


def _token(key: JWK, clock: ManualClock, **extra: object) -> str:
    now = int(clock.time())
    claims = {"iss": ISSUER, "aud": "orders", "sub": "user-1", "iat": now, "exp": now + 300}
    return encode_jwt({**claims, **extra}, key, "ES256")


def _verifier(server: JWKSServer, clock: ManualClock) -> Verifier:
    remote = RemoteJWKS(server.url(), clock=clock)
    return Verifier(
        issuer=ISSUER, audience="orders", keys=remote, algorithms=["ES256"], clock=clock
    )


def test_verify_with_remote_keys_and_rotation(
    jwks_server: JWKSServer, es_keys: tuple[JWK, JWK, JWK]
) -> None:
    """A token verifies with a fetched key; after rotation the new kid is fetched once."""
    old, new, _ = es_keys
    jwks_server.script.serve_keys(old)
    clock = ManualClock()
    verifier = _verifier(jwks_server, clock)
    assert verifier.verify(_token(old, clock)).subject == "user-1"
    assert verifier.verify(_token(old, clock, jti="2"))["jti"] == "2"
    assert jwks_server.script.requests == 1

    jwks_server.script.serve_keys(old, new)
    clock.advance(30)
    assert verifier.verify(_token(new, clock)).subject == "user-1"
    assert jwks_server.script.requests == 2


def test_verify_async_with_remote_keys(
    jwks_server: JWKSServer, es_keys: tuple[JWK, JWK, JWK]
) -> None:
    """verify_async fetches the key set without blocking and verifies the token."""
    jwks_server.script.serve_keys(es_keys[0])
    clock = ManualClock()
    verifier = _verifier(jwks_server, clock)

    async def main() -> str | None:
        return (await verifier.verify_async(_token(es_keys[0], clock))).subject

    assert asyncio.run(main()) == "user-1"


def test_unknown_signer_and_unreachable_endpoint(
    jwks_server: JWKSServer, es_keys: tuple[JWK, JWK, JWK]
) -> None:
    """A token from a key not in the set is a TokenError; a dead endpoint is a 503 error."""
    jwks_server.script.serve_keys(es_keys[0])
    clock = ManualClock()
    verifier = _verifier(jwks_server, clock)
    with pytest.raises(UnknownKeyError):
        verifier.verify(_token(es_keys[2], clock))

    jwks_server.script.status = 500
    cold = _verifier(jwks_server, clock)
    with pytest.raises(JWKSFetchError) as caught:
        cold.verify(_token(es_keys[0], clock))
    assert isinstance(caught.value, KeySourceError)
    assert caught.value.status == 503
