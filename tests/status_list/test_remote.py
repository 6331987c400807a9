"""RemoteStatusLists in a Verifier, against a real loopback publisher and a manual clock."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.errors import (
    ConfigurationError,
    InvalidStatusError,
    InvalidStatusListError,
    KeySourceError,
    MissingClaimError,
    StatusListFetchError,
    TokenRevokedError,
)
from gatehouse.jose import JWK, encode_jwt
from gatehouse.keys.status_fetch import StatusListResponse, UrllibStatusListFetcher
from gatehouse.keys.status_lists import RemoteStatusLists

from .conftest import HOLD_LIMIT, Site, list_token

AUDIENCE = "orders"


def _verifier(
    site: Site, key: JWK, clock: ManualClock, *, keys: JWK | None = None, **options: Any
) -> Verifier:
    return Verifier(
        issuer=site.issuer,
        audience=AUDIENCE,
        keys=JWKS([(keys or key).public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(**options),
    )


def _access(key: JWK, clock: ManualClock, iss: str, idx: int | None, uri: str) -> str:
    claims: dict[str, Any] = {
        "iss": iss,
        "sub": "alice",
        "aud": AUDIENCE,
        "iat": int(clock.time()),
        "exp": int(clock.time()) + 3600,
    }
    if idx is not None:
        claims["status"] = {"status_list": {"idx": idx, "uri": uri}}
    return encode_jwt(claims, key, "ES256")


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


# --- freshness ----------------------------------------------------------------------


def test_within_ttl_no_request_after_ttl_one_conditional_request(
    site: Site, signing_key: JWK
) -> None:
    """Fresh for ttl (60 s): no request; then one If-None-Match; a 304 renews without a body."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock), etag='"a"')
    verifier = _verifier(site, signing_key, clock)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    verifier.verify(token)
    clock.advance(59)
    verifier.verify(token)
    assert site.publisher.count == 1
    clock.advance(1)
    verifier.verify(token)
    clock.advance(59)
    verifier.verify(token)
    assert site.publisher.requests[1:] == [("/statuslists/1", '"a"')]


@pytest.mark.parametrize(("ttl", "fresh_for"), [(1, 5), (100_000, 900), (None, 300)])
def test_ttl_is_clamped_to_the_policy(
    site: Site, signing_key: JWK, ttl: int | None, fresh_for: int
) -> None:
    """ttl below min_ttl (5) or above max_ttl (900) is clamped; no ttl means default_ttl (300)."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, ttl=ttl, exp_in=None))
    verifier = _verifier(site, signing_key, clock)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    verifier.verify(token)
    clock.advance(fresh_for - 0.5)
    verifier.verify(token)
    assert site.publisher.count == 1
    clock.advance(1)
    verifier.verify(token)
    assert site.publisher.count == 2


# --- bad lists: typed errors, and the last good list serves within the stale bound ------


def _bad_signature(site: Site, key: JWK, clock: ManualClock) -> str:
    return list_token(JWK.generate("ES256"), site.uri(), clock, kid=key.kid)


def _wrong_sub(site: Site, key: JWK, clock: ManualClock) -> str:
    return list_token(key, site.uri(), clock, sub=site.uri(2))


def _bad_bits(site: Site, key: JWK, clock: ManualClock) -> str:
    claims = {
        "sub": site.uri(),
        "iat": int(clock.time()),
        "status_list": {"bits": 3, "lst": "eNoDAAAAAAE"},
    }
    return encode_jwt(claims, key, "ES256", typ="statuslist+jwt")


def _wrong_typ(site: Site, key: JWK, clock: ManualClock) -> str:
    return _access(key, clock, site.issuer, 1, site.uri())


def _expired(site: Site, key: JWK, clock: ManualClock) -> str:
    return list_token(key, site.uri(), clock, iat_offset=-7200, exp_in=3600)


@pytest.mark.parametrize(
    "make_bad",
    [_bad_signature, _wrong_sub, _bad_bits, _wrong_typ, _expired],
    ids=["bad-signature", "wrong-sub", "bits-3", "typ-at+jwt", "expired"],
)
def test_bad_list_is_typed_and_last_good_list_serves_within_stale_bound(
    site: Site, signing_key: JWK, make_bad: Any
) -> None:
    """A bad refetch → last good list until ttl + stale_if_error, then InvalidStatusListError."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(2,)))
    verifier = _verifier(site, signing_key, clock, stale_if_error=120, retry_after_error=5)
    good = _access(signing_key, clock, site.issuer, 1, site.uri())
    verifier.verify(good)
    clock.advance(61)
    site.publisher.serve(make_bad(site, signing_key, clock))
    verifier.verify(good)  # stale, served while the publisher is broken
    with pytest.raises(TokenRevokedError):
        verifier.verify(_access(signing_key, clock, site.issuer, 2, site.uri()))
    clock.advance(120)
    with pytest.raises(InvalidStatusListError) as info:
        verifier.verify(good)
    assert info.value.status == 503
    assert isinstance(info.value, KeySourceError)


