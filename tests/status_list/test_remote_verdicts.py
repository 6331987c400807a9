"""RemoteStatusLists in a Verifier, against a real loopback publisher and a manual clock:
what a token's status reference must be (present unless not required, well-formed, under
an allowed location, inside the list) and what the list's entry then decides."""

from __future__ import annotations

from typing import Any

import pytest

from gatehouse import ManualClock
from gatehouse.errors import (
    ConfigurationError,
    InvalidStatusError,
    MissingClaimError,
    TokenRevokedError,
)
from gatehouse.jose import JWK, encode_jwt
from gatehouse.keys.status_lists import RemoteStatusLists

from .conftest import AUDIENCE, Site, _access, _verifier, list_token

# --- the bit decides ----------------------------------------------------------------


def test_valid_passes_and_revoked_is_refused(site: Site, signing_key: JWK) -> None:
    """Entry 0 → claims; entry 1 → TokenRevokedError code revoked (401); one fetch for both."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(7,)))
    verifier = _verifier(site, signing_key, clock)
    assert (
        verifier.verify(_access(signing_key, clock, site.issuer, 6, site.uri()))["sub"] == "alice"
    )
    with pytest.raises(TokenRevokedError) as info:
        verifier.verify(_access(signing_key, clock, site.issuer, 7, site.uri()))
    assert (info.value.code, info.value.status) == ("revoked", 401)
    assert site.publisher.count == 1
    assert site.publisher.requests[0] == ("/statuslists/1", None)


def test_cached_verdict_does_not_outlive_a_revocation(site: Site, signing_key: JWK) -> None:
    """A token in the Verifier's cache is refused once the list (after its ttl) says revoked."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock), etag='"v1"')
    verifier = _verifier(site, signing_key, clock)
    token = _access(signing_key, clock, site.issuer, 3, site.uri())
    verifier.verify(token)
    verifier.verify(token)  # a cache hit
    clock.advance(61)
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(3,)), etag='"v2"')
    with pytest.raises(TokenRevokedError):
        verifier.verify(token)
    assert [c for _, c in site.publisher.requests] == [None, '"v1"']


def test_suspended_and_unknown_values_are_refused(site: Site, signing_key: JWK) -> None:
    """bits 2: value 2 → code suspended, value 3 → status_not_valid; both TokenRevokedError."""
    clock = ManualClock()
    token = list_token(signing_key, site.uri(), clock, bits=2, values={1: 2, 2: 3})
    site.publisher.serve(token)
    verifier = _verifier(site, signing_key, clock)
    verifier.verify(_access(signing_key, clock, site.issuer, 0, site.uri()))
    codes = []
    for idx in (1, 2):
        with pytest.raises(TokenRevokedError) as info:
            verifier.verify(_access(signing_key, clock, site.issuer, idx, site.uri()))
        codes.append(info.value.code)
    assert codes == ["suspended", "status_not_valid"]


# --- the reference: required, well-formed, and only under allowed locations -------------


def test_missing_status_is_refused_unless_not_required(site: Site, signing_key: JWK) -> None:
    """require=True (default): no status claim → MissingClaimError; require=False: accepted."""
    clock = ManualClock()
    token = _access(signing_key, clock, site.issuer, None, site.uri())
    with pytest.raises(MissingClaimError) as info:
        _verifier(site, signing_key, clock).verify(token)
    assert info.value.claim == "status"
    assert _verifier(site, signing_key, clock, require=False).verify(token)["sub"] == "alice"
    assert site.publisher.count == 0


@pytest.mark.parametrize(
    "uri_for",
    [
        lambda s: "https://evil.example/statuslists/1",
        lambda s: s.issuer + ".evil.example/statuslists/1",
        lambda s: "http://169.254.169.254/latest/meta-data",
        lambda s: s.issuer + "/statuslists/../admin",
        lambda s: s.issuer + "/statuslists/%2e%2e/admin",
        lambda s: s.issuer + "/statuslists/1#frag",
        lambda s: "file:///etc/passwd",
    ],
)
def test_uri_outside_the_allow_list_is_never_fetched(
    site: Site, signing_key: JWK, uri_for: Any
) -> None:
    """A uri not under the issuer (SSRF, RFC 8725 §3.10) → InvalidStatusError, no request."""
    clock = ManualClock()
    verifier = _verifier(site, signing_key, clock)
    with pytest.raises(InvalidStatusError):
        verifier.verify(_access(signing_key, clock, site.issuer, 1, uri_for(site)))
    assert site.publisher.count == 0


@pytest.mark.parametrize(
    "status",
    [
        "x",
        {"status_list": "x"},
        {"status_list": {"idx": -1, "uri": "u"}},
        {"status_list": {"idx": True, "uri": "u"}},
        {"status_list": {"idx": 1.0, "uri": "u"}},
        {"status_list": {"idx": 1}},
    ],
)
def test_malformed_reference_is_invalid_status(site: Site, signing_key: JWK, status: Any) -> None:
    """A status claim that is not {status_list: {idx: int >= 0, uri: str}} → InvalidStatusError."""
    clock = ManualClock()
    claims = {
        "iss": site.issuer,
        "aud": AUDIENCE,
        "exp": int(clock.time()) + 60,
        "status": status,
    }
    with pytest.raises(InvalidStatusError):
        _verifier(site, signing_key, clock).verify(encode_jwt(claims, signing_key, "ES256"))


def test_index_outside_the_list_is_refused(site: Site, signing_key: JWK) -> None:
    """idx ≥ the list's size → InvalidStatusError (401), the token's fault (§8.3 step 6)."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, size=16))
    with pytest.raises(InvalidStatusError) as info:
        _verifier(site, signing_key, clock).verify(
            _access(signing_key, clock, site.issuer, 16, site.uri())
        )
    assert info.value.status == 401


def test_explicit_allow_list_admits_a_cdn(site: Site, signing_key: JWK) -> None:
    """allowed_uris replaces the issuer default: lists may then live elsewhere (e.g. a CDN)."""
    clock = ManualClock()
    cdn = f"http://localhost:{site.port}/lists"
    site.publisher.serve(list_token(signing_key, cdn + "/9", clock))
    verifier = _verifier(site, signing_key, clock, allowed_uris=[cdn])
    verifier.verify(_access(signing_key, clock, site.issuer, 1, cdn + "/9"))
    with pytest.raises(InvalidStatusError):
        verifier.verify(_access(signing_key, clock, site.issuer, 1, site.uri()))
    with pytest.raises(ConfigurationError):
        RemoteStatusLists(allowed_uris=["http://cdn.example.com/lists"])
