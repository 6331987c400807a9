"""Token Status Lists on the verifier side: fetch, verify, cache, and check one entry per token.

draft-ietf-oauth-status-list-20 §8.3 is the procedure; this module is the cache around it.
A token names ``status.status_list{uri, idx}``; the list at ``uri`` is a signed
``statuslist+jwt`` verified with the Verifier's own keys and algorithm allow-list, with
``sub`` equal to ``uri`` and ``exp`` honoured. It stays fresh for its ``ttl`` counted from the
fetch (§12.7, the RECOMMENDED option) within the policy's bounds; then the next request
revalidates with ``If-None-Match`` (a 304 costs no body, no signature, no inflating). One
fetch per list at a time, whatever the number of threads or coroutines waiting; a failed
fetch keeps the last good list for ``stale_if_error`` (never past its ``exp``) and then fails
closed with a 503. In Lambda there is no background refresh: the first request after a
list's ``ttl`` pays for one conditional GET, every other request is a bit lookup.

The check runs on every verify, including the Verifier's cached hits, so a cached verdict
never outlives a revocation for longer than the list's freshness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gatehouse.clock import Clock
from gatehouse.errors import (
    ConfigurationError,
    GatehouseError,
    InvalidStatusListError,
    KeySourceError,
    StatusListFetchError,
)
from gatehouse.jose.status_list import INVALID, StatusList
from gatehouse.jose.status_list_token import StatusListToken
from gatehouse.keys.flight import Flight, FlightLock
from gatehouse.keys.status_fetch import StatusListFetcher, UrllibStatusListFetcher
from gatehouse.keys.status_list_entry import (
    UNATTACHED,
    ListEntry,
    always_valid,
    bound_check,
    fresh_entry,
    monotonic_of,
    refusal,
)
from gatehouse.keys.status_list_policy import StatusListPolicy
from gatehouse.keys.status_list_verify import verified_list
from gatehouse.keys.status_reference import StatusURIAllowList, status_reference

if TYPE_CHECKING:
    import asyncio
    import os

    from gatehouse.keys.base import KeySource

__all__ = ["RemoteStatusLists"]


class RemoteStatusLists:
    """A status source for ``Verifier(status_lists=…)``; thread- and coroutine-safe.

    ``allowed_uris``: URL prefixes lists may come from (default: under the Verifier's
    issuer). ``require``: a token without a ``status_list`` reference is refused
    (``MissingClaimError``); turn it off while an issuer is still rolling status lists out.
    ``seed``: status list tokens (compact JWTs) to start from, each filed under its ``sub``:
    a cold start then verifies without a fetch while the seed is younger than its ``ttl``,
    and falls back on it within ``stale_if_error`` when the publisher is down.
    ``keys``/``algorithms`` default to the Verifier's own when it attaches this source.
    """

    __slots__ = (
        "_algorithms",
        "_allow",
        "_async_flights",
        "_clock",
        "_fetcher",
        "_flights",
        "_keys",
        "_lists",
        "_lock",
        "_monotonic",
        "_own_keys",
        "_policy",
        "_require",
        "_seeds",
    )

    def __init__(
        self,
        *,
        allowed_uris: Iterable[str] | None = None,
        require: bool = True,
        keys: KeySource | None = None,
        algorithms: Sequence[str] | None = None,
        fetcher: StatusListFetcher | None = None,
        clock: Clock | None = None,
        seed: Iterable[str] = (),
        policy: StatusListPolicy | None = None,
        **options: Any,
    ) -> None:
        if policy is not None and options:
            raise ConfigurationError("pass either policy= or individual options, not both")
        self._policy = policy if policy is not None else StatusListPolicy(**options)
        self._allow = StatusURIAllowList(allowed_uris) if allowed_uris is not None else None
        self._require = bool(require)
        self._keys = keys
        self._own_keys = keys is not None
        self._algorithms = frozenset(algorithms) if algorithms is not None else None
        self._fetcher: StatusListFetcher = fetcher or UrllibStatusListFetcher()
        self._clock: Clock = clock if clock is not None else UNATTACHED
        self._monotonic = monotonic_of(self._clock)
        self._seeds: list[str] | None = [s.strip() for s in seed if s.strip()] or None
        self._lists: dict[str, ListEntry] = {}
        self._lock = FlightLock()
        self._flights: dict[str, Flight] = {}
        self._async_flights: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = {}

    @classmethod
    def seeded_from_file(cls, path: str | os.PathLike[str], **options: Any) -> RemoteStatusLists:
        """Seeded from a file of status list tokens, one compact JWT per line."""
        with open(path, encoding="ascii") as handle:
            text = handle.read(64 * 1024 * 1024)
        return cls(seed=text.split(), **options)

    @classmethod
    def seeded_from_env(
        cls, name: str, *, environ: Mapping[str, str] | None = None, **options: Any
    ) -> RemoteStatusLists:
        """Seeded from environment variable ``name`` (whitespace-separated tokens); absent
        means no seed. The seed is verified at the first check that needs it."""
        if environ is None:
            import os

            environ = os.environ
        return cls(seed=environ.get(name, "").split(), **options)

    @property
    def policy(self) -> StatusListPolicy:
        return self._policy

    def attach(
        self,
        *,
        keys: KeySource,
        algorithms: frozenset[str],
        issuers: Iterable[str] | None,
        clock: Clock,
    ) -> None:
        """Called once by the Verifier: fill in what was not configured explicitly.

        A second Verifier may share this source only if it trusts the same keys: lists are
        cached once, verified with one key source."""
        with self._lock.mutex:
            if self._keys is not None and self._keys is not keys and not self._own_keys:
                raise ConfigurationError(
                    "this RemoteStatusLists already serves a Verifier with other keys"
                )
            if self._keys is None:
                self._keys = keys
            if self._algorithms is None:
                self._algorithms = frozenset(algorithms)
            if self._clock is UNATTACHED:
                self._clock = clock
                self._monotonic = monotonic_of(clock)
            if self._allow is None:
                if not issuers:
                    raise ConfigurationError("status lists need allowed_uris or an issuer")
                self._allow = StatusURIAllowList(sorted(issuers))

    def __repr__(self) -> str:
        return f"RemoteStatusLists({self._allow!r}, require={self._require})"

    # --- the check (hot path) -----------------------------------------------------

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise ``TokenRevokedError`` unless the token's entry is VALID (0)."""
        # The fast path: a well-formed reference to a fresh list costs a few lookups, one
        # clock read and one bit; anything unusual goes to the checked path below.
        try:
            reference = claims["status"]["status_list"]
            uri, idx = reference["uri"], reference["idx"]
            entry = self._lists[uri]
        except (KeyError, TypeError, IndexError):
            entry = None
        if entry is None or type(idx) is not int or self._monotonic() >= entry.fresh_until:
            checked = status_reference(claims, require=self._require)
            if checked is None:
                return
            uri, idx = checked
            status_list = self._refreshed(uri)
        else:
            # StatusList.status inlined for the 1-bit lists gatehouse issues (the method
            # call would cost more than the lookup); other widths take the method below.
            data = entry.one_bit
            if data is not None and idx >= 0:
                try:
                    if (data[idx >> 3] >> (idx & 7)) & 1:
                        raise refusal(INVALID)
                    return
                except IndexError:
                    pass  # outside the list: status() below raises the precise error
            status_list = entry.status_list
        value = status_list.status(idx)
        if value:
            raise refusal(value)

    def bind(self, claims: Mapping[str, Any]) -> Callable[[], bool] | None:
        """``check`` prepared for one verified claim set (the Verifier calls this when it
        caches the claims): the reference is read once here, so a cache hit costs one dict
        lookup, one clock read and one bit test. The function answers ``True`` (VALID in a
        fresh 1-bit list), raises ``TokenRevokedError`` (the bit is set) or answers ``False``
        (stale, unfetched, wider or shorter list: the Verifier runs ``check``/``acheck``)."""
        try:
            reference = status_reference(claims, require=self._require)
        except GatehouseError:
            return None  # a malformed or missing reference: check() refuses it every time
        if reference is None:
            return always_valid  # no reference, and none required
        uri, idx = reference
        return bound_check(self._lists, self._monotonic, uri, idx)

    async def acheck(self, claims: Mapping[str, Any]) -> None:
        """As ``check``; a fetch runs in a worker thread, shared by every coroutine."""
        reference = status_reference(claims, require=self._require)
        if reference is None:
            return
        uri, idx = reference
        entry = self._lists.get(uri)
        if entry is None or self._monotonic() >= entry.fresh_until:
            await self._arefresh(self._allowed(uri))
            status_list = self._answer(uri)
        else:
            status_list = entry.status_list
        value = status_list.status(idx)
        if value:
            raise refusal(value)

    def status_of(self, uri: str, idx: int) -> int:
        """The raw Status Type value at ``uri``/``idx`` (for tools and tests)."""
        self._allowed(uri)
        return self._refreshed(uri).status(idx)

    # --- freshness ----------------------------------------------------------------

    def _allowed(self, uri: str) -> str:
        if uri in self._lists:
            return uri  # checked when first seen
        allow = self._allow
        if allow is None:
            raise ConfigurationError("RemoteStatusLists must be attached to a Verifier first")
        return allow.check(uri)

    def _refreshed(self, uri: str) -> StatusList:
        entry = self._lists.get(uri)
        if entry is None:
            self._allowed(uri)
        if entry is None or self._clock.monotonic() >= entry.next_fetch:
            self._fetch_once(uri)
        return self._answer(uri)

    async def _arefresh(self, uri: str) -> None:
        import asyncio

        entry = self._lists.get(uri)
        if entry is not None and self._clock.monotonic() < entry.next_fetch:
            return
        loop = asyncio.get_running_loop()
        flight = self._async_flights.get(uri)
        if flight is None or flight[0] is not loop or flight[1].done():
            future = asyncio.ensure_future(asyncio.to_thread(self._fetch_once, uri))
            self._async_flights[uri] = flight = (loop, future)
            future.add_done_callback(lambda done: self._forget_async(uri, done))
        # shield: a cancelled waiter must not cancel the fetch the others wait on.
        await asyncio.shield(flight[1])

    def _forget_async(self, uri: str, future: asyncio.Future[None]) -> None:
        flight = self._async_flights.get(uri)
        if flight is not None and flight[1] is future:
            del self._async_flights[uri]

    def _answer(self, uri: str) -> StatusList:
        """The list as cached now, or the reason there is none; never fetches."""
        entry = self._lists.get(uri)
        if entry is not None:
            if entry.token is not None and self._clock.monotonic() < entry.usable_until:
                return entry.token.status_list  # fresh, or stale while the publisher is down
            if entry.error is not None:
                # A new instance: one exception object raised in many threads would share
                # (and grow) one traceback.
                raise type(entry.error)(entry.error.message, code=entry.error.code)
        raise StatusListFetchError("no usable status list: it has not been fetched")

    # --- fetching -----------------------------------------------------------------

    def _fetch_once(self, uri: str) -> None:
        """Fetch ``uri`` unless a fetch of it is running (then wait) or just finished."""
        cond = self._lock.condition()
        with cond:
            running = self._flights.get(uri)
            if running is not None:
                cond.wait_for(lambda: running.done)
                return
            entry = self._lists.get(uri)
            if entry is not None and self._clock.monotonic() < entry.next_fetch:
                return  # another caller's fetch finished while we queued for the lock
            flight = self._flights[uri] = Flight()
        new: ListEntry | None = None
        try:
            if self._seeds is not None:
                self._install_seeds()
                seeded = self._lists.get(uri)
                if seeded is not None and self._clock.monotonic() < seeded.fresh_until:
                    return  # a seed young enough to serve: no fetch at cold start
            new = self._fetched(uri, self._lists.get(uri) or ListEntry())
        finally:
            with cond:
                if new is not None:
                    self._store(uri, new)
                del self._flights[uri]
                flight.done = True
                cond.notify_all()

    def _store(self, uri: str, entry: ListEntry) -> None:
        lists = self._lists
        lists[uri] = entry
        while len(lists) > self._policy.max_lists:
            del lists[next(iter(lists))]  # oldest inserted first

    def _fetched(self, uri: str, old: ListEntry) -> ListEntry:
        """Fetch, verify and decode; the entry to install whether it worked or not."""
        policy = self._policy
        etag = old.etag if old.token is not None else None
        try:
            response = self._fetcher.fetch(uri, policy.timeout, policy.max_document_size, etag)
            if response.status == 304 and old.token is not None:
                token, etag = old.token, response.etag or etag
            elif response.status == 200:
                token, etag = self._verified(response.body, uri), response.etag
                if old.token is not None and token.issued_at < old.token.issued_at:
                    # A replayed older list could resurrect revoked tokens.
                    raise InvalidStatusListError("the status list is older than the cached one")
            elif 300 <= response.status < 400:
                raise StatusListFetchError(
                    f"status list answered HTTP {response.status}: redirects are not followed"
                )
            else:
                raise StatusListFetchError(f"status list answered HTTP {response.status}")
        except Exception as exc:
            error = exc if isinstance(exc, KeySourceError) else None
            if error is None:
                # A custom fetcher's or key source's own exception, mapped at the seam.
                error = StatusListFetchError(f"status list fetch failed: {type(exc).__name__}")
                error.__cause__ = exc
            retry_at = self._clock.monotonic() + policy.retry_after_error
            return ListEntry(
                old.token, old.fresh_until, old.usable_until, retry_at, old.etag, error
            )
        return fresh_entry(token, etag, self._clock.monotonic(), self._policy, self._clock)

    def _verified(self, body: bytes, uri: str | None) -> StatusListToken:
        keys, algorithms = self._keys, self._algorithms
        if keys is None or algorithms is None:
            raise ConfigurationError("RemoteStatusLists must be attached to a Verifier first")
        return verified_list(
            body, uri=uri, keys=keys, algorithms=algorithms, policy=self._policy, clock=self._clock
        )

    def _install_seeds(self) -> None:
        """Verify the seed tokens once; each is treated as fetched at its own ``iat``."""
        seeds, self._seeds = self._seeds, None
        clock = self._clock
        for text in seeds or ():
            try:
                token = self._verified(text.encode("ascii", "replace"), None)
                uri = self._allowed(token.uri)
            except GatehouseError:
                # An expired, foreign or broken seed is skipped: the list is fetched instead.
                continue
            age = max(0.0, clock.time() - token.issued_at)
            entry = fresh_entry(token, None, clock.monotonic() - age, self._policy, clock)
            with self._lock.condition():
                current = self._lists.get(uri)
                if current is None or current.token is None:
                    self._store(uri, entry)