def test_first_fetch_of_a_bad_list_fails_closed(site: Site, signing_key: JWK) -> None:
    """With no good list yet, a bad one is InvalidStatusListError and retries wait 5 s."""
    clock = ManualClock()
    site.publisher.serve(_bad_signature(site, signing_key, clock))
    verifier = _verifier(site, signing_key, clock)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    for _ in range(3):
        with pytest.raises(InvalidStatusListError, match="bad_signature"):
            verifier.verify(token)
    assert site.publisher.count == 1
    site.publisher.serve(list_token(signing_key, site.uri(), clock))
    clock.advance(5)
    verifier.verify(token)


def test_older_list_than_the_cached_one_is_refused(site: Site, signing_key: JWK) -> None:
    """A replayed older list (smaller iat) cannot resurrect a revoked token."""
    clock = ManualClock()
    old = list_token(signing_key, site.uri(), clock)
    clock.advance(10)
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(4,)))
    verifier = _verifier(site, signing_key, clock, stale_if_error=0)
    revoked = _access(signing_key, clock, site.issuer, 4, site.uri())
    with pytest.raises(TokenRevokedError):
        verifier.verify(revoked)
    clock.advance(61)
    site.publisher.serve(old)
    with pytest.raises(InvalidStatusListError, match="older"):
        verifier.verify(revoked)


def test_stale_never_outlives_the_lists_exp(site: Site, signing_key: JWK) -> None:
    """stale_if_error is cut at the list's exp: past exp the verifier fails closed."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, exp_in=90))
    verifier = _verifier(site, signing_key, clock, stale_if_error=3600)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    verifier.verify(token)
    site.publisher.status = 500
    clock.advance(61)
    verifier.verify(token)
    clock.advance(30)
    with pytest.raises(StatusListFetchError, match="HTTP 500"):
        verifier.verify(token)


def test_oversized_body_and_redirect_are_refused(site: Site, signing_key: JWK) -> None:
    """A body over max_document_size and a 302 (not followed) are typed 503 errors."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, size=200_000))
    verifier = _verifier(site, signing_key, clock, max_document_size=1000)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    verifier.verify(token)  # a 200k-entry list of zeros compresses to a few hundred bytes
    site.publisher.body = b"x" * 5000
    clock.advance(61)
    verifier.verify(token)  # stale
    other = _verifier(site, signing_key, clock, max_document_size=1000)
    with pytest.raises(InvalidStatusListError, match="exceeds"):
        other.verify(token)
    site.publisher.status = 302
    site.publisher.headers = {"Location": "http://127.0.0.1:1/elsewhere"}
    third = _verifier(site, signing_key, clock)
    with pytest.raises(StatusListFetchError, match="redirects"):
        third.verify(token)


