"""Post checks bound to cached claims: what a cache hit runs, and when it falls back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from gatehouse import Claims, ManualClock
from gatehouse.errors import ExpiredTokenError, TokenRevokedError
from gatehouse.jose import JWK, encode_jwt

from .conftest import NOW, MakeVerifier, claims_at


class Bindable:
    """A post check whose bound form answers ``answer`` (True, False, or raise)."""

    def __init__(self) -> None:
        self.answer: bool | None = True  # None: the bound form raises
        self.checks = 0
        self.binds = 0
        self.hits = 0

    def check(self, claims: Claims) -> None:
        self.checks += 1

    async def acheck(self, claims: Claims) -> None:
        self.checks += 1

    def bind(self, claims: Claims) -> Callable[[], bool]:
        self.binds += 1

        def fast() -> bool:
            self.hits += 1
            if self.answer is None:
                raise TokenRevokedError("revoked")
            return self.answer

        return fast


def test_bound_check_answers_cache_hits(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """bind runs once at caching; a hit calls only the bound function while it answers True."""
    check = Bindable()
    verifier = make_verifier(keys["ES256"], post_checks=[check])
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    for _ in range(3):
        verifier.verify(token)
    assert (check.binds, check.checks, check.hits) == (1, 1, 2)


def test_bound_false_falls_back_to_check(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A bound function answering False makes the hit run check (sync) and acheck (async)."""
    check = Bindable()
    check.answer = False
    verifier = make_verifier(keys["ES256"], post_checks=[check])
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    verifier.verify(token)
    verifier.verify(token)
    asyncio.run(verifier.verify_async(token))
    assert (check.checks, check.hits) == (3, 2)


def test_bound_refusal_refuses_the_hit(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A bound function that raises refuses the cached token, sync and async."""
    check = Bindable()
    verifier = make_verifier(keys["ES256"], post_checks=[check])
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    verifier.verify(token)
    check.answer = None
    with pytest.raises(TokenRevokedError):
        verifier.verify(token)
    with pytest.raises(TokenRevokedError):
        asyncio.run(verifier.verify_async(token))


def test_expired_hit_takes_the_full_path(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """A cached token past exp + leeway is refused with ExpiredTokenError, then stays refused."""
    check = Bindable()
    verifier = make_verifier(keys["ES256"], post_checks=[check])
    token = encode_jwt(claims_at(NOW), keys["ES256"], "ES256")
    verifier.verify(token)
    clock.advance(24 * 3600)
    for _ in range(2):
        with pytest.raises(ExpiredTokenError):
            verifier.verify(token)
    assert check.hits == 0
