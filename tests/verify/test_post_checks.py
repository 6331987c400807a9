"""Post checks: rules that run after signature and claims, on every verify, cached or not."""

from __future__ import annotations

import asyncio

import pytest

from gatehouse import Claims, InsufficientScopeError
from gatehouse.errors import ConfigurationError, TokenRevokedError
from gatehouse.jose import JWK, encode_jwt

from .conftest import NOW, MakeVerifier, claims_at


class Revocations:
    """A post check refusing the token ids it holds (what a deny list does)."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.seen: list[str | None] = []

    def check(self, claims: Claims) -> None:
        self.seen.append(claims.token_id)
        if claims.token_id in self.revoked:
            raise TokenRevokedError("token has been revoked")

    async def acheck(self, claims: Claims) -> None:
        self.check(claims)


class Named:
    """A post check that records its name, and refuses when told to."""

    def __init__(self, name: str, order: list[str], refuse: bool = False) -> None:
        self.name, self.order, self.refuse = name, order, refuse

    def check(self, claims: Claims) -> None:
        self.order.append(self.name)
        if self.refuse:
            raise TokenRevokedError("revoked")

    async def acheck(self, claims: Claims) -> None:
        self.check(claims)


def test_post_check_runs_on_fresh_and_cached_tokens(
    keys: dict[str, JWK], make_verifier: MakeVerifier
) -> None:
    """A check sees every verify, and a token revoked after caching is refused on the hit."""
    check = Revocations()
    verifier = make_verifier(keys["ES256"], post_checks=[check])
    token = encode_jwt(claims_at(NOW, jti="t-1"), keys["ES256"], "ES256")
    first = verifier.verify(token)
    assert verifier.verify(token) is first
    assert check.seen == ["t-1", "t-1"]
    check.revoked.add("t-1")
    with pytest.raises(TokenRevokedError):
        verifier.verify(token)
    with pytest.raises(TokenRevokedError):
        asyncio.run(verifier.verify_async(token))
    assert check.seen == ["t-1"] * 4


def test_post_checks_run_in_order_before_scopes(
    keys: dict[str, JWK], make_verifier: MakeVerifier
) -> None:
    """Checks run in the order given, after the signature and claims, before the scope check."""
    order: list[str] = []
    checks = (Named("first", order), Named("second", order, refuse=True), Named("3", order))
    verifier = make_verifier(keys["ES256"], post_checks=checks)
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    with pytest.raises(TokenRevokedError):
        verifier.verify(token, scopes=["admin"])
    with pytest.raises(TokenRevokedError):
        asyncio.run(verifier.verify_async(token, scopes=["admin"]))
    assert order == ["first", "second"] * 2


def test_no_post_checks_by_default(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """Without post checks the scope check still answers last."""
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    with pytest.raises(InsufficientScopeError):
        make_verifier(keys["ES256"]).verify(token, scopes=["admin"])


@pytest.mark.parametrize("bad", ["not a check", [1], None, [Revocations().check]])
def test_post_checks_must_be_checks(
    keys: dict[str, JWK], make_verifier: MakeVerifier, bad: object
) -> None:
    """post_checks that are not a list of check/acheck objects are a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        make_verifier(keys["ES256"], post_checks=bad)
