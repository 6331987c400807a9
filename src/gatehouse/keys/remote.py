"""A key set fetched from a JWKS URL and cached with care.

The cache has to serve thousands of verifications a second from memory, follow key
rotation within seconds, and neither hammer the identity provider nor fall over when it
hiccups. So: keys stay fresh for the server's ``max-age`` within bounds; a token with an
unknown ``kid`` may trigger a refetch, but at most once per cooldown (an attacker inventing
kids must not turn into a flood of fetches); concurrent misses share one fetch; and a failed
fetch keeps the last good set for a bounded time instead of failing every request.

One exception to the cooldown (issue 16 §4): two key rotations close together can leave
a verifier whose last fetch, inside the cooldown, brought back the set it already had,
so tokens under the newly promoted key fail until the cooldown ends. When the set in
hand has been unchanged for longer than its max-age floor (``min_max_age``: the issuer
had time to rotate), an unknown ``kid`` may refetch once before the cooldown ends. Once
per unchanged set: an attacker inventing kids still gets at most one extra fetch, and
only the issuer publishing a new set renews it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gatehouse.clock import SYSTEM_CLOCK, Clock
from gatehouse.errors import (
    InvalidJWKSError,
    JWKSFetchError,
    KeySourceError,
    UnknownKeyError,
)
from gatehouse.keys.cache_control import freshness_lifetime
from gatehouse.keys.endpoint import check_jwks_url
from gatehouse.keys.fetch import Fetcher, FetchResult, UrllibFetcher
from gatehouse.keys.flight import Flight, FlightLock
from gatehouse.keys.jwks import JWKS
from gatehouse.keys.remote_policy import RemoteJWKSPolicy

if TYPE_CHECKING:
    import asyncio
    import os

    from gatehouse.jose.jwk import JWK

__all__ = ["RemoteJWKS"]

_NEVER = float("-inf")
_DEFAULT = RemoteJWKSPolicy()


class _State:
    """One consistent view of the cache, replaced whole (never mutated) so readers need no
    lock. All times are on the monotonic clock."""

    __slots__ = (
        "body",
        "early_used",
        "error",
        "fresh_until",
        "keys",
        "next_fetch",
        "unchanged_since",
        "usable_until",
    )

    def __init__(
        self,
        keys: JWKS | None = None,
        fresh_until: float = _NEVER,  # serve without asking the server until then
        usable_until: float = _NEVER,  # serve while the server cannot be reached until then
        next_fetch: float = _NEVER,  # no fetch starts before this
        error: KeySourceError | None = None,  # why the last fetch failed, until one succeeds
        body: bytes | None = None,  # the document the keys came from
        unchanged_since: float = _NEVER,  # when that document was first seen
        early_used: bool = False,  # the one refetch inside a cooldown was spent on it
    ) -> None:
        self.keys = keys
        self.fresh_until = fresh_until
        self.usable_until = usable_until
        self.next_fetch = next_fetch
        self.error = error
        self.body = body
        self.unchanged_since = unchanged_since
        self.early_used = early_used

    def failed(self, error: KeySourceError, retry_at: float) -> _State:
        """The same keys, with the failure recorded and the next attempt postponed."""
        return _State(
            self.keys,
            self.fresh_until,
            self.usable_until,
            retry_at,
            error,
            self.body,
            self.unchanged_since,
            self.early_used,
        )


class RemoteJWKS:
    """A ``KeySource`` backed by a JWKS URL, safe to share between threads and coroutines."""

    __slots__ = (
        "_async_flight",
        "_clock",
        "_fetcher",
        "_flight",
        "_lock",
        "_policy",
        "_state",
        "_url",
    )

    def __init__(
        self,
        url: str,
        *,
        fetcher: Fetcher | None = None,
        clock: Clock = SYSTEM_CLOCK,
        timeout: float = _DEFAULT.timeout,
        max_age: float = _DEFAULT.max_age,
        min_max_age: float = _DEFAULT.min_max_age,
        max_max_age: float = _DEFAULT.max_max_age,
        cooldown: float = _DEFAULT.cooldown,
        retry_after_error: float = _DEFAULT.retry_after_error,
        stale_if_error: float = _DEFAULT.stale_if_error,
        max_document_size: int = _DEFAULT.max_document_size,
        seed: JWKS | None = None,
    ) -> None:
        self._url = check_jwks_url(url)
        self._policy = RemoteJWKSPolicy(
            timeout=timeout,
            max_age=max_age,
            min_max_age=min_max_age,
            max_max_age=max_max_age,
            cooldown=cooldown,
            retry_after_error=retry_after_error,
            stale_if_error=stale_if_error,
            max_document_size=max_document_size,
        )
        self._fetcher: Fetcher = fetcher if fetcher is not None else UrllibFetcher()
        self._clock = clock
        # threading itself is imported on the first fetch: a seeded cold start never pays.
        self._lock = FlightLock()
        self._flight: Flight | None = None
        self._async_flight: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
        self._state = _State()
        if seed is not None:
            # A seeded set (baked into the deployment) is as good as a fresh fetch, so a
            # cold start verifies without a network round trip; an unknown kid may still
            # refetch at once.
            fresh_until = clock.monotonic() + max_age
            self._state = _State(seed, fresh_until, fresh_until + stale_if_error)

    @classmethod
    def seeded_from_env(
        cls,
        url: str,
        name: str,
        *,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> RemoteJWKS:
        """A RemoteJWKS whose cache starts from the JWKS JSON in environment variable ``name``.

        An absent variable means no seed (the first use fetches); a present but invalid one
        raises ``InvalidJWKSError`` at start-up rather than at the first request.
        """
        if environ is None:
            import os

            environ = os.environ
        seed = JWKS.from_env(name, environ) if environ.get(name) else None
        return cls(url, seed=seed, **options)

    @classmethod
    def seeded_from_file(cls, url: str, path: str | os.PathLike[str], **options: Any) -> RemoteJWKS:
        """A RemoteJWKS whose cache starts from a JWKS file shipped with the deployment."""
        return cls(url, seed=JWKS.from_file(path), **options)

    @property
    def url(self) -> str:
        return self._url

    @property
    def policy(self) -> RemoteJWKSPolicy:
        return self._policy

    def __repr__(self) -> str:
        return f"RemoteJWKS({self._url!r})"

    # --- KeySource ------------------------------------------------------------------

    def get_key(self, kid: str | None, alg: str) -> JWK:
        """The key for ``kid``/``alg``, fetching (or waiting on a fetch) only when needed."""
        now = self._clock.monotonic()
        state = self._state
        if state.keys is not None and now < state.fresh_until:
            key = state.keys.find(kid, alg)
            if key is not None:
                return key
        if now >= state.next_fetch or self._may_refetch_early(state, now):
            self._fetch_once()
        return self._answer(kid, alg)

    def _may_refetch_early(self, state: _State, now: float) -> bool:
        """An unknown kid inside the cooldown, with a set unchanged for longer than its
        max-age floor, and the one early refetch for that set not spent yet."""
        return (
            state.keys is not None
            and state.error is None
            and not state.early_used
            and now - state.unchanged_since >= self._policy.min_max_age
        )

    async def aget_key(self, kid: str | None, alg: str) -> JWK:
        """Like ``get_key``; the fetch runs in a worker thread so the event loop never blocks.

        Coroutines of one loop share one worker call, and that call joins any fetch
        already running in another thread, so there is still one request in flight.
        """
        import asyncio

        now = self._clock.monotonic()
        state = self._state
        if state.keys is not None and now < state.fresh_until:
            key = state.keys.find(kid, alg)
            if key is not None:
                return key
        if now >= state.next_fetch or self._may_refetch_early(state, now):
            loop = asyncio.get_running_loop()
            flight = self._async_flight
            if flight is None or flight[0] is not loop or flight[1].done():
                future = asyncio.ensure_future(asyncio.to_thread(self._fetch_once))
                self._async_flight = flight = (loop, future)
                future.add_done_callback(self._forget_async_flight)
            # shield: a cancelled waiter must not cancel the fetch the others wait on.
            await asyncio.shield(flight[1])
        return self._answer(kid, alg)

    def _forget_async_flight(self, future: asyncio.Future[None]) -> None:
        flight = self._async_flight
        if flight is not None and flight[1] is future:
            self._async_flight = None

    # --- the decision after any fetch -----------------------------------------------

    def _answer(self, kid: str | None, alg: str) -> JWK:
        """Answer from the cache as it stands; never fetches."""
        now = self._clock.monotonic()
        state = self._state
        if state.keys is not None and now < state.usable_until:
            key = state.keys.find(kid, alg)
            if key is not None:
                return key  # fresh, or stale because the server cannot be reached
            if state.error is None:
                raise UnknownKeyError("no key in the key set fits the token's kid and alg")
        if state.error is not None:
            # A new instance each time: one exception object raised in many threads would
            # share (and grow) a traceback.
            raise type(state.error)(state.error.message, code=state.error.code)
        raise JWKSFetchError("no usable JWKS: the key set has not been fetched")

    # --- fetching -------------------------------------------------------------------

    def _fetch_once(self) -> None:
        """Fetch unless a fetch is running (then wait for it) or just happened."""
        cond = self._lock.condition()
        with cond:
            now, current = self._clock.monotonic(), self._state
            if now < current.next_fetch and not self._may_refetch_early(current, now):
                return  # another caller's fetch finished while we queued for the lock
            running = self._flight
            if running is not None:
                cond.wait_for(lambda: running.done)
                return
            flight = self._flight = Flight()
        state: _State | None = None
        try:
            state = self._fetched_state()
        finally:
            with cond:
                if state is not None:
                    self._state = state
                self._flight = None
                flight.done = True
                cond.notify_all()

    def _fetched_state(self) -> _State:
        """Fetch and parse; the state to install whether it worked or not."""
        policy = self._policy
        try:
            result = self._fetcher.fetch(self._url, policy.timeout, policy.max_document_size)
            keys = self._parse(result)
        except Exception as exc:
            if not isinstance(exc, KeySourceError):
                # A custom fetcher's own exception: mapped here, at the seam.
                error = JWKSFetchError(f"JWKS fetcher failed: {type(exc).__name__}")
                error.__cause__ = exc
                exc = error
            retry_at = self._clock.monotonic() + policy.retry_after_error
            return self._state.failed(exc, retry_at)
        now = self._clock.monotonic()
        previous = self._state
        early = now < previous.next_fetch  # the once-per-set refetch inside a cooldown
        unchanged = previous.body == result.body
        lifetime = freshness_lifetime(
            result.cache_control,
            default=policy.max_age,
            minimum=policy.min_max_age,
            maximum=policy.max_max_age,
        )
        return _State(
            keys=keys,
            fresh_until=now + lifetime,
            usable_until=now + lifetime + policy.stale_if_error,
            next_fetch=now + policy.cooldown,
            body=result.body,
            unchanged_since=previous.unchanged_since if unchanged else now,
            early_used=(previous.early_used or early) if unchanged else False,
        )

    def _parse(self, result: FetchResult) -> JWKS:
        if 300 <= result.status < 400:
            raise JWKSFetchError(
                f"JWKS endpoint answered HTTP {result.status}: redirects are not followed"
            )
        if result.status != 200:
            raise JWKSFetchError(f"JWKS endpoint answered HTTP {result.status}")
        limit = self._policy.max_document_size
        if len(result.body) > limit:
            raise InvalidJWKSError(f"JWKS document exceeds {limit} bytes")
        return JWKS.from_json(result.body)
