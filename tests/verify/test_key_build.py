"""A key that cannot be prepared is the server's failure, never blamed on the caller's token."""

from __future__ import annotations

import asyncio

import pytest

from gatehouse import ManualClock, Verifier
from gatehouse.errors import InvalidKeyError, MalformedTokenError, TokenError, UnknownKeyError
from gatehouse.jose import JWK, b64url_encode, encode_jwt

from .conftest import AUDIENCE, ISSUER, NOW, claims_at

SECRET = b"s" * 32


class OneKey:
    """A key source that hands back one fixed key, whatever the token asks for."""

    def __init__(self, key: JWK) -> None:
        self.key = key

    def get_key(self, kid: str | None, alg: str) -> JWK:
        return self.key

    async def aget_key(self, kid: str | None, alg: str) -> JWK:
        return self.key


def _verifier(key: JWK, clock: ManualClock, algorithms: list[str]) -> Verifier:
    return Verifier(
        issuer=ISSUER, audience=AUDIENCE, keys=OneKey(key), algorithms=algorithms, clock=clock
    )


def _unbuildable() -> JWK:
    # An HS256 JWK whose material is text, not bytes: building its HMAC raises TypeError.
    return JWK(
        kty="oct",
        key=SECRET.decode(),
        members={},
        private={"k": b64url_encode(SECRET)},
        alg="HS256",
        kid="hs",
    )


def test_key_that_fails_to_build_is_invalid_key(clock: ManualClock) -> None:
    """A TypeError while a key's check is built is InvalidKeyError (500), not a 401 malformed."""
    token = encode_jwt(claims_at(NOW), JWK.from_secret(SECRET, alg="HS256", kid="hs"), "HS256")
    with pytest.raises(InvalidKeyError) as caught:
        _verifier(_unbuildable(), clock, ["HS256"]).verify(token)
    assert not isinstance(caught.value, TokenError)
    assert not isinstance(caught.value, MalformedTokenError)


def test_key_that_fails_to_build_is_invalid_key_async(clock: ManualClock) -> None:
    """verify_async answers a key that cannot be built the same way."""
    token = encode_jwt(claims_at(NOW), JWK.from_secret(SECRET, alg="HS256", kid="hs"), "HS256")
    verifier = _verifier(_unbuildable(), clock, ["HS256"])
    with pytest.raises(InvalidKeyError):
        asyncio.run(verifier.verify_async(token))


def test_key_for_another_alg_is_still_unknown_key(clock: ManualClock) -> None:
    """A key source handing back a key bound to another alg stays a 401 unknown key."""
    es256 = JWK.generate("ES256", kid="k")
    token = encode_jwt(claims_at(NOW), JWK.generate("ES384", kid="k"), "ES384")
    with pytest.raises(UnknownKeyError):
        _verifier(es256.public(), clock, ["ES256", "ES384"]).verify(token)
