"""RemoteStatusLists in a Verifier, against a real loopback publisher and a manual clock:
when a list is fetched. It is fresh for its ttl (clamped to the policy), then revalidated
with one conditional request; callers missing at once share one fetch; seeds answer cold
starts; and the list verifies with the RemoteJWKS the Verifier already has."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

from gatehouse import JWKS, ManualClock, Verifier
from gatehouse.errors import TokenRevokedError
from gatehouse.jose import JWK
from gatehouse.keys.status_lists import RemoteStatusLists

from .conftest import AUDIENCE, HOLD_LIMIT, Site, _access, _verifier, list_token

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
