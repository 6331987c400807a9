"""RemoteJWKS against a real HTTP server on 127.0.0.1, with a manual clock (no sleeps)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from gatehouse.clock import ManualClock
from gatehouse.errors import (
    InvalidJWKSError,
    JWKSFetchError,
    KeySourceError,
    UnknownKeyError,
)
from gatehouse.jose.jwk import JWK
from gatehouse.keys.fetch import FetchResult
from gatehouse.keys.remote import RemoteJWKS

from .conftest import HOLD_LIMIT, JWKSServer, RecordingFetcher, WatchedClock

Keys = tuple[JWK, JWK, JWK]


def _remote(server: JWKSServer, clock: ManualClock, **options: object) -> RemoteJWKS:
    return RemoteJWKS(server.url(), clock=clock, **options)  # type: ignore[arg-type]


def _kid(key: JWK) -> str:
    assert key.kid is not None
    return key.kid


# --- caching and max-age -----------------------------------------------------------


def test_cache_hit_makes_no_second_request(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A second lookup within max-age is answered from memory."""
    jwks_server.script.serve_keys(es_keys[0])
    remote = _remote(jwks_server, ManualClock())
    first = remote.get_key(_kid(es_keys[0]), "ES256")
    second = remote.get_key(_kid(es_keys[0]), "ES256")
    assert first.kid == second.kid == es_keys[0].kid
    assert not first.is_private
    assert jwks_server.script.requests == 1
    assert jwks_server.script.paths == ["/jwks.json"]


@pytest.mark.parametrize(
    ("cache_control", "lifetime"),
    [
        (None, 600),
        ("max-age=120", 120),
        ("public, MAX-AGE=300", 300),
        ('max-age="240"', 240),
        ("max-age=5", 60),
        ("max-age=0", 60),
        ("no-store", 60),
        ("no-cache, max-age=900", 60),
        ("max-age=100, max-age=200", 60),
        ("max-age=abc", 60),
        ("max-age=-5", 60),
        ("max-age=999999999999999999999999", 86_400),
        ("max-age=172800", 86_400),
    ],
)
def test_max_age_honoured_within_bounds(
    jwks_server: JWKSServer, es_keys: Keys, cache_control: str | None, lifetime: int
) -> None:
    """Cache-Control max-age sets freshness, clamped to [60 s, 24 h]; no-store means 60 s."""
    jwks_server.script.serve_keys(es_keys[0], cache_control=cache_control)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    kid = _kid(es_keys[0])
    remote.get_key(kid, "ES256")
    clock.advance(lifetime - 1)
    remote.get_key(kid, "ES256")
    assert jwks_server.script.requests == 1
    clock.advance(1)
    remote.get_key(kid, "ES256")
    assert jwks_server.script.requests == 2


def test_refetch_replaces_the_key_set(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """After max-age the new document wins: a key removed from the set stops working."""
    old, new, _ = es_keys
    jwks_server.script.serve_keys(old)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(old), "ES256")
    jwks_server.script.serve_keys(new)
    clock.advance(600)
    assert remote.get_key(_kid(new), "ES256").kid == new.kid
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(old), "ES256")
    assert jwks_server.script.requests == 2


# --- unknown kid and cooldown --------------------------------------------------------


def test_unknown_kid_refetches_once_per_cooldown(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """An unknown kid refetches, but not again until the cooldown has passed."""
    a, b, c = es_keys
    jwks_server.script.serve_keys(a)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(a), "ES256")

    jwks_server.script.serve_keys(a, b)  # the issuer rotates in b
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(b), "ES256")  # just fetched: cooldown blocks a refetch
    assert jwks_server.script.requests == 1

    clock.advance(30)
    assert remote.get_key(_kid(b), "ES256").kid == b.kid  # one refetch finds it
    assert jwks_server.script.requests == 2

    for _ in range(5):  # an attacker inventing kids gets no more fetches
        with pytest.raises(UnknownKeyError):
            remote.get_key(_kid(c), "ES256")
    clock.advance(29.5)
    with pytest.raises(UnknownKeyError):
        remote.get_key("invented", "ES256")
    assert jwks_server.script.requests == 2

    clock.advance(0.5)
    with pytest.raises(UnknownKeyError):
        remote.get_key("invented", "ES256")
    assert jwks_server.script.requests == 3


def test_kid_known_but_alg_wrong_is_unknown_key(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A kid whose key does not fit the token's alg is not a match."""
    jwks_server.script.serve_keys(es_keys[0])
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(es_keys[0]), "EdDSA")


