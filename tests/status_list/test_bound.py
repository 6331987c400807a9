"""RemoteStatusLists.bind: a cached verify's status check, prepared once per claim set."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.errors import InvalidStatusError, MissingClaimError, TokenRevokedError
from gatehouse.jose import JWK, encode_jwt
from gatehouse.keys.status_lists import RemoteStatusLists

from .conftest import Site, list_token


def _setup(
    site: Site, key: JWK, clock: ManualClock, **options: Any
) -> tuple[Verifier, RemoteStatusLists]:
    lists = RemoteStatusLists(**options)
    verifier = Verifier(
        issuer=site.issuer,
        audience="orders",
        keys=JWKS([key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=lists,
    )
    return verifier, lists


def _token(key: JWK, clock: ManualClock, iss: str, status: Any) -> str:
    claims: dict[str, Any] = {
        "iss": iss,
        "sub": "alice",
        "aud": "orders",
        "iat": int(clock.time()),
        "exp": int(clock.time()) + 3600,
    }
    if status is not None:
        claims["status"] = status
    return encode_jwt(claims, key, "ES256")


def test_bound_hit_reads_the_current_bit(site: Site, signing_key: JWK) -> None:
    """A cached token is refused on its next hit once a refetched list sets its bit."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock))
    verifier, _ = _setup(site, signing_key, clock)
    token = _token(signing_key, clock, site.issuer, {"status_list": {"idx": 9, "uri": site.uri()}})
    verifier.verify(token)
    verifier.verify(token)  # a hit: no fetch
    assert site.publisher.count == 1
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(9,)))
    clock.advance(61)  # past ttl: the bound check defers to the full check, which refetches
    with pytest.raises(TokenRevokedError):
        verifier.verify(token)
    with pytest.raises(TokenRevokedError):
        verifier.verify(token)  # the bound check now reads the set bit itself
    assert site.publisher.count == 2


def test_bound_hit_beyond_the_list_is_refused(site: Site, signing_key: JWK) -> None:
    """An idx past the list's end is refused on the first verify and on every hit."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, size=16))
    verifier, _ = _setup(site, signing_key, clock)
    token = _token(
        signing_key, clock, site.issuer, {"status_list": {"idx": 800, "uri": site.uri()}}
    )
    for _ in range(2):
        with pytest.raises(InvalidStatusError):
            verifier.verify(token)


def test_bound_hit_on_a_two_bit_list(site: Site, signing_key: JWK) -> None:
    """A 2-bit list is answered by the full check on hits (the bound form handles 1 bit)."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, bits=2, values={3: 2}))
    verifier, _lists = _setup(site, signing_key, clock)
    ok = _token(signing_key, clock, site.issuer, {"status_list": {"idx": 2, "uri": site.uri()}})
    bad = _token(signing_key, clock, site.issuer, {"status_list": {"idx": 3, "uri": site.uri()}})
    for _ in range(2):
        assert verifier.verify(ok)["sub"] == "alice"
        with pytest.raises(TokenRevokedError):
            verifier.verify(bad)
    assert site.publisher.count == 1


def test_bind_of_missing_and_malformed_references(site: Site, signing_key: JWK) -> None:
    """No reference: always VALID unless required; a malformed one: refused on every hit."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock))
    lenient, lists = _setup(site, signing_key, clock, require=False)
    bound = lists.bind({"sub": "alice"})
    assert bound is not None
    assert bound() is True
    plain = _token(signing_key, clock, site.issuer, None)
    assert lenient.verify(plain)["sub"] == "alice"
    assert lenient.verify(plain)["sub"] == "alice"
    strict, _ = _setup(site, signing_key, clock)
    for _ in range(2):
        with pytest.raises(MissingClaimError):
            strict.verify(plain)
    broken = _token(signing_key, clock, site.issuer, {"status_list": {"idx": -1, "uri": "x"}})
    assert lists.bind({"status": {"status_list": {"idx": -1, "uri": "x"}}}) is None
    for _ in range(2):
        with pytest.raises(InvalidStatusError):
            lenient.verify(broken)
