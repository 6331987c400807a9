"""The pieces of a status list cache entry, kept apart from the cache logic that uses them."""

from __future__ import annotations

from gatehouse.errors import ConfigurationError, KeySourceError, TokenRevokedError
from gatehouse.jose.status_list import INVALID, SUSPENDED, StatusList
from gatehouse.jose.status_list_token import StatusListToken

__all__ = ["NEVER", "UNATTACHED", "Flight", "ListEntry", "Unattached", "refusal"]

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


class Flight:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


def refusal(value: int) -> TokenRevokedError:
    if value == INVALID:
        return TokenRevokedError("the token has been revoked (status list)")
    if value == SUSPENDED:
        return TokenRevokedError("the token is suspended (status list)", code="suspended")
    # §7.1: other values are reserved or application specific; we know none, so fail closed.
    return TokenRevokedError("the token's status is not VALID", code="status_not_valid")