def test_kid_none_uses_the_single_fitting_key(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """Without a kid, the one key fitting alg is used; two candidates are ambiguous."""
    ed = JWK.generate("EdDSA")
    jwks_server.script.serve_keys(es_keys[0], ed)
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    assert remote.get_key(None, "ES256").kid == es_keys[0].kid
    assert remote.get_key(None, "EdDSA").kid == ed.kid

    jwks_server.script.serve_keys(es_keys[0], es_keys[1])
    clock.advance(600)
    with pytest.raises(UnknownKeyError):
        remote.get_key(None, "ES256")


# --- single flight -------------------------------------------------------------------


def test_concurrent_misses_share_one_fetch(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """N threads missing at once cause exactly one request; all get the key."""
    threads_n = 8
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    script.hold = threading.Event()
    clock, fetcher = WatchedClock(), RecordingFetcher()
    remote = _remote(jwks_server, clock, fetcher=fetcher)
    kid = _kid(es_keys[0])
    results: list[str | None] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(remote.get_key(kid, "ES256").kid)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    assert script.arrived.wait(HOLD_LIMIT)
    clock.wait_for_readers(threads_n - 1, besides=fetcher.threads)
    script.hold.set()
    for thread in threads:
        thread.join(HOLD_LIMIT)
    assert errors == []
    assert results == [kid] * threads_n
    assert (fetcher.calls, fetcher.most_in_flight, script.requests) == (1, 1, 1)


def test_async_misses_share_one_fetch_without_blocking_the_loop(
    jwks_server: JWKSServer, es_keys: Keys
) -> None:
    """Coroutines missing at once share one request, and the loop keeps running meanwhile."""
    coroutines_n = 10
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    script.hold = threading.Event()
    fetcher = RecordingFetcher()
    remote = _remote(jwks_server, ManualClock(), fetcher=fetcher)
    kid = _kid(es_keys[0])

    async def main() -> list[str | None]:
        tasks = [asyncio.ensure_future(remote.aget_key(kid, "ES256")) for _ in range(coroutines_n)]
        # This coroutine runs while the fetch is held: the loop is not blocked.
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, script.arrived.wait, HOLD_LIMIT)
        assert not any(task.done() for task in tasks)
        assert script.hold is not None
        script.hold.set()
        keys = await asyncio.gather(*tasks)
        return [key.kid for key in keys]

    assert asyncio.run(main()) == [kid] * coroutines_n
    assert (fetcher.calls, script.requests) == (1, 1)


def test_async_hit_and_unknown_kid(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """aget_key serves hits from memory and applies the same cooldown as get_key."""
    jwks_server.script.serve_keys(es_keys[0])
    clock = ManualClock()
    remote = _remote(jwks_server, clock)

    async def main() -> None:
        assert (await remote.aget_key(_kid(es_keys[0]), "ES256")).kid == es_keys[0].kid
        assert (await remote.aget_key(_kid(es_keys[0]), "ES256")).kid == es_keys[0].kid
        with pytest.raises(UnknownKeyError):
            await remote.aget_key(_kid(es_keys[1]), "ES256")
        jwks_server.script.serve_keys(es_keys[1])
        clock.advance(30)
        assert (await remote.aget_key(_kid(es_keys[1]), "ES256")).kid == es_keys[1].kid

    asyncio.run(main())
    assert jwks_server.script.requests == 2


# --- failures: stale-if-error, timeout, redirects, bad documents ---------------------


@pytest.mark.parametrize("failure", ["http_500", "connection_dropped"])
def test_stale_if_error_serves_the_last_good_set_for_a_bounded_time(
    jwks_server: JWKSServer, es_keys: Keys, failure: str
) -> None:
    """A failing endpoint keeps old keys usable until max-age + stale_if_error, then fails."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    clock = ManualClock()
    remote = _remote(jwks_server, clock, stale_if_error=3600, retry_after_error=5)
    kid = _kid(es_keys[0])
    remote.get_key(kid, "ES256")
    if failure == "http_500":
        script.status, script.body = 500, b"oops"
    else:
        script.drop = True

    clock.advance(600)  # expired: a refetch is attempted and fails
    assert remote.get_key(kid, "ES256").kid == kid
    assert script.requests == 2
    clock.advance(4)  # within retry_after_error: no new attempt, still stale
    assert remote.get_key(kid, "ES256").kid == kid
    assert script.requests == 2
    clock.advance(1)
    assert remote.get_key(kid, "ES256").kid == kid
    assert script.requests == 3

    clock.advance(3600 - 5 - 1)  # 1 s before the stale bound
    assert remote.get_key(kid, "ES256").kid == kid
    clock.advance(1)
    with pytest.raises(JWKSFetchError):
        remote.get_key(kid, "ES256")


def test_recovery_after_failure_clears_the_error(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """Once the endpoint answers again, fresh keys replace the stale ones."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    clock = ManualClock()
    remote = _remote(jwks_server, clock)
    remote.get_key(_kid(es_keys[0]), "ES256")
    script.status = 503
    clock.advance(600)
    with pytest.raises(JWKSFetchError, match="HTTP 503"):
        remote.get_key(_kid(es_keys[1]), "ES256")  # unknown kid and no way to refresh: 503
    script.serve_keys(es_keys[1])
    clock.advance(5)
    assert remote.get_key(_kid(es_keys[1]), "ES256").kid == es_keys[1].kid
    with pytest.raises(UnknownKeyError):
        remote.get_key(_kid(es_keys[0]), "ES256")


def test_cold_failure_raises_and_backs_off(jwks_server: JWKSServer) -> None:
    """With nothing cached a failed fetch is a JWKSFetchError, retried only after a pause."""
    script = jwks_server.script
    script.status, script.body = 500, b""
    clock = ManualClock()
    remote = _remote(jwks_server, clock, retry_after_error=5)
    for _ in range(3):
        with pytest.raises(JWKSFetchError) as caught:
            remote.get_key("k", "ES256")
        assert caught.value.code == "jwks_fetch"
        assert caught.value.status == 503
    assert script.requests == 1
    clock.advance(5)
    with pytest.raises(JWKSFetchError):
        remote.get_key("k", "ES256")
    assert script.requests == 2


def test_timeout(jwks_server: JWKSServer) -> None:
    """A server slower than the timeout gives JWKSFetchError, not a hang."""
    jwks_server.script.hold = threading.Event()  # released by the fixture
    remote = _remote(jwks_server, ManualClock(), timeout=0.2)
    with pytest.raises(JWKSFetchError, match="timed out"):
        remote.get_key("k", "ES256")


def test_redirect_is_not_followed(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A 3xx answer is a failure; its Location is never requested."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    script.status = 302
    script.headers = {"Location": jwks_server.url("/elsewhere.json")}
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(JWKSFetchError, match="redirect"):
        remote.get_key(_kid(es_keys[0]), "ES256")
    assert script.paths == ["/jwks.json"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"keys": "nope"}', b"\xff\xfe{}"])
def test_invalid_document(jwks_server: JWKSServer, body: bytes) -> None:
    """A 200 answer that is not a JWKS is InvalidJWKSError (a KeySourceError, 503)."""
    jwks_server.script.body = body
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(InvalidJWKSError) as caught:
        remote.get_key("k", "ES256")
    assert isinstance(caught.value, KeySourceError)
    assert caught.value.status == 503


def test_private_members_are_refused(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A published set that leaks a private key is refused, and the message holds no key."""
    private = es_keys[0].to_dict(private=True)
    jwks_server.script.body = json.dumps({"keys": [private]}).encode()
    remote = _remote(jwks_server, ManualClock())
    with pytest.raises(InvalidJWKSError) as caught:
        remote.get_key(_kid(es_keys[0]), "ES256")
    assert private["d"] not in str(caught.value)


def test_oversized_document(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A body over max_document_size is refused."""
    keys = [es_keys[0].public().to_dict()] * 1
    padding = " " * 4096
    jwks_server.script.body = (json.dumps({"keys": keys}) + padding).encode()
    remote = _remote(jwks_server, ManualClock(), max_document_size=2048)
    with pytest.raises(InvalidJWKSError, match="exceeds 2048 bytes"):
        remote.get_key(_kid(es_keys[0]), "ES256")


def test_foreign_fetcher_exception_is_mapped(es_keys: Keys) -> None:
    """An injected fetcher's own exception becomes JWKSFetchError, with the cause kept."""

    class Broken:
        def fetch(self, url: str, timeout: float, max_size: int) -> FetchResult:
            raise RuntimeError("boom")

    remote = RemoteJWKS("https://auth.example.com/jwks", fetcher=Broken(), clock=ManualClock())
    with pytest.raises(JWKSFetchError, match="RuntimeError"):
        remote.get_key("k", "ES256")


# --- seeding -------------------------------------------------------------------------


def _document(*keys: JWK) -> str:
    return json.dumps({"keys": [k.public().to_dict() for k in keys]})


def test_seeded_from_env_needs_no_request(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A seed from the environment answers at once and counts as fresh for max-age."""
    jwks_server.script.serve_keys(es_keys[0], es_keys[1])
    clock = ManualClock()
    environ = {"GATEHOUSE_JWKS": _document(es_keys[0])}
    remote = RemoteJWKS.seeded_from_env(
        jwks_server.url(), "GATEHOUSE_JWKS", environ=environ, clock=clock
    )
    assert remote.get_key(_kid(es_keys[0]), "ES256").kid == es_keys[0].kid
    clock.advance(599)
    remote.get_key(_kid(es_keys[0]), "ES256")
    assert jwks_server.script.requests == 0
    # An unknown kid may refetch at once: the seed may predate a rotation.
    assert remote.get_key(_kid(es_keys[1]), "ES256").kid == es_keys[1].kid
    assert jwks_server.script.requests == 1


def test_seed_expires_after_default_max_age(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A seed is fresh for the default max-age from construction, then refetched."""
    jwks_server.script.serve_keys(es_keys[0])
    clock = ManualClock()
    environ = {"JWKS": _document(es_keys[0])}
    remote = RemoteJWKS.seeded_from_env(jwks_server.url(), "JWKS", environ=environ, clock=clock)
    clock.advance(600)
    remote.get_key(_kid(es_keys[0]), "ES256")
    assert jwks_server.script.requests == 1


def test_seed_env_absent_or_invalid(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """No variable means no seed; an invalid one fails at start-up, not at first request."""
    jwks_server.script.serve_keys(es_keys[0])
    remote = RemoteJWKS.seeded_from_env(jwks_server.url(), "JWKS", environ={}, clock=ManualClock())
    remote.get_key(_kid(es_keys[0]), "ES256")
    assert jwks_server.script.requests == 1
    with pytest.raises(InvalidJWKSError):
        RemoteJWKS.seeded_from_env(jwks_server.url(), "JWKS", environ={"JWKS": "{"})


def test_seeded_from_file(jwks_server: JWKSServer, es_keys: Keys, tmp_path: Path) -> None:
    """A JWKS file shipped with the function seeds the cache: zero requests."""
    path = tmp_path / "jwks.json"
    path.write_text(_document(es_keys[0]))
    remote = RemoteJWKS.seeded_from_file(jwks_server.url(), path, clock=ManualClock())
    assert remote.get_key(_kid(es_keys[0]), "ES256").kid == es_keys[0].kid
    assert jwks_server.script.requests == 0


def test_cancelled_waiter_does_not_cancel_the_shared_fetch(
    jwks_server: JWKSServer, es_keys: Keys
) -> None:
    """One coroutine giving up leaves the fetch running for the others."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    script.hold = threading.Event()
    remote = _remote(jwks_server, ManualClock())
    kid = _kid(es_keys[0])

    async def main() -> str | None:
        quitter = asyncio.ensure_future(remote.aget_key(kid, "ES256"))
        stayer = asyncio.ensure_future(remote.aget_key(kid, "ES256"))
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, script.arrived.wait, HOLD_LIMIT)
        quitter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await quitter
        assert script.hold is not None
        script.hold.set()
        return (await stayer).kid

    assert asyncio.run(main()) == kid
    assert script.requests == 1


def test_threads_and_coroutines_share_one_fetch(jwks_server: JWKSServer, es_keys: Keys) -> None:
    """A coroutine missing while a thread's fetch is in flight waits for that fetch."""
    script = jwks_server.script
    script.serve_keys(es_keys[0])
    script.hold = threading.Event()
    clock, fetcher = WatchedClock(), RecordingFetcher()
    remote = _remote(jwks_server, clock, fetcher=fetcher)
    kid = _kid(es_keys[0])
    results: list[str | None] = []
    thread = threading.Thread(target=lambda: results.append(remote.get_key(kid, "ES256").kid))
    thread.start()
    assert script.arrived.wait(HOLD_LIMIT)

    async def main() -> str | None:
        task = asyncio.ensure_future(remote.aget_key(kid, "ES256"))
        loop = asyncio.get_running_loop()
        # the loop's own read: this coroutine is inside aget_key while the fetch is held
        await loop.run_in_executor(
            None, lambda: clock.wait_for_readers(1, besides=[*fetcher.threads, thread.ident])
        )
        assert script.hold is not None
        script.hold.set()
        return (await task).kid

    assert asyncio.run(main()) == kid
    thread.join(HOLD_LIMIT)
    assert results == [kid]
    assert (fetcher.calls, fetcher.threads, script.requests) == (1, [thread.ident], 1)
