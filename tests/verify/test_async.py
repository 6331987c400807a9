"""verify_async: the same verdicts as verify, awaited."""

from __future__ import annotations

import asyncio

import pytest

from gatehouse import Claims, InsufficientScopeError
from gatehouse.errors import AlgorithmNotAllowedError, ExpiredTokenError, UnknownKeyError
from gatehouse.jose import JWK, encode_jwt

from .conftest import NOW, MakeVerifier, claims_at


def test_verify_async_with_jwks(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A static JWKS serves verify_async; a repeat is a cache hit."""
    verifier = make_verifier(keys["ES256"])
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")

    async def main() -> tuple[Claims, Claims]:
        return await verifier.verify_async(token), await verifier.verify_async(token)

    first, second = asyncio.run(main())
    assert first.subject == "user-1"
    assert first is second


@pytest.mark.parametrize(
    ("alg", "kid", "claims", "scopes", "error"),
    [
        ("EdDSA", None, claims_at(NOW), (), AlgorithmNotAllowedError),
        ("ES256", "nope", claims_at(NOW), (), UnknownKeyError),
        ("ES256", None, claims_at(NOW - 400), (), ExpiredTokenError),
        ("ES256", None, claims_at(NOW), ["admin"], InsufficientScopeError),
    ],
)
def test_verify_async_errors(
    keys: dict[str, JWK],
    make_verifier: MakeVerifier,
    alg: str,
    kid: str | None,
    claims: dict[str, object],
    scopes: list[str],
    error: type,
) -> None:
    """verify_async raises the same typed errors as verify."""
    verifier = make_verifier(keys["ES256"])
    token = encode_jwt(claims, keys[alg], alg, kid=kid)
    with pytest.raises(error):
        asyncio.run(verifier.verify_async(token, scopes=scopes))
    with pytest.raises(error):
        verifier.verify(token, scopes=scopes)