def test_oversized_list_is_refused_while_inflating(site: Site, signing_key: JWK) -> None:
    """A list over max_list_bytes (here 1 KiB) is InvalidStatusListError."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, size=8 * 1025))
    verifier = _verifier(site, signing_key, clock, max_list_bytes=1024)
    with pytest.raises(InvalidStatusListError, match="larger than 1024"):
        verifier.verify(_access(signing_key, clock, site.issuer, 1, site.uri()))


def test_fetch_that_hangs_is_bounded_by_the_timeout(
    site: Site, signing_key: JWK, silent_port: int
) -> None:
    """A publisher that accepts and never answers costs one timeout, then a typed 503."""
    clock = ManualClock()
    uri = f"http://127.0.0.1:{silent_port}/statuslists/1"
    fetcher = _CountingFetcher()
    verifier = Verifier(
        issuer=f"http://127.0.0.1:{silent_port}",
        audience=AUDIENCE,
        keys=JWKS([signing_key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(timeout=0.3, fetcher=fetcher),
    )
    token = _access(signing_key, clock, f"http://127.0.0.1:{silent_port}", 1, uri)
    started = time.monotonic()
    with pytest.raises(StatusListFetchError, match="timed out"):
        verifier.verify(token)
    # The 0.3 s timeout plus a loaded CI machine's overhead (0.7 s measured): ~10x headroom.
    assert time.monotonic() - started < 7
    with pytest.raises(StatusListFetchError, match="timed out"):
        verifier.verify(token)  # within retry_after_error: the recorded error, no new fetch
    assert fetcher.calls == 1
    clock.advance(5)
    with pytest.raises(StatusListFetchError):
        verifier.verify(token)
    assert fetcher.calls == 2


class _CountingFetcher(UrllibStatusListFetcher):
    """The real urllib fetcher, counting its calls."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def fetch(  # type: ignore[override]
        self, url: str, timeout: float, max_size: int, etag: str | None
    ) -> StatusListResponse:
        self.calls += 1
        return super().fetch(url, timeout, max_size, etag)


def test_hanging_refetch_keeps_serving_the_last_good_list(site: Site, signing_key: JWK) -> None:
    """A refetch that hangs past the timeout leaves the last good list in service (stale)."""
    clock = ManualClock()
    # The last good list is a seed already past its ttl (no fast fetch needed on a loaded
    # machine before the slow one); with revoked index 2, so the stale list is really used.
    seed = list_token(signing_key, site.uri(), clock, revoked=(2,), iat_offset=-61)
    site.publisher.serve(list_token(signing_key, site.uri(), clock))
    site.publisher.hold = threading.Event()
    verifier = _verifier(site, signing_key, clock, timeout=0.3, seed=[seed])
    started = time.monotonic()
    verifier.verify(_access(signing_key, clock, site.issuer, 1, site.uri()))
    # ~10x the 0.7 s measured, and still under HOLD_LIMIT (10 s), when a held answer would land.
    assert time.monotonic() - started < 7
    assert site.publisher.arrived.wait(HOLD_LIMIT)
    assert site.publisher.count == 1
    with pytest.raises(TokenRevokedError):
        verifier.verify(_access(signing_key, clock, site.issuer, 2, site.uri()))
    assert site.publisher.count == 1  # within retry_after_error: no second hanging fetch


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


# --- one fetch at a time ------------------------------------------------------------


