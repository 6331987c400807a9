"""RemoteJWKS single flight against a real HTTP server on 127.0.0.1 whose answer the test
holds (no sleeps): threads, coroutines or both missing at once share one fetch, the event
loop keeps running meanwhile, and one coroutine giving up does not cancel the fetch."""

from __future__ import annotations

import asyncio
import threading

import pytest

from gatehouse.clock import ManualClock

from .conftest import HOLD_LIMIT, JWKSServer, Keys, RecordingFetcher, WatchedClock, _kid, _remote

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
