"""The seam where a status list meets the network, with conditional revalidation.

Like ``keys.fetch`` for key sets, but a status list is refetched every ``ttl`` (seconds to
minutes), so revalidation must be cheap: the fetcher sends ``If-None-Match`` with the last
``ETag`` and a ``304 Not Modified`` (RFC 9110 §13.1.2, §15.4.5) costs no body, no signature
check and no decompression. The default transport is the same stdlib opener as
``UrllibFetcher``: certificates verified, redirects refused, ``file:``/``ftp:`` impossible.

draft-ietf-oauth-status-list-20 §8.2 says clients SHOULD follow 3xx; gatehouse does not,
because the list location is pinned by an allow-list (RFC 8725 §3.10: a token must never
steer the verifier's requests) and a redirect would hand that choice to the Location header.
"""

from __future__ import annotations

from typing import Protocol

from gatehouse.errors import StatusListFetchError
from gatehouse.keys.fetch import UrllibFetcher

__all__ = ["StatusListFetcher", "StatusListResponse", "UrllibStatusListFetcher"]

_MAX_ETAG = 256


class StatusListResponse:
    """The status, at most ``max_size + 1`` body bytes, and the validator to send next time."""

    __slots__ = ("body", "etag", "status")

    def __init__(self, status: int, body: bytes = b"", etag: str | None = None) -> None:
        self.status = status
        self.body = body
        self.etag = etag

    def __repr__(self) -> str:
        return f"StatusListResponse(status={self.status}, body=<{len(self.body)} bytes>)"


class StatusListFetcher(Protocol):
    """GETs a status list URL without following redirects.

    Raise ``StatusListFetchError`` when no response arrived (refused, timeout, TLS). Any HTTP
    status is a ``StatusListResponse``; send ``If-None-Match: etag`` when ``etag`` is given.
    Read at most ``max_size + 1`` bytes and stop at ``timeout`` for the whole exchange.
    """

    def fetch(
        self, url: str, timeout: float, max_size: int, etag: str | None
    ) -> StatusListResponse: ...


class UrllibStatusListFetcher(UrllibFetcher):
    """The default: stdlib ``urllib`` with the hardened opener of ``UrllibFetcher``."""

    __slots__ = ()

    def fetch(  # type: ignore[override]
        self, url: str, timeout: float, max_size: int, etag: str | None
    ) -> StatusListResponse:
        headers = {"Accept": "application/statuslist+jwt"}
        if etag is not None:
            headers["If-None-Match"] = etag
        # The URL is allow-listed by RemoteStatusLists; a 304 comes back as a status too.
        status, body, got = self._get(
            url, headers, timeout, max_size, StatusListFetchError, "status list"
        )
        return StatusListResponse(status, body, _etag(got))


def _etag(headers: object) -> str | None:
    get = getattr(headers, "get", None)
    value = get("ETag") if get is not None else None
    if not isinstance(value, str) or not value or len(value) > _MAX_ETAG:
        return None
    return value if value.isascii() and value.isprintable() else None