def test_threads_share_one_fetch(site: Site, signing_key: JWK) -> None:
    """Eight threads missing the same list cause one request and all get the answer."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(5,)))
    site.publisher.hold = threading.Event()
    verifier = _verifier(site, signing_key, clock)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    results: list[str] = []

    def call() -> None:
        results.append(verifier.verify(token)["sub"])

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert site.publisher.arrived.wait(HOLD_LIMIT)
    site.publisher.hold.set()
    for thread in threads:
        thread.join(HOLD_LIMIT)
    assert results == ["alice"] * 8
    assert site.publisher.count == 1


def test_coroutines_share_one_fetch_without_blocking_the_loop(site: Site, signing_key: JWK) -> None:
    """verify_async: 20 coroutines, one request, and the loop keeps running meanwhile."""
    clock = ManualClock()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(5,)))
    site.publisher.hold = threading.Event()
    verifier = _verifier(site, signing_key, clock)
    token = _access(signing_key, clock, site.issuer, 1, site.uri())
    revoked = _access(signing_key, clock, site.issuer, 5, site.uri())

    async def main() -> tuple[list[Any], bool]:
        calls = [verifier.verify_async(token) for _ in range(19)]
        calls.append(verifier.verify_async(revoked))
        gathered = asyncio.gather(*calls, return_exceptions=True)
        await asyncio.to_thread(site.publisher.arrived.wait, HOLD_LIMIT)
        ticked = True  # this coroutine ran while the fetch was held
        assert site.publisher.hold is not None
        site.publisher.hold.set()
        return list(await gathered), ticked

    results, ticked = asyncio.run(main())
    assert ticked
    assert [r["sub"] for r in results[:19]] == ["alice"] * 19
    assert isinstance(results[19], TokenRevokedError)
    assert site.publisher.count == 1


# --- seeds for cold starts ------------------------------------------------------------


def test_seed_from_env_serves_without_a_fetch_while_young(site: Site, signing_key: JWK) -> None:
    """A seed younger than its ttl answers with no request; after ttl it is revalidated."""
    clock = ManualClock()
    seed = list_token(signing_key, site.uri(), clock, revoked=(3,), iat_offset=-30)
    site.publisher.serve(list_token(signing_key, site.uri(), clock))
    status_lists = RemoteStatusLists.seeded_from_env(
        "GH_STATUS_SEED", environ={"GH_STATUS_SEED": seed}
    )
    verifier = Verifier(
        issuer=site.issuer,
        audience=AUDIENCE,
        keys=JWKS([signing_key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=status_lists,
    )
    with pytest.raises(TokenRevokedError):
        verifier.verify(_access(signing_key, clock, site.issuer, 3, site.uri()))
    assert site.publisher.count == 0
    clock.advance(30)
    verifier.verify(_access(signing_key, clock, site.issuer, 3, site.uri()))
    assert site.publisher.count == 1


def test_seed_file_is_the_fallback_when_the_publisher_is_down(
    site: Site, signing_key: JWK, tmp_path: Any
) -> None:
    """An old seed (past ttl) is used within stale_if_error when the first fetch fails."""
    clock = ManualClock()
    seed = tmp_path / "lists.jwt"
    seed.write_text(list_token(signing_key, site.uri(), clock, iat_offset=-100) + "\n")
    site.publisher.status = 503
    verifier = Verifier(
        issuer=site.issuer,
        audience=AUDIENCE,
        keys=JWKS([signing_key.public()]),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists.seeded_from_file(seed, stale_if_error=600),
    )
    verifier.verify(_access(signing_key, clock, site.issuer, 1, site.uri()))
    assert site.publisher.count == 1


def test_expired_or_foreign_seed_is_skipped(site: Site, signing_key: JWK) -> None:
    """An expired seed and one signed by another key are ignored: the list is fetched."""
    clock = ManualClock()
    seeds = [
        list_token(signing_key, site.uri(), clock, iat_offset=-7200, exp_in=3600),
        list_token(JWK.generate("ES256"), site.uri(), clock),
    ]
    site.publisher.serve(list_token(signing_key, site.uri(), clock))
    verifier = _verifier(site, signing_key, clock, seed=seeds)
    verifier.verify(_access(signing_key, clock, site.issuer, 1, site.uri()))
    assert site.publisher.count == 1


def test_lists_verify_with_the_remote_jwks_the_verifier_already_has(
    site: Site, signing_key: JWK
) -> None:
    """With RemoteJWKS keys, the list's kid is found in the same fetched JWKS (sync and async)."""
    from gatehouse import RemoteJWKS

    clock = ManualClock()
    jwks = {"keys": [signing_key.public().to_dict()]}
    site.publisher.routes["/.well-known/jwks.json"] = json.dumps(jwks).encode()
    site.publisher.serve(list_token(signing_key, site.uri(), clock, revoked=(3,)))
    verifier = Verifier(
        issuer=site.issuer,
        audience=AUDIENCE,
        keys=RemoteJWKS(site.issuer + "/.well-known/jwks.json", clock=clock),
        algorithms=["ES256"],
        clock=clock,
        status_lists=RemoteStatusLists(),
    )
    assert verifier.verify(_access(signing_key, clock, site.issuer, 1, site.uri()))
    with pytest.raises(TokenRevokedError):
        asyncio.run(verifier.verify_async(_access(signing_key, clock, site.issuer, 3, site.uri())))
    # One JWKS fetch serves both the access tokens and the list; one list fetch.
    assert sorted(path for path, _ in site.publisher.requests) == [
        "/.well-known/jwks.json",
        "/statuslists/1",
    ]
