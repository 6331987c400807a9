"""The pieces of a status list cache entry, kept apart from the cache logic that uses them."""

from __future__ import annotations

import time
from collections.abc import Callable

from gatehouse.clock import Clock, SystemClock
from gatehouse.errors import ConfigurationError, KeySourceError, TokenRevokedError
from gatehouse.jose.status_list import INVALID, SUSPENDED, StatusList
from gatehouse.jose.status_list_token import StatusListToken
from gatehouse.keys.status_list_policy import StatusListPolicy

__all__ = [
    "NEVER",
    "UNATTACHED",
    "ListEntry",
    "Unattached",
    "always_valid",
    "bound_check",
    "fresh_entry",
    "monotonic_of",
    "refusal",
]

NEVER = float("-inf")
_EMPTY = StatusList(b"", 1)


class ListEntry:
    """One list's cache entry, replaced whole so readers need no lock (monotonic times)."""

    __slots__ = (
        "error",
        "etag",
        "fresh_until",
        "next_fetch",
        "one_bit",
        "status_list",
        "token",
        "usable_until",
    )

    def __init__(
        self,
        token: StatusListToken | None = None,
        fresh_until: float = NEVER,
        usable_until: float = NEVER,
        next_fetch: float = NEVER,
        etag: str | None = None,
        error: KeySourceError | None = None,
    ) -> None:
        self.token = token
        # The decoded list itself, one attribute away for the hot path.
        self.status_list: StatusList = token.status_list if token is not None else _EMPTY
        # The raw bytes of a 1-bit list (the common case), for the inlined lookup.
        self.one_bit = self.status_list.data if self.status_list.bits == 1 else None
        self.fresh_until = fresh_until
        self.usable_until = usable_until
        self.next_fetch = next_fetch
        self.etag = etag
        self.error = error


class Unattached:
    """The clock until a Verifier attaches one: any use is a configuration mistake."""

    __slots__ = ()

    def time(self) -> float:
        raise ConfigurationError("RemoteStatusLists must be attached to a Verifier first")

    monotonic = time


UNATTACHED = Unattached()


def refusal(value: int) -> TokenRevokedError:
    if value == INVALID:
        return TokenRevokedError("the token has been revoked (status list)")
    if value == SUSPENDED:
        return TokenRevokedError("the token is suspended (status list)", code="suspended")
    # §7.1: other values are reserved or application specific; we know none, so fail closed.
    return TokenRevokedError("the token's status is not VALID", code="status_not_valid")


def fresh_entry(
    token: StatusListToken,
    etag: str | None,
    fetched_at: float,
    policy: StatusListPolicy,
    clock: Clock,
) -> ListEntry:
    """Freshness from the fetch time (§12.7) and the policy; never usable past ``exp``."""
    fresh_until = fetched_at + policy.lifetime(token.ttl)
    usable_until = fresh_until + policy.stale_if_error
    if token.expires_at is not None:
        expires = clock.monotonic() + (token.expires_at - clock.time())
        fresh_until = min(fresh_until, expires)
        usable_until = min(usable_until, expires)
    return ListEntry(token, fresh_until, usable_until, fresh_until, etag)


def monotonic_of(clock: Clock) -> Callable[[], float]:
    """The clock's monotonic reader; the C function itself for the system clock (the hot
    path reads it on every verify, and a Python-level wrapper costs a frame)."""
    return time.monotonic if isinstance(clock, SystemClock) else clock.monotonic


def always_valid() -> bool:
    """The bound check of a token without a status reference where none is required."""
    return True


def bound_check(
    lists: dict[str, ListEntry], monotonic: Callable[[], float], uri: str, idx: int
) -> Callable[[], bool]:
    """The cache-hit check of entry ``idx`` of list ``uri`` (``RemoteStatusLists.bind``):
    byte and mask computed once, so a hit is one dict lookup, one clock read, one bit test
    (draft-ietf-oauth-status-list §4.1: 1-bit entries, LSB first). ``False``: the list is
    not fresh, not 1-bit or too short here, and the full check must answer."""
    byte, mask = idx >> 3, 1 << (idx & 7)

    def fast() -> bool:
        entry = lists.get(uri)  # present only once its uri passed the allow-list
        if entry is None or monotonic() >= entry.fresh_until:
            return False
        data = entry.one_bit
        if data is None or byte >= len(data):
            return False
        if data[byte] & mask:
            raise refusal(INVALID)
        return True

    return fast
