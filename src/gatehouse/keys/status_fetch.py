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

import time
from typing import TYPE_CHECKING, Protocol

from gatehouse.errors import StatusListFetchError
from gatehouse.keys.fetch import UrllibFetcher

if TYPE_CHECKING:
    import http.client

__all__ = ["StatusListFetcher", "StatusListResponse", "UrllibStatusListFetcher"]

_CHUNK = 64 * 1024
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
        import http.client
        import urllib.error
        import urllib.request

        headers = {"Accept": "application/statuslist+jwt", "User-Agent": self._user_agent}
        if etag is not None:
            headers["If-None-Match"] = etag
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - URL allow-listed
        deadline = time.monotonic() + timeout
        try:
            with self._build_opener().open(request, timeout=timeout) as response:
                body = _read_bounded(response, max_size, deadline)
                return StatusListResponse(response.status, body, _etag(response.headers))
        except urllib.error.HTTPError as exc:
            # 304, 3xx (no redirect handler), 4xx and 5xx all land here.
            with exc:
                return StatusListResponse(exc.code, b"", _etag(exc.headers))
        except TimeoutError as exc:
            raise StatusListFetchError(f"status list fetch timed out after {timeout:g} s") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            if isinstance(reason, TimeoutError):
                raise StatusListFetchError(
                    f"status list fetch timed out after {timeout:g} s"
                ) from exc
            raise StatusListFetchError(
                f"status list fetch failed: {type(reason).__name__}"
            ) from exc


def _etag(headers: object) -> str | None:
    get = getattr(headers, "get", None)
    value = get("ETag") if get is not None else None
    if not isinstance(value, str) or not value or len(value) > _MAX_ETAG:
        return None
    return value if value.isascii() and value.isprintable() else None


def _read_bounded(response: http.client.HTTPResponse, max_size: int, deadline: float) -> bytes:
    """At most ``max_size + 1`` bytes, giving up at ``deadline`` (a server dripping bytes
    must not hold every verifier thread waiting on this list)."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_size:
        chunk = response.read1(min(_CHUNK, max_size + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError("status list body not received in time")
    return b"".join(chunks)
