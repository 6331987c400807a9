"""The verified-token cache: exact-string LRU, bounded, answering to the clock on every hit."""

from __future__ import annotations

import pytest

from gatehouse import InsufficientScopeError, ManualClock
from gatehouse.errors import ExpiredTokenError, InvalidSignatureError
from gatehouse.jose import JWK, encode_jwt

from .conftest import NOW, MakeVerifier, claims_at


def _token(key: JWK, n: int = 0, **extra: object) -> str:
    return encode_jwt(claims_at(NOW, jti=f"t-{n}", **extra), key, key.alg or "")


def test_hit_returns_the_same_claims(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A second verify of one token is served from the cache (the same Claims object)."""
    verifier = make_verifier(keys["EdDSA"])
    token = _token(keys["EdDSA"])
    assert verifier.verify(token) is verifier.verify(token)


def test_hit_after_exp_is_expired(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """A cached token past exp (plus leeway) raises ExpiredTokenError, not the cached claims."""
    verifier = make_verifier(keys["EdDSA"], leeway=0)
    token = _token(keys["EdDSA"])
    verifier.verify(token)
    clock.advance(299)
    verifier.verify(token)
    clock.advance(1)
    with pytest.raises(ExpiredTokenError):
        verifier.verify(token)


def test_hit_respects_leeway(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """A cache hit honours the same leeway as the full path."""
    verifier = make_verifier(keys["EdDSA"], leeway=30)
    token = _token(keys["EdDSA"])
    first = verifier.verify(token)
    clock.advance(329)
    assert verifier.verify(token) is first
    clock.advance(1)
    with pytest.raises(ExpiredTokenError):
        verifier.verify(token)


def test_hit_respects_max_age(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """With max_age, a cached token expires at iat + max_age even if exp is later."""
    verifier = make_verifier(keys["EdDSA"], leeway=0, max_age=60)
    token = _token(keys["EdDSA"])
    verifier.verify(token)
    clock.advance(60)
    verifier.verify(token)
    clock.advance(1)
    with pytest.raises(ExpiredTokenError):
        verifier.verify(token)


def test_lru_bound(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """The cache holds at most cache_size tokens and evicts the least recently used."""
    verifier = make_verifier(keys["EdDSA"], cache_size=2)
    a, b, c = (_token(keys["EdDSA"], n) for n in range(3))
    claims_a = verifier.verify(a)
    claims_b = verifier.verify(b)
    assert verifier.verify(a) is claims_a  # a is now the most recent
    verifier.verify(c)  # evicts b
    assert verifier.verify(a) is claims_a
    assert verifier.verify(b) is not claims_b


def test_cache_off(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """cache_size=0 verifies every time (a new Claims object per call)."""
    verifier = make_verifier(keys["EdDSA"], cache_size=0)
    token = _token(keys["EdDSA"])
    assert verifier.verify(token) is not verifier.verify(token)


def test_scopes_checked_on_hits(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A cached token is still checked against each call's required scopes."""
    verifier = make_verifier(keys["EdDSA"])
    token = _token(keys["EdDSA"], scope="orders:read")
    verifier.verify(token, scopes=["orders:read"])
    with pytest.raises(InsufficientScopeError):
        verifier.verify(token, scopes=["orders:write"])
    verifier.verify(token, scopes=["orders:read"])


def test_failures_are_not_cached(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """A rejected token is rejected again (nothing negative is remembered as positive)."""
    verifier = make_verifier(keys["EdDSA"])
    token = _token(keys["EdDSA"])
    bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BA")
    for _ in range(2):
        with pytest.raises(InvalidSignatureError):
            verifier.verify(bad)
    verifier.verify(token)


def test_clear_cache(keys: dict[str, JWK], make_verifier: MakeVerifier) -> None:
    """clear_cache forgets verified tokens."""
    verifier = make_verifier(keys["EdDSA"])
    token = _token(keys["EdDSA"])
    first = verifier.verify(token)
    verifier.clear_cache()
    assert verifier.verify(token) is not first


def test_hit_survives_a_wall_clock_step(
    keys: dict[str, JWK], make_verifier: MakeVerifier, clock: ManualClock
) -> None:
    """A wall-clock step inside the validity window keeps serving the cached claims."""
    verifier = make_verifier(keys["EdDSA"], leeway=0)
    token = _token(keys["EdDSA"], nbf=NOW)
    first = verifier.verify(token)
    clock.set_wall(NOW + 10)
    assert verifier.verify(token) is first
